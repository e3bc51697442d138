//! Process pool: worker processes fed jobs over pipes, like Python's `multiprocessing.Pool.map`.
//!
//! The guide sends CPU-bound work to a process pool. Here the pool is built from std alone:
//! `--workers` copies of this very program, started in worker mode, each reading jobs as JSON
//! lines on its stdin and writing answers on its stdout. A feeder thread per worker hands out
//! the next chunk of numbers as soon as that worker answers the last (dynamic balancing, like
//! `Pool.map`'s chunks), and the answers are put back in job order. Counting primes below
//! `--limit` gives a checkable answer, compared with the sequential loop and with rayon on
//! threads. In Rust, threads already run CPU work in parallel (the rayon row shows it, and
//! `parallel_cpu` in the suite "concurrency by example" is about nothing else), so the
//! honest comparison is the cost: a process pool pays for process starts, pipes,
//! serialisation and a whole program's worth of memory per worker (its own heap, stacks and
//! data; only pages such as the code are shared), for the isolation it buys.
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_pool
//!   cargo run --release -p examples-process --bin process_pool -- --limit 10000000 --workers 2
//!   cargo run --release -p examples-process --bin process_pool -- --mode processes --json
//!
//! You will see: the same count from all three (148933 below 2,000,000); for processes and
//! rayon a verdict from the measured speedup (`1.9x faster on 2 workers: the parallel speedup
//! shows`), and the pool's memory about three times rayon's: the "RSS high-water" column is
//! each process's peak resident memory (VmHWM), this one's plus, for the pool, every worker's
//! own, added up (pages they share, such as the program's code, counted in each).
//!
//! Python: `with multiprocessing.Pool(w) as pool: sum(pool.map(count_primes, chunks))`.
//!
//! Try this: `--chunk 1000000` (two big jobs: the one with the smaller numbers, quicker to
//! test, is done first and its worker waits: the verdict puts the ceiling at about 1.6x);
//! `--chunk 100` (20,000 tiny jobs: the pool's CPU time, its workers' included, grows to
//! about twice the loop's: the pipes and JSON cost as much as the work).
//!
//! Copy it out: `cargo xtask copy-out process_pool DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, record, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rayon = "1.12"
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod report;
mod worker;

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::thread;

use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;
use shared::{Measurement, Record, measure, print_json};
use worker::{Job, count, divisions, feed, start_worker};

/// The default --limit (also the base of the cap on run time).
const LIMIT: u64 = 2_000_000;

#[derive(Parser, Debug)]
#[command(
    about = "Count primes with a pool of worker processes over pipes, against sequential and rayon"
)]
struct Args {
    /// Count the primes below this number.
    #[arg(long, default_value_t = LIMIT, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    limit: u64,
    /// Worker processes (and rayon threads), 2 or more unless one --mode; default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Numbers per job (the pool holds every job and its answer in memory at once).
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

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    /// Workers started; `busy` of them got a job (fewer when there are fewer jobs).
    workers: u32,
    busy: u32,
    limit: u64,
    primes: u64,
    #[serde(flatten)]
    measured: Record,
}

