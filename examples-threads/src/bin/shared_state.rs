//! Shared state: one counter, many threads, and every way Rust lets them share it.
//!
//! Threads share one memory space, which the guide calls fast communication with race
//! conditions possible. In Rust the second half does not compile: a plain `u64` cannot be
//! changed by two threads at once, so every approach here is exact, and what differs is the
//! cost. Each of `--threads` threads adds 1 to a shared counter `--increments` times through a
//! std Mutex, a parking_lot Mutex, a std RwLock, an atomic, or not at all (each thread counts
//! on its own and the totals are added at the end, the guide's "minimize shared state").
//!
//! Run:
//!   cargo run --release -p examples-threads --bin shared_state
//!   cargo run --release -p examples-threads --bin shared_state -- --threads 8 --increments 1000000
//!
//! You will see: the same exact count from every approach (threads x increments), and
//! very different costs per increment: the locks cost tens of nanoseconds under contention,
//! the atomic a few, the local counters almost nothing. The cheapest sharing is none.
//!
//! Python: `with lock: counter += 1` from several `threading.Thread`s. Without the lock,
//! `counter += 1` loses updates even under the GIL, because the read and the write are two
//! bytecodes and the GIL can change hands between them (`race_condition` shows the same
//! lost update in Rust, with atomics used the wrong way).
//!
//! Try this: change `fetch_add` to a `load` then a `store` of the value plus one: it still
//! compiles (each step is atomic) but the count comes out short; try to share a plain
//! `let mut n = 0u64` with the threads and read the compiler's refusal.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "A shared counter under contention: locks, atomics, and no sharing at all")]
struct Args {
    /// Threads adding to the counter at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: u32,
    /// Increments per thread.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    increments: u64,
}

/// Runs `add_one` `increments` times on each of `threads` threads, started together.
fn hammer(threads: u32, increments: u64, add_one: impl Fn() + Sync) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..increments {
                    add_one();
                }
            });
        }
    });
    start.elapsed()
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (threads, increments) = (args.threads, args.increments);
    let expected = u64::from(threads) * increments;
    let mut results: Vec<(&str, u64, Duration)> = Vec::new();

    // std::sync::Mutex: the lock owns the counter; the guard is the only way in.
    let counter = Mutex::new(0u64);
    let wall = hammer(threads, increments, || *counter.lock().unwrap() += 1);
    results.push(("std Mutex", counter.into_inner().unwrap(), wall));

    // parking_lot::Mutex: same idea, smaller and usually faster under contention, no poisoning.
    let counter = parking_lot::Mutex::new(0u64);
    let wall = hammer(threads, increments, || *counter.lock() += 1);
    results.push(("parking_lot Mutex", counter.into_inner(), wall));

    // std::sync::RwLock taking the write side: correct, but pays for reader bookkeeping that
    // a counter never uses. It wins only when most accesses are reads.
    let counter = RwLock::new(0u64);
    let wall = hammer(threads, increments, || *counter.write().unwrap() += 1);
    results.push(("std RwLock (write)", counter.into_inner().unwrap(), wall));

    // One atomic read-modify-write instruction: no lock, but every core still fights over
    // the one cache line that holds the counter.
    let counter = AtomicU64::new(0);
    let wall = hammer(threads, increments, || {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    results.push(("AtomicU64 fetch_add", counter.into_inner(), wall));

    // No sharing while working: each thread counts locally, and the totals meet once.
    let start = Instant::now();
    let total: u64 = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut local = 0u64;
                    for _ in 0..increments {
                        // black_box keeps the compiler from turning the loop into one addition.
                        local = std::hint::black_box(local + 1);
                    }
                    local
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    results.push(("local, summed at the end", total, start.elapsed()));

    let mut table = Table::new(["approach", "count", "exact", "wall", "per increment"]);
    for (name, count, wall) in &results {
        table.row([
            name.to_string(),
            count.to_string(),
            if *count == expected { "yes" } else { "NO" }.to_string(),
            fmt_duration(*wall),
            format!("{:.1} ns", wall.as_nanos() as f64 / expected as f64),
        ]);
    }
    println!("{threads} threads x {increments} increments = {expected}");
    print!("{table}");
    let wrong: Vec<&str> = results
        .iter()
        .filter(|r| r.1 != expected)
        .map(|r| r.0)
        .collect();
    if !wrong.is_empty() {
        eprintln!("error: lost updates in {}", wrong.join(", "));
        return ExitCode::FAILURE;
    }
    let fastest = results.iter().min_by_key(|r| r.2).map_or("", |r| r.0);
    let slowest = results.iter().max_by_key(|r| r.2).map_or("", |r| r.0);
    println!("every approach counted exactly {expected}; fastest: {fastest}; slowest: {slowest}");
    ExitCode::SUCCESS
}
