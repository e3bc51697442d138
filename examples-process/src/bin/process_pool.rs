//! Process pool: worker processes fed jobs over pipes, like Python's `multiprocessing.Pool.map`.
//!
//! The guide sends CPU-bound work to a process pool. Here the pool is built from std alone:
//! `--workers` copies of this very program, started in worker mode, each reading jobs as JSON
//! lines on its stdin and writing answers on its stdout. A feeder thread per worker hands out
//! the next chunk of numbers as soon as that worker answers the last (dynamic balancing, like
//! `Pool.map`'s chunks), and the answers are put back in job order. Counting primes below
//! `--limit` gives a checkable answer, compared with the sequential loop and with rayon on
//! threads. In Rust, threads already run CPU work in parallel (see `parallel_cpu`), so the
//! honest comparison is the cost: a process pool pays for process starts, pipes,
//! serialisation and a copy of the program's memory per worker, for the isolation it buys.
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_pool
//!   cargo run --release -p examples-process --bin process_pool -- --limit 10000000 --workers 2
//!   cargo run --release -p examples-process --bin process_pool -- --mode processes --json
//!
//! You will see: the same count from all three (148933 below 2,000,000); processes and rayon
//! both close to W times faster than sequential on W cores, and the pool's memory (parent
//! plus every worker's own peak) several times rayon's.
//!
//! Python: `with multiprocessing.Pool(w) as pool: sum(pool.map(count_primes, chunks))`.
//!
//! Try this: `--chunk 1000000` (a few big jobs: the last one leaves the other workers idle);
//! `--chunk 100` (many tiny jobs: the pipes and JSON cost more than the work).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shared::{
    Measurement, Record, Table, fmt_duration, fmt_kib, fmt_ratio, measure, peak_rss_kib, print_json,
};

#[derive(Parser, Debug)]
#[command(
    about = "Count primes with a pool of worker processes over pipes, against sequential and rayon"
)]
struct Args {
    /// Count the primes below this number.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    limit: u64,
    /// Worker processes (and rayon threads); default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Numbers per job.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    chunk: u64,
    /// Run one approach only (default: all three, compared).
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Print one JSON object per approach instead of the report.
    #[arg(long)]
    json: bool,
    /// Internal: be a worker, reading jobs on stdin.
    #[arg(long, hide = true)]
    worker: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Sequential,
    Processes,
    Rayon,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Processes => "processes",
            Mode::Rayon => "rayon",
        }
    }
}

/// A job on a worker's stdin: count the primes in `start..end`.
#[derive(Serialize, Deserialize)]
struct Job {
    id: usize,
    start: u64,
    end: u64,
}

/// A worker's stdout: one `Answer` per job, then its own peak memory when stdin closes.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Reply {
    Answer { id: usize, primes: u64 },
    Done { peak_rss_kib: u64 },
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    workers: u32,
    limit: u64,
    primes: u64,
    #[serde(flatten)]
    measured: Record,
}

/// Trial division by odd numbers: the same test as `parallel_cpu`'s, so that `compare` sets
/// the two programs side by side on the same work.
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

