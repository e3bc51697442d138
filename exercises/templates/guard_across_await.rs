//! # A lock guard across an await
//!
//! Guide: "Race conditions" (asyncio and locks). Program:
//! examples-pitfalls/src/bin/mutex_across_await.rs
//! (`cargo run -p examples-pitfalls --bin mutex_across_await`).
//!
//! `spawn_add_one` spawns a tokio task that makes a call (`sleep(CALL)`, a stand-in for a
//! database call) and adds one to a shared counter. As written, the task locks a std `Mutex`
//! and awaits the call with the guard still held. It does not compile: read the compiler's
//! error ("future cannot be sent between threads safely": an error with no error code), and
//! what it says about the guard. A task may resume on another thread after an await, and a
//! std guard must be released on the thread that took it; on one thread, a second task's
//! `lock()` would block the only thread, and the program shows that hang. Make it compile and
//! count right: hold no std guard across the await, or use the tokio `Mutex`, whose guard may
//! be held across one. The count is the sum of both counters: each task adds one to one of
//! them, not both. Keep the signature.
//!
//! Check it: `cargo exercise check guard_across_await`. The checker spawns a number of tasks
//! you cannot guess, all at once, on a one-thread tokio runtime whose clock is paused (it moves
//! only when every task waits, so the tasks take turns the same way on every run: calls made
//! with no guard held overlap, calls made under the tokio guard run one after another), checks
//! the count, and checks on that clock that a task still takes its call's time. Tasks that
//! wait for each other forever (a std guard held across the await anyway) fail the check
//! within seconds.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::sleep;

/// How long the awaited call takes.
pub const CALL: Duration = Duration::from_millis(50);

/// The counters the tasks share: a std `Mutex` and a tokio `Mutex`, as in the program. The
/// count is the sum of the two, so use either one.
#[derive(Default)]
pub struct Counters {
    pub std_counter: std::sync::Mutex<u64>,
    pub tokio_counter: tokio::sync::Mutex<u64>,
}

impl Counters {
    /// The count: both counters together.
    pub async fn total(&self) -> u64 {
        // The std guard is a temporary of its own statement: gone before the await.
        let std_total = *self.std_counter.lock().unwrap();
        std_total + *self.tokio_counter.lock().await
    }
}

/// Spawns a task that makes the call and adds one to the count; returns its handle.
pub fn spawn_add_one(counters: Arc<Counters>) -> JoinHandle<()> {
    tokio::spawn(async move {
        #[allow(unused_variables)] // a fix needs only one of them
        let (std_counter, tokio_counter) = (&counters.std_counter, &counters.tokio_counter);
        // region: examples-pitfalls/src/bin/mutex_across_await.rs guard_across_await
        // starter {
        // | let mut n = std_counter.lock().unwrap();
        // | sleep(CALL).await; // the guard is still held while this task is parked
        // | *n += 1;
        // starter }
    })
}
