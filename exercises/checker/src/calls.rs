//! Watching the calls a learner's code makes to a function the task provides (`is_prime`,
//! `work`, ...), which has no argument to carry the checker's state: the state sits in a
//! [`Current`] slot that the checker fills for the length of one run.
//!
//! - [`Current`]: a global slot holding the run being watched (empty between runs, and then
//!   the provided function does its plain work);
//! - [`FirstCalls`]: a [`Gate`](crate::Gate) that each thread meets on its *first* call only,
//!   so that "N threads were inside at once" is certain while later calls run free;
//! - [`serial`]: the tests of one checker run in one process, on threads of their own; each
//!   test holds this lock so that one run at a time fills the slot.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::Gate;

/// A global slot for the run being watched: `static RUN: Current<Run> = Current::new();`.
pub struct Current<T> {
    slot: Mutex<Option<Arc<T>>>,
}

impl<T> Current<T> {
    pub const fn new() -> Self {
        Current {
            slot: Mutex::new(None),
        }
    }

    /// The run being watched, if any.
    pub fn get(&self) -> Option<Arc<T>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Watches `run` until the returned guard is dropped.
    pub fn watch(&self, run: Arc<T>) -> Watching<'_, T> {
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(run);
        Watching { current: self }
    }
}

impl<T> Default for Current<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Empties the slot when dropped (also when a test panics).
pub struct Watching<'a, T> {
    current: &'a Current<T>,
}

impl<T> Drop for Watching<'_, T> {
    fn drop(&mut self) {
        *self.current.slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A gate of `parties` that each thread arrives at on its first call to [`FirstCalls::arrive`]
/// (for this `FirstCalls`): its later calls pass at once.
pub struct FirstCalls {
    id: u64,
    gate: Gate,
    parties: usize,
    gave_up: AtomicBool,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The `FirstCalls` this thread last arrived at.
    static ARRIVED_AT: Cell<u64> = const { Cell::new(0) };
}

impl FirstCalls {
    pub fn new(parties: usize) -> FirstCalls {
        FirstCalls {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            gate: Gate::new(parties),
            parties,
            gave_up: AtomicBool::new(false),
        }
    }

    /// On this thread's first call: waits until `parties` threads have made theirs (or
    /// patience runs out, which [`FirstCalls::gave_up`] then says, and from then on nobody
    /// waits). Later calls return at once.
    pub fn arrive(&self) {
        let first = ARRIVED_AT.with(|a| a.replace(self.id)) != self.id;
        if first && !self.gave_up() && !self.gate.wait() {
            self.gave_up.store(true, Ordering::SeqCst);
        }
    }

    /// Whether some thread waited in vain: the `parties` threads were never inside at once.
    pub fn gave_up(&self) -> bool {
        self.gave_up.load(Ordering::SeqCst)
    }

    /// How many threads have made their first call.
    pub fn threads(&self) -> usize {
        self.gate.arrived()
    }

    pub fn parties(&self) -> usize {
        self.parties
    }
}

/// One run at a time: each test of a checker holds this while it watches a run.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
