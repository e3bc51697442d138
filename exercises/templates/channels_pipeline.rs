//! # Channels pipeline
//!
//! Guide: "Concurrency challenges: 3. Resource sharing" (and "prefer message passing").
//! Program: examples-threads/src/bin/channels/pipelines.rs, scene 1
//! (`cargo run --release -p examples-threads --bin channels`).
//!
//! `pipeline` sends the messages `1..=messages` to worker threads over a channel; each worker
//! applies `work` and its result goes on to be added up (a collector reading a results
//! channel, or the sum each worker returns when joined). As written it has one worker, so the
//! messages are worked on one at a time. Start `workers` workers that all
//! take from the same jobs channel (crossbeam's receivers clone; std's needs a Mutex), and end
//! the sum when the last worker is done: nothing lost, nothing worked on twice, no hang.
//!
//! Check it: `cargo exercise check channels_pipeline`. `work` (src/work.rs) notes every message
//! it gets, and each worker's first call waits until all `workers` have one: only workers that
//! run at the same time get past it. Counts of messages and workers change on every run.

use std::thread;

use crossbeam::channel as cb;

pub mod work;
use work::work;

/// Sends `1..=messages` through `workers` worker threads, each applying `work`, and returns
/// the sum of their results.
pub fn pipeline(messages: u64, workers: u32) -> u64 {
    // region: examples-threads/src/bin/channels/pipelines.rs channels_pipeline
    // starter {
    // | let _ = workers; // one worker only, so far
    // | let (jobs_tx, jobs_rx) = cb::unbounded::<u64>();
    // | let worker = thread::spawn(move || jobs_rx.iter().map(work).sum::<u64>());
    // | for x in 1..=messages {
    // |     jobs_tx.send(x).unwrap();
    // | }
    // | drop(jobs_tx); // hang up: the worker's loop ends once the channel is drained
    // | worker.join().unwrap()
    // starter }
}
