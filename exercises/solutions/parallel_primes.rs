//! # Parallel primes
//!
//! Guide: "Python-specific considerations: the GIL" (and "Multiprocessing: CPU-bound work").
//! Program: examples-threads/src/bin/parallel_cpu/main.rs
//! (`cargo run --release -p examples-threads --bin parallel_cpu`).
//!
//! Under CPython's GIL, threads take turns running Python, so CPU work gets no faster on more
//! threads. Rust has no GIL. `count_threads` counts the primes below `limit` with `is_prime`
//! (src/primes.rs), but on one thread. Make it count on `workers` threads at once, no more,
//! each taking numbers to test until none are left (chunks of `CHUNK` from a shared counter
//! keep them all busy to the end), and add up their counts. A thread that panicked has no
//! count: return an `Err` saying so, rather than a wrong total or a panic of your own.
//!
//! Check it: `cargo exercise check parallel_primes`. With a limit of at least one chunk per
//! worker, each thread's first call to `is_prime` waits until all `workers` threads have made
//! theirs, so only threads running at once get past it (with fewer chunks than workers nobody
//! waits there: a worker that finds nothing left to count just counts 0). The checker counts
//! the threads that call `is_prime`, compares the count with a sieve's for limits that change
//! on every run, and makes `is_prime` panic for one number, as a bug would.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

pub mod primes;
use primes::is_prime;

/// Numbers per chunk handed to a thread.
const CHUNK: u64 = 10_000;

/// The primes below `limit`, counted on `workers` threads.
pub fn count_threads(limit: u64, workers: u32) -> Result<u64, String> {
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
}
