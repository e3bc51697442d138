//! Thread pools: a minimal one built from a channel, rayon, and crossbeam's work-stealing deques.
//!
//! Starting a thread per task costs microseconds and memory each time (`thread_memory`, in the
//! suite "concurrency by example", measures both); a pool starts a few threads once and feeds
//! them tasks. First the small version, to show how it works inside (`mini_pool.rs`): workers
//! that take boxed closures from one shared channel. Then the libraries: rayon's `par_iter`
//! (and a `ThreadPool` of a chosen size), and crossbeam's deques (`work_stealing.rs`), where
//! each worker keeps its own queue and steals from the others when it runs dry, which is how
//! rayon and tokio balance uneven work. All four compute the same checkable sum: the total
//! number of Collatz steps of 1..=`--limit`, an uneven workload.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin thread_pool
//!   cargo run --release -p examples-threads --bin thread_pool -- --limit 3000000 --workers 2 --chunk 100
//!
//! You will see: the same total from the sequential loop and the four pools, their times, how
//! many batches of tasks the deque workers stole from their peers, and for each pool a verdict
//! decided from this run's times: its speedup over the sequential loop, which can reach its
//! thread count or the core count, whichever is smaller, and whether it did (a busy machine,
//! or tasks too many and small or too few, hides it; a sequential loop slowed for another
//! reason makes it look larger than the cores allow, and the verdict says so).
//!
//! Python: `concurrent.futures.ThreadPoolExecutor(max_workers=w)` and `executor.submit(f)`;
//! for CPU work like this, `ProcessPoolExecutor`, because of the GIL (see `no_gil`, in the
//! same suite).
//!
//! Try this: `--chunk 1` (every number is a task: the cost per task shows, most in
//! `MiniPool`, which boxes a closure and sends it through a channel for each, and can fall
//! below the sequential loop) and `--chunk 1000000` (too few tasks: one worker gets all the
//! work); in `MiniPool`, let workers hold the receiver's lock while running a job and see the
//! pool become sequential (its verdict, which cannot see the lock, then blames a busy machine
//! or too little work).
//!
//! Copy it out: `cargo xtask copy-out thread_pool DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! crossbeam = "0.8.4"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rayon = "1.12"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod mini_pool;
mod work_stealing;

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use mini_pool::mini_pool;
use rayon::prelude::*;
use shared::{Table, fmt_count, fmt_duration, fmt_ratio, speedup_verdict};
use work_stealing::work_stealing;

#[derive(Parser, Debug)]
#[command(about = "A minimal thread pool, rayon, and work stealing, computing the same answer")]
struct Args {
    /// Sum the Collatz steps of 1..=limit.
    #[arg(long, default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    limit: u64,
    /// Threads in each pool (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Numbers per task.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    chunk: u64,
}

