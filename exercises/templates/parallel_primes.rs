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

// solution {
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

// solution }
pub mod primes;
use primes::is_prime;

/// Numbers per chunk handed to a thread.
const CHUNK: u64 = 10_000;

/// The primes below `limit`, counted on `workers` threads.
pub fn count_threads(limit: u64, workers: u32) -> Result<u64, String> {
    // region: examples-threads/src/bin/parallel_cpu/main.rs parallel_primes
    // starter {
    // | let _ = (workers, CHUNK); // one thread does it all, so far
    // | Ok((0..limit).filter(|&n| is_prime(n)).count() as u64)
    // starter }
}
