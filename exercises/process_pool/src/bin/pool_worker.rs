//! Given by the task (do not edit: `cargo exercise check` notices): a pool's worker process,
//! like the program's worker mode. It reads jobs on stdin, one line each (`ID START END`),
//! answers each with `ID PRIMES` (the primes in `START..END`), and when stdin closes it writes
//! `done PEAK` (its peak resident memory in KiB) and exits.
//!
//! Run as `pool_worker DIR PARTIES DIES_ON`: before its first job it leaves a file in DIR and
//! waits until PARTIES files are there, a barrier across processes that only workers holding a
//! job at the same time can pass. After `checker::PATIENCE` without them it answers `alone K N`
//! (K of N workers had a job) and exits with status 1. Given the job whose id is DIES_ON (a
//! number; `none`: no such job), it exits at once with status 101, as a panic would, without
//! answering: a crash.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// Waits at the barrier in `dir`; Err(how many were there) if the others never came.
fn meet(dir: &Path, parties: usize) -> Result<(), usize> {
    let _ = std::fs::write(dir.join(std::process::id().to_string()), b"");
    let since = Instant::now();
    loop {
        let here = std::fs::read_dir(dir).map_or(0, |d| d.count());
        if here >= parties {
            return Ok(());
        }
        if since.elapsed() > checker::PATIENCE {
            return Err(here.max(1)); // this worker holds a job, at least
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// This process's peak resident memory, from /proc (0 where there is none).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(parties)), Some(dies_on)) = (
        args.get(1),
        args.get(2).map(|p| p.parse::<usize>()),
        args.get(3).map(|d| d.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: pool_worker DIR PARTIES DIES_ON");
        return std::process::ExitCode::from(2);
    };
    let mut out = std::io::stdout().lock();
    let mut first = true;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let numbers: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [id, start, end] = numbers[..] else {
            eprintln!("not a job: {line:?}");
            return std::process::ExitCode::FAILURE;
        };
        if dies_on == Some(id) {
            return std::process::ExitCode::from(101); // a crash: the job is never answered
        }
        if std::mem::take(&mut first)
            && let Err(here) = meet(Path::new(dir), parties)
        {
            let _ = writeln!(out, "alone {here} {parties}");
            return std::process::ExitCode::FAILURE;
        }
        let primes = (start..end).filter(|&n| is_prime(n)).count();
        if writeln!(out, "{id} {primes}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return std::process::ExitCode::FAILURE;
        }
    }
    let _ = writeln!(out, "done {}", peak_rss_kib());
    std::process::ExitCode::SUCCESS
}
