//! Parallel CPU work: counting primes on one core, on std threads, and with rayon.
//!
//! The guide sends CPU-bound work to processes because CPython's GIL lets one thread run
//! Python at a time. Rust has no GIL: threads of one process run on every core at once, so the
//! same count of primes gets faster with each core, up to the number of cores, with no
//! processes and no copying. The work is real and checkable: primes below `--limit` by trial
//! division, compared with known counts.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin parallel_cpu
//!   cargo run --release -p examples-threads --bin parallel_cpu -- --limit 10000000 --workers 2
//!   cargo run --release -p examples-threads --bin parallel_cpu -- --mode rayon --json --runs 5
//!
//! You will see: the same count (148933 below 2,000,000) from all three, then the wall and CPU
//! time of each, run `--runs` times (3): the wall time is the runs' median, as another process
//! can slow any one run (CPU time is the last run's); the parallel CPU time about equal to the
//! sequential one (the same work, spread over cores), and for threads and rayon a verdict
//! decided from these medians: the speedup over the sequential loop, which can reach the
//! number of workers or of cores, whichever is smaller, and whether it did (a busy machine or
//! a small `--limit` hides it; a sequential loop slowed for another reason makes it look
//! larger than the cores allow, and the verdict says so).
//!
//! Python: `multiprocessing.Pool().map(count_primes, chunks)`, because
//! `ThreadPoolExecutor` would run the chunks one at a time under the GIL (see `no_gil` in the
//! suite "concurrency by example").
//!
//! Try this: more workers than cores (no further speedup: the extra threads take turns on the
//! same cores); `--mode threads --workers 1` beside `--mode sequential` (about the same time:
//! one thread uses one core; compared with the loop, `--workers 1` is refused); replace the
//! dynamic chunks in `count_threads` with one equal slice per thread and see the last slice,
//! where the numbers are largest and slowest to test, hold everyone up.
//!
//! Copy it out: `cargo xtask copy-out parallel_cpu DIR` writes it as a crate of its own (with
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

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

mod runs;

use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;
use shared::{Record, print_json};

use runs::Run;

#[derive(Parser, Debug)]
#[command(about = "Count primes below a limit: sequential, std threads, rayon")]
struct Args {
    /// Count the primes below this number.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    limit: u64,
    /// Threads for the parallel modes (default: one per core; 1 only with --mode).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Run one approach only (default: all three, compared).
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Print one JSON object per approach instead of the report.
    #[arg(long)]
    json: bool,
    /// Time each approach this many times and compare the medians of their wall times.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    runs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Sequential,
    Threads,
    Rayon,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Threads => "threads",
            Mode::Rayon => "rayon",
        }
    }
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    workers: u32,
    limit: u64,
    primes: u64,
    /// The wall time is the median of this many runs.
    runs: u32,
    #[serde(flatten)]
    measured: Record,
}

/// Trial division by odd numbers up to the square root: simple, and slow enough to measure.
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

fn count_sequential(limit: u64) -> u64 {
    (0..limit).filter(|&n| is_prime(n)).count() as u64
}

/// Numbers per chunk handed to a thread. Large numbers take longer to test, so equal slices
/// would idle the threads given small ones; small chunks from a shared counter keep all busy.
const CHUNK: u64 = 10_000;

fn count_threads(limit: u64, workers: u32) -> Result<u64, String> {
    // test witness {: each chunk's first number waits until all the workers are inside at once
    let is_prime = |n: u64| {
        if n.is_multiple_of(CHUNK) {
            shared::witness::arrive(&format!("threads-{workers}"), workers as usize);
        }
        is_prime(n)
    };
    // test witness }
    // exercise parallel_primes {
    let next = AtomicU64::new(0);
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut found = 0;
                    loop {
                        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= limit {
                            return found;
                        }
                        found += (start..(start + CHUNK).min(limit))
                            .filter(|&n| is_prime(n))
                            .count() as u64;
                    }
                })
            })
            .collect();
        // A worker that panicked has no count: report it rather than add a wrong total. Join
        // them all first: one left unjoined that panicked too would make the scope panic.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        joined
            .into_iter()
            .map(|j| j.map_err(|_| "a counting thread panicked".to_string()))
            .sum()
    })
    // exercise parallel_primes }
}

