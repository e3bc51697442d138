//! # Clean up
//!
//! Guide: "Best practices: 3. Handle errors properly: implement proper cleanup and resource
//! management". Program: examples-process/src/bin/graceful_shutdown/main.rs
//! (`cargo run -p examples-process --bin graceful_shutdown`).
//!
//! A pool of worker processes, each fed jobs by its own thread running `feed`. A SIGINT's
//! handler only sets `signal` (to the signal's number). As written, `feed` never looks at it,
//! so the pool takes every job anyway, and it leaves its worker behind: stdin open, never
//! waited for. Make `feed` stop taking jobs once `signal` is set (checked between jobs, never
//! in the middle of one, and announced through the ledger), let the job in hand finish, then
//! close the worker's stdin (its EOF), wait for it, and report a worker that did not exit well
//! (as an error that `feed` returns). Clean up on every way out of `feed`, a failed job too.
//!
//! Check it: `cargo exercise check clean_up`. The pool really sends itself SIGINT after a
//! number of jobs that changes every run; the checker reads the ledger (nothing lost, nothing
//! done twice) and looks for the workers in /proc afterwards: none may be left. Each worker
//! says on stderr when its stdin closed; in some runs one dies with a job in its hands, or
//! every worker exits with a failing status.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod pool;
use pool::{Args, Ledger, Worker, ask, job};

/// Feeds one worker until there are no jobs left or a signal came (`signal` is its number,
/// 0 until then).
pub fn feed(
    n: usize,
    mut w: Worker,
    args: &Args,
    next: &AtomicUsize,
    signal: &AtomicUsize,
    ledger: &Mutex<Ledger>,
) -> Result<(), String> {
    let result = loop {
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= args.jobs as usize {
            break Ok(());
        }
        l.sent[i] += 1;
        drop(l);
        let answer = match ask(&mut w, &job(i, args.span)) {
            Ok(a) => a,
            Err(e) => break Err(format!("worker {n} {e}")),
        };
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        let stop = signal.load(Ordering::SeqCst);
        l.record(i, &answer, n, stop, args.interrupt_after);
    };
    // The worker is left as it is: its stdin open, and never waited for.
    result
}
