//! Measuring one child process: its wall time, and what the kernel counted for it: CPU time,
//! context switches, and the time its main thread spent ready to run but waiting for a core.

use std::process::Command;
use std::time::{Duration, Instant};

use shared::{Usage, Who, usage};

/// What the kernel counted for one child process.
pub struct Profile {
    pub wall: Duration,
    pub cpu: Duration,
    /// Ready to run but waiting for a core: the child's main thread only (the kernel counts
    /// it per thread); `None` without /proc.
    pub queued: Option<Duration>,
    pub voluntary: u64,
    pub involuntary: u64,
    pub status: String,
    pub succeeded: bool,
}

/// Runs `cmd` to the end and takes the difference in the children's resource usage. Only one
/// child runs at a time, so the difference is that child's (with anything it waited for).
pub fn profile(mut cmd: Command) -> Result<Profile, std::io::Error> {
    let before: Usage = usage(Who::Children);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let queued = queued_for_a_core(child.id());
    let status = child.wait()?;
    let wall = start.elapsed();
    let after = usage(Who::Children);
    Ok(Profile {
        wall,
        cpu: (after.user + after.system).saturating_sub(before.user + before.system),
        queued,
        voluntary: after.voluntary_switches - before.voluntary_switches,
        involuntary: after.involuntary_switches - before.involuntary_switches,
        status: status.to_string(),
        succeeded: status.success(),
    })
}

/// How long the main thread of process `pid` was ready to run but had no core, once it has
/// ended. An ended child stays a zombie until it is waited for, and /proc still shows its
/// main thread's counts until then (its other threads are gone by then).
fn queued_for_a_core(pid: u32) -> Option<Duration> {
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The state follows the name in parentheses; Z: it has ended.
        if stat.rsplit(')').next()?.trim_start().starts_with('Z') {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let schedstat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let ns = schedstat.split_whitespace().nth(1)?.parse().ok()?; // ns on a core, ns queued
    Some(Duration::from_nanos(ns))
}