fn count_rayon(limit: u64, workers: u32) -> Result<u64, String> {
    // A pool of exactly `workers` threads, so that the modes are compared on equal terms
    // (rayon's global pool would use every core).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()
        .map_err(|e| format!("cannot start the rayon pool: {e}"))?;
    let busy = (workers as usize).min(limit as usize); // test witness
    Ok(pool.install(|| {
        (0..limit)
            .into_par_iter()
            // test witness {: every busy thread inside at once (once per piece rayon splits off)
            .map_init(
                || shared::witness::arrive(&format!("rayon-{busy}"), busy),
                |(), n| n,
            )
            // test witness }
            .filter(|&n| is_prime(n))
            .count() as u64
    }))
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    let threads = u128::from(workers);
    let cap = shared::cli::THREADS_CAP;
    if let Err(refused) = shared::cli::cap_count("threads", threads, cap, "--workers") {
        return refused;
    }
    if args.workers == Some(1) && args.mode.is_none() {
        // One thread does what the sequential loop does: the comparison has nothing to show.
        return shared::cli::usage_error(
            "--workers 1 gives the parallel modes one thread, the sequential loop's share: no \
             speedup is possible; use 2 or more (or time one approach alone with --mode)",
        );
    }
    // The cap on run time: each approach tests every number below --limit, --runs times.
    let d = Args::parse_from(["parallel_cpu"]); // the defaults, from clap
    let work = |a: &Args| {
        let share = a.workers.unwrap_or(cores).min(cores).max(1);
        let parallel = a.mode.map_or(2, |m| u32::from(m != Mode::Sequential));
        let sequential = a.mode.is_none_or(|m| m == Mode::Sequential);
        runs::work(a.limit, a.runs, sequential, parallel, share)
    };
    let (what, lower) = ("trial divisions (estimated)", "--limit, --runs or --mode");
    let cap = 40_000_000_000; // at about 500 million a second, 80 s
    if let Err(refused) = shared::cli::cap_work(what, work(&args), work(&d), cap, lower) {
        return refused;
    }
    // A long run says when each timed run is done: the table comes at the end.
    let progress = !args.json && work(&args) > 10 * work(&d);
    let all = vec![Mode::Sequential, Mode::Threads, Mode::Rayon];
    let modes = args.mode.map_or(all, |mode| vec![mode]);
    // `--mode sequential` runs on one thread, whatever --workers says (compare passes both).
    let shown = if args.mode == Some(Mode::Sequential) {
        1
    } else {
        workers
    };
    if !args.json {
        runs::announce(args.limit, shown, cores, args.runs);
    }

    let mut runs: Vec<Run> = Vec::new();
    for mode in modes {
        let count = || match mode {
            Mode::Sequential => Ok(count_sequential(args.limit)),
            Mode::Threads => count_threads(args.limit, workers),
            Mode::Rayon => count_rayon(args.limit, workers),
        };
        let measured = runs::timed(args.runs, count, |run, wall| {
            let (name, of, wall) = (mode.name(), args.runs, shared::fmt_duration(wall));
            progress.then(|| eprintln!("  {name} run {run} of {of} done in {wall}"));
        });
        let (primes, m, walls) = match measured {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {} failed: {e}", mode.name());
                return ExitCode::FAILURE;
            }
        };
        let used = if mode == Mode::Sequential { 1 } else { workers };
        if args.json {
            print_json(&Row {
                approach: mode.name(),
                workers: used,
                limit: args.limit,
                primes,
                runs: args.runs,
                measured: Record::from(&m),
            });
        }
        runs.push(Run {
            name: mode.name(),
            workers: used,
            primes,
            m,
            walls,
        });
    }

    // The answer must be right, not just the same everywhere.
    let expected = runs::known(args.limit);
    for run in &runs {
        if expected.is_some_and(|e| e != run.primes) || run.primes != runs[0].primes {
            eprintln!(
                "error: {} counted {} primes below {}, expected {}",
                run.name,
                run.primes,
                args.limit,
                expected.unwrap_or(runs[0].primes)
            );
            return ExitCode::FAILURE;
        }
    }
    if args.json {
        return ExitCode::SUCCESS;
    }

    runs::report(&runs, args.limit, expected.is_some(), shown, cores);
    ExitCode::SUCCESS
}
