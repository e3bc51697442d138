//! Given by the task (do not edit: `cargo exercise check` notices): the pool's plumbing, as in
//! the program's `worker.rs` and `feed`. A `Job` is a range of numbers; `start_worker` starts
//! one worker process (`src/bin/pool_worker.rs`) with pipes to its stdin and stdout; `feed`
//! hands one worker jobs until none are left and collects its answers.
//!
//! Under the checker, in one run each worker's first job waits until every worker holds one
//! (a barrier of files in a temporary folder, across the processes): only workers fed at the
//! same time get past it. A worker that waited in vain answers `alone`, and `feed` returns an
//! error. In another run, the worker that gets one job dies on it (a crash), and `feed`
//! returns an error: the jobs that worker held are lost.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use checker::calls::Current;

/// A job for a worker: count the primes in `start..end`. `id` is its place in the job list.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub id: usize,
    pub start: u64,
    pub end: u64,
}

/// One worker process and its pipes.
pub struct Worker {
    pub child: Child,
    pub to: BufWriter<ChildStdin>,
    pub from: BufReader<ChildStdout>,
}

/// Starts one worker process.
pub fn start_worker() -> Result<Worker, String> {
    let run = RUN.get().ok_or(
        "the pool's workers start under the checker only: `cargo exercise check process_pool`",
    )?;
    let mut child = Command::new(&run.program)
        .arg(&run.dir)
        .arg(run.parties.to_string())
        .arg(run.dies_on.map_or("none".to_string(), |id| id.to_string()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    run.started.fetch_add(1, Ordering::SeqCst);
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    Ok(Worker {
        child,
        to: BufWriter::new(to),
        from: BufReader::new(from),
    })
}

/// Feeds one worker jobs until none are left (`next` is the index of the next job nobody has
/// taken); returns its answers as (job id, primes), and its own peak memory in KiB. It closes
/// the worker's stdin at the end and waits for it to exit: that stops the worker, also one
/// that got no job. An error means the worker failed: its answers are lost.
pub fn feed(w: Worker, jobs: &[Job], next: &AtomicU64) -> Result<(Vec<(usize, u64)>, u64), String> {
    let run = RUN.get();
    let fed = feed_one(w, jobs, next, run.as_deref());
    if let Some(run) = &run {
        match &fed {
            Ok((_, peak)) => {
                run.peaks.fetch_add(*peak, Ordering::SeqCst);
                run.stopped.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => run
                .failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(e.clone()),
        }
    }
    fed
}

fn feed_one(
    mut w: Worker,
    jobs: &[Job],
    next: &AtomicU64,
    run: Option<&Run>,
) -> Result<(Vec<(usize, u64)>, u64), String> {
    let mut answers = Vec::new();
    let mut line = String::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(job) = jobs.get(i) else { break };
        if let Some(run) = run {
            run.fed.fetch_add(1, Ordering::SeqCst);
        }
        let sent =
            writeln!(w.to, "{} {} {}", job.id, job.start, job.end).and_then(|_| w.to.flush());
        line.clear();
        let read = match sent {
            Ok(()) => w.from.read_line(&mut line).map_err(|e| e.to_string())?,
            Err(_) => 0, // its stdin closed: it died
        };
        if read == 0 {
            // Its stdout closed with the job unanswered: it died (a panic, a signal).
            let status = w.child.wait().map_err(|e| e.to_string())?;
            return Err(format!(
                "worker {} ended with {status} on job {}: the jobs it held are lost",
                w.child.id(),
                job.id
            ));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["alone", here, parties] => {
                let _ = w.child.wait();
                return Err(format!(
                    "a worker waited {:?} for the pool's other workers and gave up: only {here} of the {parties} workers that get a job ever had one at the same time, so the workers were fed one after another",
                    checker::PATIENCE
                ));
            }
            [id, primes] => match (id.parse(), primes.parse()) {
                (Ok(id), Ok(primes)) => answers.push((id, primes)),
                _ => return Err(format!("worker answered {line:?}")),
            },
            _ => return Err(format!("worker answered {line:?}")),
        }
    }
    drop(w.to); // EOF: the worker reports its peak memory and exits
    line.clear();
    w.from.read_line(&mut line).map_err(|e| e.to_string())?;
    let peak = match line.split_whitespace().collect::<Vec<_>>()[..] {
        ["done", peak] => peak
            .parse()
            .map_err(|_| format!("worker's last line was {line:?}"))?,
        _ => return Err(format!("worker's last line was {line:?}")),
    };
    let status = w.child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("worker exited with {status}"));
    }
    Ok((answers, peak))
}

/// What the checker sets up and watches during one run.
#[doc(hidden)]
pub struct Run {
    pub program: PathBuf,
    pub dir: PathBuf,
    /// How many workers meet at the barrier (1: no barrier).
    pub parties: usize,
    /// The job whose worker dies on it, if any.
    pub dies_on: Option<usize>,
    pub started: AtomicU64,
    pub fed: AtomicU64,
    /// Workers `feed` stopped (their stdin closed, their exit waited for).
    pub stopped: AtomicU64,
    pub peaks: AtomicU64,
    /// The errors `feed` returned.
    pub failures: Mutex<Vec<String>>,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(program: PathBuf, dir: PathBuf, parties: usize, dies_on: Option<usize>) -> Arc<Run> {
    Arc::new(Run {
        program,
        dir,
        parties,
        dies_on,
        started: AtomicU64::new(0),
        fed: AtomicU64::new(0),
        stopped: AtomicU64::new(0),
        peaks: AtomicU64::new(0),
        failures: Mutex::new(Vec::new()),
    })
}
