//! Given by the task (do not edit: `cargo exercise check` notices): the pool's plumbing, as in
//! the program's `worker.rs` and `feed`. A `Job` is a range of numbers; `start_worker` starts
//! one worker process (`src/bin/pool_worker.rs`) with pipes to its stdin and stdout; `feed`
//! hands one worker jobs until none are left and collects its answers.
//!
//! Under the checker, each worker's first job waits until every worker holds one (a barrier
//! of files in a temporary folder, across the processes): only workers fed at the same time
//! get past it. A worker that waited in vain answers `alone`, and `feed` returns an error.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
/// the worker's stdin at the end and waits for it to exit.
pub fn feed(
    mut w: Worker,
    jobs: &[Job],
    next: &AtomicU64,
) -> Result<(Vec<(usize, u64)>, u64), String> {
    let run = RUN.get();
    let mut answers = Vec::new();
    let mut line = String::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(job) = jobs.get(i) else { break };
        if let Some(run) = &run {
            run.fed.fetch_add(1, Ordering::SeqCst);
        }
        writeln!(w.to, "{} {} {}", job.id, job.start, job.end)
            .and_then(|_| w.to.flush())
            .map_err(|e| format!("worker gone: {e}"))?;
        line.clear();
        w.from.read_line(&mut line).map_err(|e| e.to_string())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["alone", here, parties] => {
                let _ = w.child.wait();
                return Err(format!(
                    "a worker waited {:?} for the pool's other workers and gave up: only {here} of {parties} workers ever had a job at the same time, so the workers were fed one after another",
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
    if let Some(run) = &run {
        run.peaks.fetch_add(peak, Ordering::SeqCst);
    }
    Ok((answers, peak))
}

/// What the checker sets up and watches during one run.
#[doc(hidden)]
pub struct Run {
    pub program: PathBuf,
    pub dir: PathBuf,
    pub parties: usize,
    pub started: AtomicU64,
    pub fed: AtomicU64,
    pub peaks: AtomicU64,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(program: PathBuf, dir: PathBuf, parties: usize) -> Arc<Run> {
    Arc::new(Run {
        program,
        dir,
        parties,
        started: AtomicU64::new(0),
        fed: AtomicU64::new(0),
        peaks: AtomicU64::new(0),
    })
}
