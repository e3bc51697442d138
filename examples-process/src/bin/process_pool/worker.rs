//! The worker's side of the pool: this program in worker mode, the JSON lines it reads and
//! writes, the work itself, and how the parent starts one and feeds it jobs.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Feeds one worker jobs until none are left; returns its answers and its own peak memory.
pub fn feed(
    mut w: Worker,
    jobs: &[Job],
    next: &AtomicU64,
) -> Result<(Vec<(usize, u64)>, u64), String> {
    let mut answers = Vec::new();
    let mut line = String::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(job) = jobs.get(i) else { break };
        if jobs.len() >= 100_000 && (i + 1).is_multiple_of(jobs.len() / 10) {
            eprintln!(
                "  processes: {}% of the jobs handed out",
                (i + 1) * 100 / jobs.len()
            );
        }
        serde_json::to_writer(&mut w.to, job).map_err(|e| e.to_string())?;
        writeln!(w.to)
            .and_then(|_| w.to.flush())
            .map_err(|e| format!("worker gone: {e}"))?;
        line.clear();
        if w.from.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            // Its stdout closed with the job unanswered: it died (a panic, a signal).
            let status = w.child.wait().map_err(|e| e.to_string())?;
            return Err(format!(
                "worker {} ended with {status} on job {}",
                w.child.id(),
                job.id
            ));
        }
        match serde_json::from_str(&line) {
            Ok(Reply::Answer { id, primes }) => answers.push((id, primes)),
            _ => return Err(format!("worker answered {line:?}")),
        }
    }
    drop(w.to); // EOF: the worker reports its peak memory and exits
    line.clear();
    w.from.read_line(&mut line).map_err(|e| e.to_string())?;
    let peak = match serde_json::from_str(&line) {
        Ok(Reply::Done { peak_rss_kib }) => peak_rss_kib,
        _ => return Err(format!("worker's last line was {line:?}")),
    };
    let status = w.child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("worker exited with {status}"));
    }
    Ok((answers, peak))
}
