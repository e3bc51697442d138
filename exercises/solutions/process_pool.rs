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

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::thread;

pub mod pool;
use pool::{Job, feed, start_worker};

/// The primes below `limit`, on a pool of `workers` processes fed jobs of `chunk` numbers;
/// returns the count and the workers' peak memory (KiB), added up.
pub fn count_processes(limit: u64, workers: u32, chunk: u64) -> Result<(u64, u64), String> {
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
}
