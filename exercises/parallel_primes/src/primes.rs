//! Given by the task (do not edit: `cargo exercise check` notices): the primality test of the
//! program `parallel_cpu`, trial division by odd numbers up to the square root. Under the
//! checker, each thread's first call may wait until every worker has made its first call: only
//! threads that run at the same time get past it, so a sequential count stops there. (The
//! checker sets that wait only for limits with at least one chunk per worker; in every other
//! run nobody waits, so a worker that finds nothing left to do cannot hold the others.) The
//! checker also counts the threads that call it, and may make it panic for one number, as a
//! worker with a bug would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use checker::calls::{Current, FirstCalls};

/// Trial division by odd numbers up to the square root: simple, and slow enough to measure.
pub fn is_prime(n: u64) -> bool {
    if let Some(run) = RUN.get() {
        run.threads.arrive();
        run.calls.fetch_add(1, Ordering::Relaxed);
        if run.panic_at == Some(n) {
            panic!("is_prime({n}) failed {}", checker::DELIBERATE);
        }
    }
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// What the checker watches during one run: the threads' first calls (how many threads
/// called), and all the calls; and the number, if any, for which `is_prime` panics.
#[doc(hidden)]
pub struct Run {
    pub threads: FirstCalls,
    pub calls: AtomicU64,
    pub panic_at: Option<u64>,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(workers: usize, panic_at: Option<u64>) -> Arc<Run> {
    Arc::new(Run {
        threads: FirstCalls::new(workers),
        calls: AtomicU64::new(0),
        panic_at,
    })
}
