//! # Blocking work off the runtime's thread
//!
//! Guide: "Asyncio", blocking inside async code. Program: examples-async/src/bin/cpu_in_async.rs
//! (`cargo run --release -p examples-async --bin cpu_in_async`).
//!
//! An async runtime runs its tasks on a few threads and switches between them only at an
//! `.await`. Work with no `.await` in it (a long computation, a blocking call) holds its
//! thread until it is done, and every other task on that thread stalls. `off_the_runtime`
//! runs `work` and returns its value; as written it runs `work` right there, on the runtime's
//! thread. Run it on tokio's pool of threads for blocking work instead, and await its result,
//! so that the other tasks keep running meanwhile. A `work` that panics must come back as an
//! `Err`, not take its caller down. Keep the signature.
//!
//! Check it: `cargo exercise check spawn_blocking`. The checker runs a heartbeat task on a
//! single-threaded runtime, and its `work` waits until the heartbeat has ticked: run on the
//! runtime's only thread, it waits for a tick that cannot come (the checker gives up after a
//! long patience, and says so).

/// Runs `work` off the runtime's threads, so that they stay free for the other tasks; a panic
/// in `work` is an error, never a value.
pub async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("the job failed: {e}"))
}
