//! # Process pool
//!
//! Guide: "Multiprocessing: CPU-bound tasks, each process has its own memory space". Program:
//! examples-process/src/bin/process_pool/main.rs
//! (`cargo run --release -p examples-process --bin process_pool`).
//!
//! Count the primes below `limit` with a pool of `workers` worker processes, as
//! `multiprocessing.Pool(workers).map` would: cut `0..limit` into jobs of `chunk` numbers,
//! start exactly `workers` workers (`start_worker`, src/pool.rs), even when there are fewer
//! jobs than workers, and keep every worker busy at once, each fed jobs by `feed` until none
//! are left. Give every worker to `feed`, one that gets no job too: `feed` also stops it.
//! Return the total of the answers with the workers' peak memory, added up. A worker may die:
//! `feed` then returns an error (the jobs that worker held are lost), and `count_processes`
//! must return that error, not a total without them. As written, one worker does every job,
//! one after another.
//!
//! Check it: `cargo exercise check process_pool`. The workers are real processes. The limit,
//! the number of workers and the size of the jobs are drawn afresh on each run (from the
//! checker's process id): nothing to hard-code. In one run, each worker's first job waits until
//! every worker holds one (files in a temporary folder, a barrier across processes): only a
//! pool fed at once gets past it. In another, one worker dies on a job.

// solution {
use std::sync::Mutex;
// solution }
use std::sync::atomic::AtomicU64;
// solution {
use std::thread;
// solution }

pub mod pool;
use pool::{Job, feed, start_worker};

/// The primes below `limit`, on a pool of `workers` processes fed jobs of `chunk` numbers;
/// returns the count and the workers' peak memory (KiB), added up.
pub fn count_processes(limit: u64, workers: u32, chunk: u64) -> Result<(u64, u64), String> {
    // region: examples-process/src/bin/process_pool/main.rs process_pool
    // starter {
    // | let jobs: Vec<Job> = (0..limit.div_ceil(chunk))
    // |     .map(|i| Job {
    // |         id: i as usize,
    // |         start: i * chunk,
    // |         end: ((i + 1) * chunk).min(limit),
    // |     })
    // |     .collect();
    // | let _ = workers; // one worker so far
    // | let next = AtomicU64::new(0);
    // | let (answers, peak) = feed(start_worker()?, &jobs, &next)?;
    // | Ok((answers.iter().map(|(_, primes)| primes).sum(), peak))
    // starter }
}
