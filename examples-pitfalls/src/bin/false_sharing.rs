//! False sharing: two threads, two counters, no sharing in the code, and a slowdown anyway.
//!
//! Each thread increments only its own counter, so there is no race and no lock. But caches
//! move memory in lines of 64 bytes (128 on some CPUs), and two counters next to each other
//! sit on one line: every write by one core takes the line away from the other, and the two
//! cores spend their time passing it back and forth. Padding each counter to a line of its own
//! (`crossbeam::utils::CachePadded`) removes the contention without changing a line of logic.
//! `--threads` threads each add `--increments` to their own counter, packed (eight to a
//! 64-byte line, the array aligned so that neighbours really share one) then padded.
//!
//! Run:
//!   cargo run --release -p examples-pitfalls --bin false_sharing
//!   cargo run --release -p examples-pitfalls --bin false_sharing -- --increments 100000000
//!
//! You will see: how far apart the counters are (8 bytes packed, 128 padded on x86-64) and how
//! many 64-byte cache lines they sit on (one per eight packed counters, one each padded), the
//! same exact totals, and the two times. How much slower the packed run is depends on the CPU
//! and on where the two threads land: on two separate physical cores the line travels between
//! their caches and the packed run is typically several times slower; on two hyperthreads of
//! one core, which share a cache, or on a busy machine, little or nothing shows (the suite
//! "concurrency by example" keeps one machine's figures in its BENCHMARKS.md). The verdict line
//! says which happened, from the two times.
//!
//! Python: no equivalent to see: interpreter overhead hides cache effects, and the GIL keeps
//! two threads from writing at the same instant (a free-threaded 3.13t lets them, but each
//! write still costs many interpreted steps). NumPy arrays written by processes sharing memory
//! can show it.
//!
//! Try this: `--threads 1` (no slowdown: one core keeps the line); replace `CachePadded` with
//! a `#[repr(align(64))]` wrapper of your own (the table shows the new spacing and lines).
//!
//! Copy it out: `cargo xtask copy-out false_sharing DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! crossbeam = "0.8.4"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use crossbeam::utils::CachePadded;
use shared::{Table, fmt_count, fmt_duration, fmt_ratio};

#[derive(Parser, Debug)]
#[command(
    about = "Per-thread counters on one cache line against padded ones: both timed, the slowdown judged from the run"
)]
struct Args {
    /// Threads, each with its own counter.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: u32,
    /// Increments each thread makes to its own counter (at least 1,000,000: fewer take about
    /// as long as starting the threads).
    #[arg(long, default_value_t = 20_000_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    increments: u64,
}