/// The pool: returns the count and the workers' peak memory, summed.
fn count_processes(limit: u64, workers: u32, chunk: u64) -> Result<(u64, u64), String> {
    // test witness {: each worker is told how many workers get a job, to meet them all at once
    let busy = workers.min(limit.div_ceil(chunk) as u32);
    let start_worker = || start_worker(busy);
    // test witness }
    // exercise process_pool {
    let jobs: Vec<Job> = (0..limit.div_ceil(chunk))
        .map(|i| Job {
            id: i as usize,
            start: i * chunk,
            end: ((i + 1) * chunk).min(limit),
        })
        .collect();
    let pool = (0..workers)
        .map(|_| start_worker())
        .collect::<Result<Vec<_>, _>>()?;
    let next = AtomicU64::new(0);
    let results = Mutex::new(vec![None; jobs.len()]);
    let peaks = thread::scope(|s| {
        let feeders: Vec<_> = pool
            .into_iter()
            .map(|w| s.spawn(|| feed(w, &jobs, &next)))
            .collect();
        // Join them all before looking at any: a second panicked feeder left unjoined would
        // make the scope itself panic instead of returning this error.
        let joined: Vec<_> = feeders.into_iter().map(|f| f.join()).collect();
        let mut peaks = 0;
        for j in joined {
            let (answers, peak) = j.map_err(|_| "a feeder thread panicked".to_string())??;
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
    // exercise process_pool }
}

fn count_rayon(limit: u64, workers: u32, chunk: u64) -> Result<u64, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()
        .map_err(|e| e.to_string())?;
    let jobs = limit.div_ceil(chunk);
    let busy = workers.min(jobs as u32); // test witness
    // rayon hands a panic on one of its threads back to the caller of `install`: caught here,
    // it fails this approach with a message (exit status 1), as a dead worker process does.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.install(|| {
            (0..jobs)
                .into_par_iter()
                .map(|i| {
                    shared::witness::arrive(&format!("rayon-{busy}"), busy as usize); // test witness: every busy thread inside at once
                    count(i * chunk, ((i + 1) * chunk).min(limit))
                })
                .sum()
        })
    }))
    .map_err(|_| "a rayon thread panicked".to_string())
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.worker {
        return worker::worker(
            args.workers.unwrap_or(1), // test witness: the busy workers, as the parent said
        );
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    if args.workers == Some(1) && args.mode.is_none() {
        let why = "one worker has no other to share the jobs with, so no speedup is possible";
        return shared::cli::usage_error(format!("--workers 1: {why}: use 2 (or one --mode)"));
    }
    // The pool holds every job (24 bytes) and its answer (16 bytes in the results, 16 in its
    // feeder's list) at once: refuse before starting what would not fit.
    let jobs = args.limit.div_ceil(args.chunk);
    if let Err(refused) = shared::cli::cap_bytes(
        "memory",
        u128::from(jobs) * 56,
        shared::cli::MEMORY_CAP,
        "--limit or raise --chunk",
    ) {
        return refused;
    }
    let busy = workers.min(jobs.try_into().unwrap_or(u32::MAX));
    let modes = match args.mode {
        Some(m) => vec![m],
        None => vec![Mode::Sequential, Mode::Processes, Mode::Rayon],
    };
    // Run time: every approach counts every prime (below 10^7, 2 x 10^9 of these divisions
    // take one core 1.3 s here); the pool adds about 5 us of pipes and JSON per job and 1 ms
    // per worker start, counted as 10,000 and 2,000,000 divisions. The cap: one to two minutes.
    let pool = match modes.contains(&Mode::Processes) {
        true => u128::from(jobs) * 10_000 + u128::from(workers) * 2_000_000,
        false => 0,
    };
    let work = modes.len() as u128 * divisions(args.limit) + pool;
    let what = "trial divisions (estimated; the pool's pipes and starts counted as divisions)";
    let lower = match args.mode {
        Some(_) => "--limit, or raise --chunk",
        None => "--limit, raise --chunk, or run one --mode",
    };
    let default = 3 * divisions(LIMIT);
    if let Err(refused) = shared::cli::cap_work(what, work, default, 90_000_000_000, lower) {
        return refused;
    }
    let mut rows: Vec<(Mode, u64, Measurement)> = Vec::new();
    for mode in modes {
        eprintln!("  {} ...", mode.name()); // progress: the report comes once all have run
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
        // The pool's memory: this process's high-water mark plus each worker's own.
        m.peak_rss_kib += children_peak;
        if args.json {
            let (workers, busy) = if mode == Mode::Sequential {
                (1, 1)
            } else {
                (workers, busy)
            };
            print_json(&Row {
                approach: mode.name(),
                workers,
                busy,
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
    report::report(&args, &rows, workers, busy, cores)
}
