//! The worker's side of the pool: this program in worker mode, the JSON lines it reads and
//! writes, the work itself, and how the parent starts one.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};

use serde::{Deserialize, Serialize};
use shared::peak_rss_kib;

/// A job on a worker's stdin: count the primes in `start..end`.
#[derive(Serialize, Deserialize)]
pub struct Job {
    pub id: usize,
    pub start: u64,
    pub end: u64,
}

/// A worker's stdout: one `Answer` per job, then its own peak memory when stdin closes.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reply {
    Answer { id: usize, primes: u64 },
    Done { peak_rss_kib: u64 },
}

/// Trial division by odd numbers: the same test as `parallel_cpu`'s, another program of the
/// suite "concurrency by example", so that the suite's `compare` sets the two side by side on
/// the same work.
fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// About how many trial divisions `count(0, limit)` makes, at most: each prime p costs sqrt(p)
/// of them (half that here, odd divisors only; composites stop far sooner), and there are
/// about n / ln n primes below n.
pub fn divisions(limit: u64) -> u128 {
    let n = limit.max(3) as f64;
    (n * n.sqrt() / n.ln()) as u128
}

pub fn count(start: u64, end: u64) -> u64 {
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

/// Worker mode: jobs in, answers out, until the parent closes the pipe.
pub fn worker(
    busy: u32, // test witness: how many workers get a job (fewer jobs than workers: the rest idle)
) -> ExitCode {
    let mut out = BufWriter::new(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let Ok(job) = line
            .map_err(|e| e.to_string())
            .and_then(|l| serde_json::from_str::<Job>(&l).map_err(|e| e.to_string()))
        else {
            eprintln!("error: worker got a line that is not a job");
            return ExitCode::FAILURE;
        };
        shared::witness::arrive(&format!("processes-{busy}"), busy as usize); // test witness: every busy worker inside at once
        let answer = Reply::Answer {
            id: job.id,
            primes: count(job.start, job.end),
        };
        // Flushed per answer: the feeder waits for it before sending the next job.
        if serde_json::to_writer(&mut out, &answer).is_err()
            || writeln!(out).is_err()
            || out.flush().is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    let done = Reply::Done {
        peak_rss_kib: peak_rss_kib(),
    };
    let _ = serde_json::to_writer(&mut out, &done);
    let _ = writeln!(out);
    ExitCode::SUCCESS
}

/// One worker process, started from this program's own executable.
pub struct Worker {
    pub child: Child,
    pub to: BufWriter<ChildStdin>,
    pub from: BufReader<ChildStdout>,
}

pub fn start_worker(
    busy: u32, // test witness: how many workers get a job, passed on to each as --workers
) -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut child = Command::new(me)
        .arg("--worker")
        .args(["--workers", &busy.to_string()]) // test witness: how many meet at once
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    Ok(Worker {
        child,
        to: BufWriter::new(to),
        from: BufReader::new(from),
    })
}
