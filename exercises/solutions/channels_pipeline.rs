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
    let (jobs_tx, jobs_rx) = cb::unbounded::<u64>();
    let (done_tx, done_rx) = cb::unbounded::<u64>();
    for _ in 0..workers {
        let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
        thread::spawn(move || jobs_rx.iter().try_for_each(|x| done_tx.send(work(x))));
    }
    drop(done_tx);
    thread::spawn(move || (1..=messages).try_for_each(|x| jobs_tx.send(x)));
    done_rx.iter().sum()
}
