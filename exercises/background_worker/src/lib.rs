//! # Background worker
//!
//! Guide: "Threading: background tasks while maintaining UI responsiveness". Program:
//! examples-threads/src/bin/background_task/main.rs
//! (`cargo run -p examples-threads --bin background_task`).
//!
//! A worker thread runs `count_primes` in the background while the caller (a UI, a status
//! line) keeps going and reads `shared.done_below` to draw progress. As written the work
//! reports nothing until it is all done, and it cannot be stopped. Make it work in chunks of
//! `CHUNK` numbers: after each chunk publish how far it got in `shared.done_below`, and before
//! each chunk check `shared.cancel`, returning `None` if the caller asked it to stop.
//!
//! Check it: `cargo exercise check background_worker`. The checker runs `count_primes` on a
//! thread and reads the progress; the second chunk waits until the checker has seen the first
//! one's, so progress published only at the end never arrives. Limits change on every run.

use std::sync::atomic::Ordering;

pub mod work;
use work::is_prime;
pub use work::{CHUNK, Shared};

/// The primes below `limit`, counted in chunks: publishes progress after each and stops early
/// if cancelled. Returns the primes found, or None if cancelled.
pub fn count_primes(limit: u64, shared: &Shared) -> Option<u64> {
    let found = (0..limit).filter(|&n| is_prime(n)).count() as u64;
    shared.done_below.store(limit, Ordering::Relaxed); // progress, but only at the very end
    Some(found)
}
