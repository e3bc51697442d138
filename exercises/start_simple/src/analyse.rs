//! Given by the task (do not edit: `cargo exercise check` notices): the CPU stage for one page,
//! as in the program `start_simple`. Under the checker, when it watches a parallel version, the
//! first calls wait until several are under way at once: a sequential version never gets past
//! the first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use checker::Gate;
use checker::calls::Current;

fn is_prime(n: u64) -> bool {
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

/// The CPU stage for one page: its length plus the primes below `work`, a checkable figure.
pub fn analyse(page: &str, work: u64) -> u64 {
    if let Some(run) = RUN.get() {
        run.calls.fetch_add(1, Ordering::SeqCst);
        if !run.gave_up.load(Ordering::SeqCst) && !run.gate.wait() {
            run.gave_up.store(true, Ordering::SeqCst);
        }
    }
    page.len() as u64 + (0..work).filter(|&n| is_prime(n)).count() as u64
}

/// What the checker watches during one run of a parallel version.
#[doc(hidden)]
pub struct Run {
    pub gate: Gate,
    pub gave_up: AtomicBool,
    /// Every call to `analyse` during the run.
    pub calls: AtomicUsize,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(at_once: usize) -> Arc<Run> {
    Arc::new(Run {
        gate: Gate::new(at_once),
        gave_up: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
    })
}
