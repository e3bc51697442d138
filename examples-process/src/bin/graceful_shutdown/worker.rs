//! The worker's side: this program in worker mode, answering jobs read on its stdin until the
//! parent closes the pipe, and how the parent starts one.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};

use serde::{Deserialize, Serialize};

/// A job on a worker's stdin: count the primes in `start..end`.
#[derive(Serialize, Deserialize)]
pub struct Job {
    pub id: u32,
    pub start: u64,
    pub end: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Answer {
    pub id: u32,
    pub primes: u64,
}

fn count_primes(start: u64, end: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

/// Trial divisions one run may make: counting the primes below 1.5 x 10^8 (1,500 jobs of
/// 100,000), about 10^11 of them, takes one core about two minutes here.
pub const DIVISIONS_CAP: u128 = 100_000_000_000;

/// About how many trial divisions a run makes: its own SIGINT stops it after
/// `interrupt_after` jobs and the ones in flight (0: a real signal may never come, so every
/// job), which count the primes below `n`; each prime p below n costs sqrt(p) divisions
/// (composites stop far sooner), and there are about n / ln n of them.
pub fn divisions(jobs: u32, span: u64, workers: u32, interrupt_after: u32) -> u128 {
    let run = match interrupt_after {
        0 => jobs,
        k => jobs.min(k.saturating_add(workers)),
    };
    let n = (u64::from(run) * span).max(3) as f64;
    (n * n.sqrt() / n.ln()) as u128
}

/// Worker mode: answer jobs until stdin closes. No signal handling here: the worker is in
/// its own process group, so a Ctrl-C typed in the terminal does not reach it, and the parent
/// ends it by closing the pipe. (Should the parent die without doing so, even of SIGKILL, the
/// kernel sends the worker SIGTERM: `shared::cli` asks for that, and it ends the worker.)
pub fn worker() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Some(job) = line.ok().and_then(|l| serde_json::from_str::<Job>(&l).ok()) else {
            eprintln!("error: worker got a line that is not a job");
            return ExitCode::FAILURE;
        };
        let answer = Answer {
            id: job.id,
            primes: count_primes(job.start, job.end),
        };
        let text = serde_json::to_string(&answer).expect("two numbers serialize");
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The job at index `i` (from 0) is job `i + 1` (numbered from 1, as printed) and counts the
/// primes in [i x span, (i + 1) x span).
pub fn job(i: usize, span: u64) -> Job {
    let id = i as u32 + 1;
    Job {
        id,
        start: u64::from(id - 1) * span,
        end: u64::from(id) * span,
    }
}

/// Sends `job` to the worker and waits for its answer; the error says what went wrong.
pub fn ask(w: &mut Worker, job: &Job) -> Result<Answer, String> {
    let text = serde_json::to_string(job).map_err(|e| e.to_string())?;
    writeln!(w.to, "{text}")
        .and_then(|()| w.to.flush())
        .map_err(|e| format!("gone: {e}"))?;
    let mut line = String::new();
    match w.from.read_line(&mut line) {
        Ok(0) => Err(format!("ended with job {} in its hands", job.id)),
        _ => match serde_json::from_str::<Answer>(&line) {
            Ok(a) if a.id == job.id => Ok(a),
            _ => Err(format!("answered {line:?} to job {}", job.id)),
        },
    }
}

pub struct Worker {
    pub child: Child,
    pub to: BufWriter<ChildStdin>,
    pub from: BufReader<ChildStdout>,
}

pub fn start_worker() -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut child = Command::new(me)
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its own process group: a Ctrl-C in the terminal goes to the parent alone.
        .process_group(0)
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
