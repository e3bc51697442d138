//! The workers: this program in worker mode, how the parent starts them and collects their
//! reports, and how a process's memory is read from the kernel.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use shared::{peak_rss_kib, print_json};

use crate::Args;

/// What a worker prints on its stdout when it is done: one JSON line.
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub ok: u32,
    pub first_error: Option<String>,
    pub took_s: f64,
    pub peak_rss_kib: u64,
    /// Read at the end of its work (see [`Smaps`]).
    pub smaps: Smaps,
}

/// Worker mode: make `count` requests to `url` in turn, then report.
pub fn worker(count: u32, url: &str, delay_ms: u64) -> ExitCode {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(
            Duration::from_millis(delay_ms) + Duration::from_secs(10),
        ))
        .build()
        .into();
    let start = Instant::now();
    let (mut ok, mut first_error) = (0, None);
    for _ in 0..count {
        let result = agent
            .get(url)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string());
        match result {
            Ok(_) => ok += 1,
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    let Some(smaps) = Smaps::of_self() else {
        eprintln!("error: cannot read /proc/self/smaps_rollup");
        return ExitCode::FAILURE;
    };
    let report = Report {
        ok,
        first_error,
        took_s: start.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
        smaps,
    };
    print_json(&report);
    ExitCode::SUCCESS
}

/// Starts the workers, each with its share of the requests; waits for all of them.
/// Returns each worker's pid, share and report.
pub fn run_workers(
    args: &Args,
    url: &str,
    workers: u32,
) -> Result<Vec<(u32, u32, Report)>, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children: Vec<(Child, u32)> = Vec::new();
    for i in 0..workers {
        // Shares differ by at most one: 10 requests on 4 workers are 3, 3, 2, 2.
        let share = args.requests / workers + u32::from(i < args.requests % workers);
        let spawned = Command::new(&me)
            .args(["--worker", &share.to_string(), "--url", url])
            .args(["--delay-ms", &args.delay_ms.to_string()])
            .args(["--workers", &workers.to_string()]) // test witness: how many meet at once
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => children.push((child, share)),
            Err(e) => {
                reap(children);
                return Err(format!("cannot start worker {i}: {e}"));
            }
        }
    }
    // Every worker is running now; read each one's report and wait for it (no zombies).
    let mut reports = Vec::new();
    let mut failure = None;
    for (mut child, share) in children {
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        match serde_json::from_str::<Report>(&line) {
            Ok(r) if status.success() => reports.push((child.id(), share, r)),
            _ => failure = Some(format!("worker {} ended with {status}", child.id())),
        }
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(reports),
    }
}

/// Kills and waits for workers already started, when a later one could not be.
fn reap(children: Vec<(Child, u32)>) {
    for (mut c, _) in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// A process's memory as the kernel splits it (`/proc/self/smaps_rollup`, in KiB): its
/// proportional share (PSS: each page divided by the number of processes mapping it) and its
/// private pages (mapped by it alone: what it adds, freed when it exits).
#[derive(Clone, Copy, Serialize, Deserialize)]
pub struct Smaps {
    pub pss_kib: u64,
    pub private_kib: u64,
}

impl Smaps {
    /// This process's figures now; `None` where the kernel does not provide them.
    pub fn of_self() -> Option<Smaps> {
        let text = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
        let field = |name: &str| -> Option<u64> {
            let value = text.lines().find_map(|l| l.strip_prefix(name))?;
            value.trim().trim_end_matches("kB").trim().parse().ok()
        };
        Some(Smaps {
            pss_kib: field("Pss:")?,
            private_kib: field("Private_Clean:")? + field("Private_Dirty:")?,
        })
    }
}
