//! False sharing: two threads, two counters, no sharing in the code, and a slowdown anyway.
//!
//! Each thread increments only its own counter, so there is no race and no lock. But caches
//! move memory in lines of 64 bytes (128 on some CPUs), and two counters next to each other
//! sit on one line: every write by one core takes the line away from the other, and the two
//! cores spend their time passing it back and forth. Padding each counter to a line of its own
//! (`crossbeam::utils::CachePadded`) removes the contention without changing a line of logic.
//! `--threads` threads each add `--increments` to their own counter, packed then padded.
//!
//! Run:
//!   cargo run --release -p examples-pitfalls --bin false_sharing
//!   cargo run --release -p examples-pitfalls --bin false_sharing -- --increments 100000000
//!
//! You will see: the counters' addresses (8 bytes apart when packed, 128 when padded) and the
//! 64-byte cache lines they sit on (one for all the packed ones, one each when padded), the
//! same exact totals, and the packed run several times slower than the padded one on a machine
//! with two or more cores free (the factor depends on the CPU; BENCHMARKS.md has this
//! machine's). The verdict is decided from the run: when the machine hides the effect, it says
//! so instead of claiming it.
//!
//! Python: no equivalent to see: interpreter overhead hides cache effects, and the GIL keeps
//! two threads from writing at the same instant. NumPy arrays written by processes sharing
//! memory can show it.
//!
//! Try this: `--threads 1` (no slowdown: one core keeps the line); replace `CachePadded` with
//! a `#[repr(align(64))]` wrapper of your own.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use crossbeam::utils::CachePadded;
use shared::{Table, fmt_duration, fmt_ratio};

#[derive(Parser, Debug)]
#[command(
    about = "Per-thread counters on one cache line against padded ones: the slowdown measured"
)]
struct Args {
    /// Threads, each with its own counter.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: u32,
    /// Increments each thread makes to its own counter.
    #[arg(long, default_value_t = 20_000_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    increments: u64,
}

/// Each thread increments `counters[i]`, its own; returns the time taken.
fn run<C: std::ops::Deref<Target = AtomicU64> + Sync>(counters: &[C], increments: u64) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for counter in counters {
            s.spawn(move || {
                for _ in 0..increments {
                    // Relaxed: the counter is this thread's alone; the cost measured is the
                    // cache line moving between cores, not the ordering.
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    start.elapsed()
}

/// How many distinct 64-byte cache lines the counters (in address order) sit on.
fn cache_lines<C: std::ops::Deref<Target = AtomicU64>>(counters: &[C]) -> usize {
    let address = |c: &C| &**c as *const AtomicU64 as usize;
    let mut lines: Vec<usize> = counters.iter().map(|c| address(c) / 64).collect();
    lines.dedup();
    lines.len()
}

/// How much slower the packed run must be for the verdict to say that false sharing showed.
const SHOWS: f64 = 1.5;

/// The verdict on this run's two times: the slowdown is claimed only where it showed.
fn verdict(packed: Duration, padded: Duration, threads: u32, cores: u32) -> String {
    let ratio = fmt_ratio(packed, padded);
    if threads < 2 || cores < 2 {
        format!(
            "{ratio} apart: {threads} thread(s) on {cores} core(s), no two cores pass a line back and forth, so no slowdown is expected"
        )
    } else if packed.as_secs_f64() >= SHOWS * padded.as_secs_f64() {
        format!("{ratio} slower from sharing a cache line")
    } else {
        format!(
            "only {ratio} apart: the cost of sharing a line did not show this run (it needs {threads} cores free at once; run again with nothing else running, in a release build)"
        )
    }
}

/// A plain `AtomicU64` behind the same interface as `CachePadded<AtomicU64>`.
struct Packed(AtomicU64);

impl std::ops::Deref for Packed {
    type Target = AtomicU64;
    fn deref(&self) -> &AtomicU64 {
        &self.0
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let n = args.threads as usize;
    // Packed: one array of 8-byte counters, so neighbours share a cache line.
    let packed: Vec<Packed> = (0..n).map(|_| Packed(AtomicU64::new(0))).collect();
    // CHANGED: each counter padded and aligned to its own cache line.
    let padded: Vec<CachePadded<AtomicU64>> = (0..n)
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();

    let address = |c: &AtomicU64| c as *const AtomicU64 as usize;
    let gap = |a: &AtomicU64, b: &AtomicU64| address(b).abs_diff(address(a));
    let packed_time = run(&packed, args.increments);
    let padded_time = run(&padded, args.increments);

    let mut table = Table::new([
        "layout",
        "bytes between counters",
        "cache lines",
        "time",
        "per increment",
    ]);
    for (name, spacing, lines, time) in [
        (
            "packed (one cache line)",
            (n > 1).then(|| gap(&packed[0], &packed[1])),
            cache_lines(&packed),
            packed_time,
        ),
        (
            "CachePadded (a line each)",
            (n > 1).then(|| gap(&padded[0], &padded[1])),
            cache_lines(&padded),
            padded_time,
        ),
    ] {
        table.row([
            name.to_string(),
            spacing.map_or("-".into(), |s| s.to_string()),
            lines.to_string(),
            fmt_duration(time),
            format!("{:.2} ns", time.as_nanos() as f64 / args.increments as f64),
        ]);
    }
    print!("{table}");

    let expected = args.increments;
    let exact = packed.iter().all(|c| c.load(Ordering::Relaxed) == expected)
        && padded.iter().all(|c| c.load(Ordering::Relaxed) == expected);
    if !exact {
        eprintln!("error: a counter is not {expected}");
        return ExitCode::FAILURE;
    }
    let cores = thread::available_parallelism().map_or(1, |c| c.get() as u32);
    println!(
        "every counter reached {expected}; packed counters took {} against {} padded: {}",
        fmt_duration(packed_time),
        fmt_duration(padded_time),
        verdict(packed_time, padded_time, args.threads, cores)
    );
    ExitCode::SUCCESS
}