/// Steps for n to reach 1 under the Collatz rule: small for most n, large for a few.
fn collatz_steps(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

fn steps_in(range: std::ops::Range<u64>) -> u64 {
    range.map(collatz_steps).sum()
}

/// The tasks: ranges of `chunk` numbers covering 1..=limit.
fn chunks(limit: u64, chunk: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
    (1..=limit)
        .step_by(chunk as usize)
        .map(move |start| start..(start + chunk).min(limit + 1))
}

fn rayon_pool(limit: u64, chunk: u64, workers: u32) -> Result<u64, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()?;
    Ok(pool.install(|| {
        chunks(limit, chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(steps_in)
            .sum()
    }))
}

/// Refuses, before any work, a run past the caps in `cli`.
fn check(args: &Args, workers: u32) -> Result<(), ExitCode> {
    use shared::cli;
    cli::cap_count(
        "threads",
        u128::from(workers),
        cli::THREADS_CAP,
        "--workers",
    )?;
    // Every task is queued at once: MiniPool's boxed closure (its range and a result sender)
    // in a channel slot, about 64 bytes, and its answer waiting in the results channel.
    let tasks = u128::from(args.limit.div_ceil(args.chunk));
    cli::cap_bytes(
        "memory",
        tasks * 96,
        cli::MEMORY_CAP,
        "--limit or raise --chunk",
    )?;
    // The cap on run time: the loop and four pools each take every number's steps (the
    // largest run accepted takes about two minutes in release).
    let d = Args::parse_from(["thread_pool"]); // the defaults, from clap
    let what = "numbers whose steps are counted";
    cli::cap_work(what, work(args), work(&d), 500_000_000, "--limit")
}

/// Numbers whose steps are counted, by the sequential loop and the four pools together.
fn work(a: &Args) -> u128 {
    5 * u128::from(a.limit)
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    if let Err(refused) = check(&args, workers) {
        return refused;
    }
    // A long run says when each approach is done: the table comes at the end.
    let long = work(&args) > 10 * work(&Args::parse_from(["thread_pool"]));
    match run(args.limit, args.chunk, workers, cores, long) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Times a pool: its total, its thread count and its wall time; with `long`, says on stderr
/// when it is done.
fn time(
    (name, long): (&str, bool),
    threads: u32,
    f: impl FnOnce() -> Result<u64, String>,
) -> Result<(u64, u32, Duration), String> {
    let start = Instant::now();
    // rayon hands a worker's panic on to the thread that called it: caught, an error here.
    let total = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let (total, wall) = (
        total.map_err(|_| format!("{name}: a thread panicked"))??,
        start.elapsed(),
    );
    if long {
        eprintln!("  {name} done in {}", fmt_duration(wall));
    }
    Ok((total, threads, wall))
}

fn run(limit: u64, chunk: u64, workers: u32, cores: u32, long: bool) -> Result<ExitCode, String> {
    println!(
        "Collatz steps of 1..={limit} in {} of up to {chunk} numbers, {}, {}",
        fmt_count(limit.div_ceil(chunk), "task", "tasks"),
        fmt_count(workers, "worker", "workers"),
        fmt_count(cores, "core", "cores")
    );
    let sequential = time(("sequential loop", long), 1, || Ok(steps_in(1..limit + 1)))?;
    let expected = sequential.0;
    let mut steals = 0;
    let stealing = time(("crossbeam work stealing", long), workers, || {
        let (total, stolen) = work_stealing(limit, chunk, workers)?;
        steals = stolen;
        Ok(total)
    })?;
    let global = rayon::current_num_threads() as u32;
    let rows = [
        ("sequential loop", sequential),
        (
            "MiniPool (channel + Mutex)",
            time(("MiniPool", long), workers, || {
                mini_pool(limit, chunk, workers)
            })?,
        ),
        (
            "rayon par_iter (global pool)",
            time(("rayon par_iter", long), global, || {
                Ok(chunks(limit, chunk)
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .map(steps_in)
                    .sum())
            })?,
        ),
        (
            "rayon ThreadPool (install)",
            time(("rayon ThreadPool", long), workers, || {
                rayon_pool(limit, chunk, workers)
                    .map_err(|e| format!("cannot start the rayon pool: {e}"))
            })?,
        ),
        ("crossbeam work stealing", stealing),
    ];

    let mut table = Table::new([
        "approach",
        "threads",
        "total steps",
        "correct",
        "wall",
        "speedup",
    ]);
    for (name, (total, threads, wall)) in &rows {
        table.row([
            name.to_string(),
            threads.to_string(),
            total.to_string(),
            if *total == expected { "yes" } else { "NO" }.into(),
            fmt_duration(*wall),
            fmt_ratio(sequential.2, *wall),
        ]);
    }
    print!("{table}");
    println!(
        "work stealing: worker 0 started with every task; the workers then stole {} from their peers",
        fmt_count(steals, "batch", "batches")
    );
    if rows.iter().any(|(_, (total, ..))| *total != expected) {
        eprintln!("error: a pool got a different total from the sequential loop ({expected})");
        return Ok(ExitCode::FAILURE);
    }
    println!("every pool computed {expected}, the sequential answer");
    // The verdicts come from this run's times, so a busy machine is named, not hidden.
    // A pool cannot use more threads than there are tasks.
    let tasks = limit.div_ceil(chunk).min(u64::from(u32::MAX)) as u32;
    for (name, (_, threads, wall)) in &rows[1..] {
        // A pool slower than the loop it replaces, with tasks of a few numbers (each about
        // 0.2 us of steps): the cost of handing out each task (the `--chunk 1` lesson) is a
        // cause a busy machine is not. Tasks of 100 numbers or more outweigh it.
        let per_task = if *wall > sequential.2 && chunk < 100 {
            format!(
                "; {} of {}: handing out each one may cost more than it computes (try a \
                 larger --chunk)",
                fmt_count(tasks, "task", "tasks"),
                fmt_count(chunk, "number", "numbers")
            )
        } else {
            String::new()
        };
        println!(
            "{name}: {}{per_task}",
            speedup_verdict(sequential.2, *wall, (*threads).min(tasks), cores)
        );
    }
    Ok(ExitCode::SUCCESS)
}
