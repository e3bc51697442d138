//! Scene 1 of `channels`: a fan-out/fan-in pipeline (one producer, `workers` workers, one
//! collector) on std's mpsc, crossbeam and flume. The workers' threads end when their channel
//! closes, so nothing needs joining: the collector's loop ends when the last worker is done.

use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use crossbeam::channel as cb;

/// The work each pipeline worker does on a message: cheap, but checkable.
pub fn work(x: u64) -> u64 {
    x * x % 1_000_003
}

/// std: `Receiver` has one owner, so the workers share it behind a Mutex and take turns.
pub fn pipeline_std(messages: u64, workers: u32) -> u64 {
    let (jobs_tx, jobs_rx) = mpsc::channel::<u64>();
    let (done_tx, done_rx) = mpsc::channel::<u64>();
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    for _ in 0..workers {
        let (jobs_rx, done_tx) = (Arc::clone(&jobs_rx), done_tx.clone());
        thread::spawn(move || {
            loop {
                // Hold the lock only to receive, not while working.
                let job = jobs_rx.lock().unwrap().recv();
                let Ok(x) = job else { return };
                if done_tx.send(work(x)).is_err() {
                    return;
                }
            }
        });
    }
    drop(done_tx); // the collector stops when the last worker's sender is gone
    thread::spawn(move || (1..=messages).try_for_each(|x| jobs_tx.send(x)));
    done_rx.iter().sum()
}

/// crossbeam: receivers clone, so every worker takes from the same channel (MPMC).
pub fn pipeline_crossbeam(messages: u64, workers: u32) -> u64 {
    // exercise channels_pipeline {
    let (jobs_tx, jobs_rx) = cb::unbounded::<u64>();
    let (done_tx, done_rx) = cb::unbounded::<u64>();
    for _ in 0..workers {
        let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
        thread::spawn(move || jobs_rx.iter().try_for_each(|x| done_tx.send(work(x))));
    }
    drop(done_tx);
    thread::spawn(move || (1..=messages).try_for_each(|x| jobs_tx.send(x)));
    done_rx.iter().sum()
    // exercise channels_pipeline }
}

/// flume: also MPMC, with the same shape (and async methods: see `async_channels` in the suite
/// "concurrency by example").
pub fn pipeline_flume(messages: u64, workers: u32) -> u64 {
    let (jobs_tx, jobs_rx) = flume::unbounded::<u64>();
    let (done_tx, done_rx) = flume::unbounded::<u64>();
    for _ in 0..workers {
        let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
        thread::spawn(move || jobs_rx.iter().try_for_each(|x| done_tx.send(work(x))));
    }
    drop(done_tx);
    thread::spawn(move || (1..=messages).try_for_each(|x| jobs_tx.send(x)));
    done_rx.iter().sum()
}