fn count(start: u64, end: u64) -> u64 {
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

/// Worker mode: jobs in, answers out, until the parent closes the pipe. `busy`: how many
/// workers get a job (with fewer jobs than workers, the rest stay idle).
fn worker(busy: u32) -> ExitCode {
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
struct Worker {
    child: Child,
    to: BufWriter<ChildStdin>,
    from: BufReader<ChildStdout>,
}

fn start_worker(busy: u32) -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut child = Command::new(me)
        .arg("--worker")
        .args(["--workers", &busy.to_string()])
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
fn feed(mut w: Worker, jobs: &[Job], next: &AtomicU64) -> Result<(Vec<(usize, u64)>, u64), String> {
    let mut answers = Vec::new();
    let mut line = String::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        let Some(job) = jobs.get(i) else { break };
        serde_json::to_writer(&mut w.to, job).map_err(|e| e.to_string())?;
        writeln!(w.to)
            .and_then(|_| w.to.flush())
            .map_err(|e| format!("worker gone: {e}"))?;
        line.clear();
        w.from.read_line(&mut line).map_err(|e| e.to_string())?;
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

/// The pool: returns the count and the workers' peak memory, summed.
fn count_processes(limit: u64, workers: u32, chunk: u64) -> Result<(u64, u64), String> {
    let jobs: Vec<Job> = (0..limit.div_ceil(chunk))
        .map(|i| Job {
            id: i as usize,
            start: i * chunk,
            end: ((i + 1) * chunk).min(limit),
        })
        .collect();
    let busy = workers.min(jobs.len() as u32);
    let pool = (0..workers)
        .map(|_| start_worker(busy))
        .collect::<Result<Vec<_>, _>>()?;
    let next = AtomicU64::new(0);
    let results = Mutex::new(vec![None; jobs.len()]);
    let peaks = thread::scope(|s| {
        let feeders: Vec<_> = pool
            .into_iter()
            .map(|w| s.spawn(|| feed(w, &jobs, &next)))
            .collect();
        let mut peaks = 0;
        for f in feeders {
            let (answers, peak) = f
                .join()
                .map_err(|_| "a feeder thread panicked".to_string())??;
            let mut results = results.lock().map_err(|_| "poisoned".to_string())?;
            for (id, primes) in answers {
                results[id] = Some(primes); // back in job order, like Pool.map
            }
            peaks += peak;
        }
        Ok::<_, String>(peaks)
    })?;
    let results = results.into_inner().map_err(|_| "poisoned".to_string())?;
    let total = results
        .iter()
        .map(|r| r.ok_or("a job was lost"))
        .sum::<Result<u64, _>>()?;
    Ok((total, peaks))
}

fn count_rayon(limit: u64, workers: u32, chunk: u64) -> Result<u64, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()
        .map_err(|e| e.to_string())?;
    let jobs = limit.div_ceil(chunk);
    let busy = workers.min(jobs as u32);
    Ok(pool.install(|| {
        (0..jobs)
            .into_par_iter()
            .map(|i| {
                shared::witness::arrive(&format!("rayon-{busy}"), busy as usize); // test witness: every busy thread inside at once
                count(i * chunk, ((i + 1) * chunk).min(limit))
            })
            .sum()
    }))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.worker {
        return worker(args.workers.unwrap_or(1));
    }
    let workers = args
        .workers
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get() as u32));
    let modes = match args.mode {
        Some(m) => vec![m],
        None => vec![Mode::Sequential, Mode::Processes, Mode::Rayon],
    };
    let mut table = Table::new([
        "approach",
        "workers",
        "primes",
        "wall",
        "cpu",
        "peak RSS",
        "vs sequential",
    ]);
    let mut rows: Vec<(Mode, u64, Measurement)> = Vec::new();
    for mode in modes {
        let (result, mut m) = measure(|| match mode {
            Mode::Sequential => Ok((count(0, args.limit), 0)),
            Mode::Processes => count_processes(args.limit, workers, args.chunk),
            Mode::Rayon => count_rayon(args.limit, workers, args.chunk).map(|n| (n, 0)),
        });
        let (primes, children_peak) = match result {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", mode.name());
                return ExitCode::FAILURE;
            }
        };
        // The pool's memory is the parent's plus each worker's own high-water mark.
        m.peak_rss_kib += children_peak;
        let used = if mode == Mode::Sequential { 1 } else { workers };
        if args.json {
            print_json(&Row {
                approach: mode.name(),
                workers: used,
                limit: args.limit,
                primes,
                measured: (&m).into(),
            });
        }
        rows.push((mode, primes, m));
    }
    if args.json {
        return ExitCode::SUCCESS;
    }
    let base = rows
        .iter()
        .find(|r| r.0 == Mode::Sequential)
        .map(|r| r.2.wall);
    for (mode, primes, m) in &rows {
        table.row([
            mode.name().to_string(),
            if *mode == Mode::Sequential {
                "1".to_string()
            } else {
                workers.to_string()
            },
            primes.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            fmt_kib(m.peak_rss_kib),
            base.map_or("-".into(), |b| fmt_ratio(b, m.wall)),
        ]);
    }
    print!("{table}");
    let same = rows.windows(2).all(|w| w[0].1 == w[1].1);
    println!(
        "primes below {}: {} from every approach{}; processes pay in memory and start-up for isolation that threads do not need here",
        args.limit,
        rows[0].1,
        if same { "" } else { " -- BUT THEY DIFFER" }
    );
    if !same {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
