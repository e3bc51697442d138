//! Given by the task (do not edit: `cargo exercise check` notices): a pool's worker process,
//! like the program's worker mode. It reads jobs on stdin, one line each (`ID START END`),
//! answers each with `ID PRIMES` (the primes in `START..END`), and exits when stdin closes,
//! saying so on stderr. For the checker, `SHUTDOWN_WORKER_CRASH_ON=ID` makes it die (status 3)
//! with job ID in its hands, and `SHUTDOWN_WORKER_EXIT=CODE` makes it exit with CODE at EOF.

use std::io::{BufRead, Write};

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// A number from the environment, 0 if unset.
fn from_env(name: &str) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> std::process::ExitCode {
    let crash_on = from_env("SHUTDOWN_WORKER_CRASH_ON");
    let exit_code = from_env("SHUTDOWN_WORKER_EXIT") as u8;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let numbers: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [id, start, end] = numbers[..] else {
            eprintln!("error: worker got a line that is not a job");
            return std::process::ExitCode::FAILURE;
        };
        if id == crash_on {
            eprintln!("crashed with job {id} in its hands, as the checker asked");
            return std::process::ExitCode::from(3);
        }
        let primes = (start..end).filter(|&n| is_prime(n)).count();
        if writeln!(out, "{id} {primes}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return std::process::ExitCode::FAILURE;
        }
    }
    eprintln!("stdin closed: exiting");
    std::process::ExitCode::from(exit_code)
}
