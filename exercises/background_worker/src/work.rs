//! Given by the task (do not edit: `cargo exercise check` notices): what the worker and the
//! caller share, the chunk size, and the primality test, as in the program `background_task`.
//! Under the checker, the test of the first number of the second chunk (`CHUNK`) waits until
//! the caller has read the progress of the first chunk: progress that is only published at
//! the end never gets there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use checker::Gate;
use checker::calls::Current;

/// Progress and cancellation, shared between the caller and the worker.
#[derive(Default)]
pub struct Shared {
    /// Every number below this has been checked (the worker's progress).
    pub done_below: AtomicU64,
    /// Set by the caller to ask the worker to stop.
    pub cancel: AtomicBool,
}

/// Numbers per chunk of work: progress is published, and the cancel flag read, once per chunk.
pub const CHUNK: u64 = 20_000;

pub fn is_prime(n: u64) -> bool {
    if let Some(run) = RUN.get() {
        run.tested(n);
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

/// What the checker watches during one run.
#[doc(hidden)]
pub struct Run {
    /// Where the second chunk waits for the caller (none: it does not wait).
    pub hold: Option<Gate>,
    pub gave_up: AtomicBool,
    /// Numbers tested from the third chunk on.
    pub beyond_second_chunk: AtomicU64,
    /// The progress the caller reads, to compare with the numbers tested.
    pub shared: Option<Arc<Shared>>,
    /// The first number tested while the progress already claimed it: (number, progress).
    pub claimed_early: std::sync::Mutex<Option<(u64, u64)>>,
}

impl Run {
    fn tested(&self, n: u64) {
        // The worker's own thread reads its own latest store: a claim made early shows here.
        if let Some(shared) = &self.shared {
            let claimed = shared.done_below.load(Ordering::SeqCst);
            let mut early = self.claimed_early.lock().unwrap_or_else(|e| e.into_inner());
            if claimed > n && early.is_none() {
                *early = Some((n, claimed));
            }
        }
        if let (CHUNK, Some(gate)) = (n, &self.hold)
            && !gate.wait()
        {
            self.gave_up.store(true, Ordering::SeqCst);
        }
        if n >= 2 * CHUNK {
            self.beyond_second_chunk.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(hold: bool, shared: Option<Arc<Shared>>) -> Arc<Run> {
    Arc::new(Run {
        hold: hold.then(|| Gate::new(2)),
        gave_up: AtomicBool::new(false),
        beyond_second_chunk: AtomicU64::new(0),
        shared,
        claimed_early: std::sync::Mutex::new(None),
    })
}
