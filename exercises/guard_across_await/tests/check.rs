//! The checker of `guard_across_await` (do not edit: `cargo exercise check` notices). The
//! tests run with tokio's clock paused: it moves only when every task waits, so the tasks'
//! calls overlap the same way on every run, and times are exact, whatever the machine's load.

use std::sync::Arc;

use guard_across_await::{CALL, Counters, spawn_add_one};
use tokio::time::Instant;

/// A number of tasks the learner cannot guess: from the process id.
fn tasks() -> u64 {
    5 + u64::from(std::process::id()) % 40
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_task_counts() {
    let tasks = tasks();
    let counters = Arc::new(Counters::default());
    let handles: Vec<_> = (0..tasks)
        .map(|_| spawn_add_one(Arc::clone(&counters)))
        .collect();
    for h in handles {
        if let Err(e) = h.await {
            panic!("a task failed: {e}");
        }
    }
    let total = counters.total().await;
    assert!(
        total == tasks,
        "{tasks} tasks each added one, and the count is {total}: {} updates were lost across the await",
        tasks.saturating_sub(total)
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_task_still_makes_its_call() {
    let counters = Arc::new(Counters::default());
    let began = Instant::now();
    if let Err(e) = spawn_add_one(Arc::clone(&counters)).await {
        panic!("the task failed: {e}");
    }
    let took = began.elapsed();
    assert!(
        took == CALL,
        "one task took {took:?} on the runtime's clock, not {CALL:?}: it must still await the call, `sleep(CALL)`, once"
    );
    let total = counters.total().await;
    assert!(total == 1, "one task added one, and the count is {total}");
}
