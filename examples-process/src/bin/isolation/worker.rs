//! Worker mode: this program reading jobs on stdin and answering on stdout, one JSON line
//! each, until stdin closes. A job may carry a fault to act out on purpose.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What can be done to a worker on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    Panic,
    Abort,
    Hang,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
pub struct Job {
    pub id: u32,
    pub start: u64,
    pub end: u64,
    pub fault: Option<Fault>,
}

#[derive(Serialize, Deserialize)]
pub struct Answer {
    pub id: u32,
    pub primes: u64,
}

/// Job n counts the primes in [(n-1) x span, n x span).
pub fn job(id: u32, span: u64, fault: Option<Fault>) -> Job {
    Job {
        id,
        start: u64::from(id - 1) * span,
        end: u64::from(id) * span,
        fault,
    }
}

pub fn count_primes(start: u64, end: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

/// About how many trial divisions `count_primes` makes below `n`: each prime p costs sqrt(p)
/// (composites stop far sooner), and there are about n / ln n of them.
pub fn divisions(n: u64) -> u128 {
    let n = n.max(3) as f64;
    (n * n.sqrt() / n.ln()) as u128
}

pub fn worker() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else {
            return ExitCode::FAILURE;
        };
        let Ok(job) = serde_json::from_str::<Job>(&line) else {
            eprintln!("error: worker got a line that is not a job");
            return ExitCode::FAILURE;
        };
        match job.fault {
            Some(Fault::Panic) => panic!("injected panic on job {}", job.id),
            // No unwinding, no cleanup: the way a segfault in C code would end the process.
            Some(Fault::Abort) => std::process::abort(),
            // Only the supervisor's deadline (SIGKILL) or its own stop (SIGTERM) ends this.
            Some(Fault::Hang) => loop {
                thread::sleep(Duration::from_secs(3600));
            },
            None => {}
        }
        let answer = Answer {
            id: job.id,
            primes: count_primes(job.start, job.end),
        };
        let Ok(text) = serde_json::to_string(&answer) else {
            return ExitCode::FAILURE;
        };
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
