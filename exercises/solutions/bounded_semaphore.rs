//! # At most `limit` at once
//!
//! Guide: "Resource sharing", a semaphore. Program:
//! examples-async/src/bin/bounded_concurrency/variants.rs
//! (`cargo run --release -p examples-async --bin bounded_concurrency`).
//!
//! Tasks are cheap, but every job in flight holds something real: a connection, a buffer, a
//! slot on the server. `with_semaphore` runs every job, each in a task of its own, and
//! returns how many succeeded (a job that answered `true`; a task that panicked did not). As
//! written all the jobs run at once. Keep at most `limit` of them in flight with a
//! `tokio::sync::Semaphore` of `limit` permits: a task does its job only while it holds a
//! permit. And use the limit: while more jobs wait, `limit` of them must be in flight, not
//! fewer. Keep the signature.
//!
//! Check it: `cargo exercise check bounded_semaphore`. The checker's jobs stay in flight until
//! it lets them finish, one at a time and not in the order they started, on a single thread
//! with tokio's paused clock: between two steps every task has run as far as it can, so the
//! count of jobs in flight is exact. Whichever job finishes, a waiting one must take its place.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// At most `limit` jobs in flight: each job gets its task at once, but does its work only
/// while it holds one of `limit` permits. How many succeeded (a task that panicked did not).
pub async fn with_semaphore<F>(jobs: impl Iterator<Item = F>, limit: usize) -> u32
where
    F: Future<Output = bool> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit));
    let tasks: Vec<_> = jobs
        .map(|work| {
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                // Held until the work is done: the permit goes back when `_permit` is dropped.
                let _permit = permits.acquire_owned().await.ok()?;
                Some(work.await)
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        ok += u32::from(task.await.ok().flatten().unwrap_or(false));
    }
    ok
}
