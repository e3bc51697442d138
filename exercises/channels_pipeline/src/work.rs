//! Given by the task (do not edit: `cargo exercise check` notices): the work a pipeline worker
//! does on one message, as in the program's `pipelines.rs`. Under the checker it also notes
//! every message it is given, and each thread's first call waits until every worker has
//! taken a message, which only workers that run at once can do.

use std::sync::{Arc, Mutex};

use checker::calls::{Current, FirstCalls};

/// The work each pipeline worker does on a message: cheap, but checkable.
pub fn work(x: u64) -> u64 {
    if let Some(run) = RUN.get() {
        run.workers.arrive();
        run.seen.lock().unwrap_or_else(|e| e.into_inner()).push(x);
    }
    x * x % 1_000_003
}

/// What the checker watches during one run.
#[doc(hidden)]
pub struct Run {
    pub workers: FirstCalls,
    pub seen: Mutex<Vec<u64>>,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(workers: usize) -> Arc<Run> {
    Arc::new(Run {
        workers: FirstCalls::new(workers),
        seen: Mutex::new(Vec::new()),
    })
}