/// Each thread increments `counters[i]`, its own; returns the time taken, or an error if a
/// thread panicked.
fn run(counters: &[&AtomicU64], increments: u64) -> Result<Duration, String> {
    let start = Instant::now();
    thread::scope(|s| {
        let handles: Vec<_> = counters
            .iter()
            .map(|&counter| {
                s.spawn(move || {
                    for _ in 0..increments {
                        // Relaxed: the counter is this thread's alone; the cost measured is
                        // the cache line moving between cores, not the ordering.
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect(); // all joined first
        if joined.iter().any(Result::is_err) {
            return Err("a counting thread panicked".to_string());
        }
        Ok(start.elapsed())
    })
}

/// How many distinct 64-byte cache lines the counters (in address order) sit on.
fn cache_lines(counters: &[&AtomicU64]) -> usize {
    let mut lines: Vec<usize> = counters.iter().map(|&c| address(c) / 64).collect();
    lines.dedup();
    lines.len()
}

fn address(counter: &AtomicU64) -> usize {
    counter as *const AtomicU64 as usize
}

/// How much slower the packed run must be for the verdict to say that false sharing showed.
const SHOWS: f64 = 1.5;

/// The verdict on this run's two times: the slowdown is claimed only where it showed.
fn verdict(packed: Duration, padded: Duration, threads: u32, cores: u32) -> String {
    let ratio = fmt_ratio(packed, padded);
    if threads < 2 || cores < 2 {
        format!(
            "{ratio}: {} on {}, no two cores pass a line back and forth, so no slowdown is expected (a difference is the machine's noise)",
            fmt_count(threads, "thread", "threads"),
            fmt_count(cores, "core", "cores")
        )
    } else if packed.as_secs_f64() >= SHOWS * padded.as_secs_f64() {
        format!("{ratio} slower from sharing a cache line")
    } else {
        // Only a debug build is told to rebuild: a release build that did not show it was busy.
        let build = if cfg!(debug_assertions) {
            ", in a release build"
        } else {
            ""
        };
        format!(
            "{ratio}, so the cost of sharing a line did not show this run (it shows when two of the threads run at once on separate physical cores; two hyperthreads of one core share a cache, and a busy machine runs them in turns: run again with nothing else running{build})"
        )
    }
}

/// Packed: one array of 8-byte counters, eight to a line. Aligned to a line (128 bytes, as
/// crossbeam pads on x86-64) so that neighbours share one on every run, wherever it lands.
#[repr(align(128))]
struct Packed([AtomicU64; 64]);

/// Fewer increments than this finish in about the time it takes to start the threads.
const MIN_INCREMENTS: u64 = 1_000_000;

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.increments < MIN_INCREMENTS {
        return shared::cli::usage_error(format!(
            "--increments {} is too few to show anything: a run that short measures starting \
             the threads, not the cache line; use at least {MIN_INCREMENTS}",
            args.increments
        ));
    }
    // The cap on run time: every thread's increments, packed and padded; an increment fought
    // over takes 5 to 10 ns of this 2-core machine, so the largest run takes 10 to 20 s
    // (its table prints at the end).
    let d = Args::parse_from(["false_sharing"]); // the defaults, from clap
    let work = |threads: u32, increments: u64| 2 * u128::from(threads) * u128::from(increments);
    // A refusal names the flags that, lowered alone to their least, bring the run under the cap.
    let cap = 2_000_000_000;
    let least = [
        ("--threads", work(1, args.increments)),
        ("--increments", work(args.threads, 1)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    let (this, default) = (
        work(args.threads, args.increments),
        work(d.threads, d.increments),
    );
    if let Err(refused) = shared::cli::cap_work("increments", this, default, cap, &lower) {
        return refused;
    }
    let n = args.threads as usize;
    let packed_block = Packed(std::array::from_fn(|_| AtomicU64::new(0)));
    let packed: Vec<&AtomicU64> = packed_block.0[..n].iter().collect();
    // CHANGED: each counter padded and aligned to its own cache line.
    let padded_block: Vec<CachePadded<AtomicU64>> = (0..n)
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    let padded: Vec<&AtomicU64> = padded_block.iter().map(|c| &**c).collect();

    println!(
        "{}, each adding {} to its own counter, packed then padded:",
        fmt_count(n, "thread", "threads"),
        args.increments
    );
    let gap = |a: &AtomicU64, b: &AtomicU64| address(b).abs_diff(address(a));
    let (packed_time, padded_time) =
        match (run(&packed, args.increments), run(&padded, args.increments)) {
            (Ok(packed), Ok(padded)) => (packed, padded),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };

    let mut table = Table::new(["layout", "bytes between counters", "cache lines", "time"]);
    for (name, spacing, lines, time) in [
        (
            "packed (8 to a line)",
            (n > 1).then(|| gap(packed[0], packed[1])),
            cache_lines(&packed),
            packed_time,
        ),
        (
            "CachePadded (a line each)",
            (n > 1).then(|| gap(padded[0], padded[1])),
            cache_lines(&padded),
            padded_time,
        ),
    ] {
        table.row([
            name.to_string(),
            spacing.map_or("-".into(), |s: usize| s.to_string()),
            lines.to_string(),
            fmt_duration(time),
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
