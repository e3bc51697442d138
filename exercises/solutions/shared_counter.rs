//! # A shared counter
//!
//! Guide: "Threading" (shared memory between threads). Program:
//! examples-threads/src/bin/shared_state.rs
//! (`cargo run --release -p examples-threads --bin shared_state`).
//!
//! `count` has `threads` threads each add one to a shared counter `n` times, through
//! `hammer` (src/work.rs, the program's own: it runs the threads and calls `add_one` from each
//! of them), and returns the final count and the wall time. As written it does not compile:
//! the counter is an `Rc<RefCell<u64>>`, which only one thread may use. Read the compiler's
//! error, then share the counter in a way that is safe between threads, so that every one of
//! the `threads` x `n` increments counts. Keep `count`'s signature and keep counting through
//! `hammer`.
//!
//! The locks and atomics are imported below from `work::sync`: use those rather than
//! `std::sync`'s (they are std's, or loom's when the checker runs, so that it can try every
//! interleaving of them; `std::sync::Arc` is fine). The checker refuses a lock or atomic from
//! `std::sync`, and `unsafe`: its model cannot see a race on them.
//!
//! Check it: `cargo exercise check shared_counter`. The checker is a loom model: it runs the
//! threads through every interleaving there is, with numbers of threads and increments you
//! cannot guess, compares the count, and asks `hammer` whether every thread counted. In one
//! run it has `hammer` call `add_one` more times than asked: return what the counter counted.

pub mod work;

use std::time::Duration;

// Types that threads may share: std's, or loom's when the checker runs (see src/work.rs).
#[allow(unused_imports)]
use work::sync::{AtomicU64, Mutex, Ordering, RwLock};

pub use work::hammer;

/// `threads` threads each add one to one shared counter `n` times. Returns the final count
/// and the time the threads spent counting, or an error if a thread failed.
pub fn count(threads: u32, n: u64) -> Result<(u64, Duration), String> {
    let counter = Mutex::new(0u64);
    let (_, wall) = hammer(threads, n, |_| *counter.lock().unwrap() += 1)?;
    let count = counter.into_inner().map_err(|_| "the lock was poisoned")?;
    Ok((count, wall))
}
