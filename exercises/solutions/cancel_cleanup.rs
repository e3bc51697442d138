//! # Cleanup that cancellation cannot skip
//!
//! Guide: "Asyncio", timeouts and cancellation. Program: examples-async/src/bin/timeouts/main.rs
//! (`cargo run -p examples-async --bin timeouts -- --part abort`).
//!
//! Cancelling a future is dropping it: it stops at the `.await` where it waits, and the code
//! after that `.await` never runs; but its locals are dropped, so cleanup that must happen
//! however the work ends belongs in a guard's `Drop`. `upload` waits 10 s, then counts its
//! end in `reached_end`, and must count exactly one cleanup in `cleaned` when it ends,
//! finished or cancelled (an aborted task, a timeout, a losing `select!` branch), never
//! before. As written the cleanup comes after the `.await`, so a cancelled upload never
//! cleans up. Write a guard type whose `Drop` does the cleanup, and hold one for the whole
//! upload. Keep `upload`'s signature.
//!
//! Check it: `cargo exercise check cancel_cleanup`. The checker runs on tokio's paused clock
//! (time moves only when every task waits), so "still uploading after 1 s" and "cancelled
//! after 1 s" are certain, not timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runs its cleanup when dropped, which is exactly what cancellation does to a task's locals.
struct Cleanup(&'static str, Arc<AtomicU64>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
        println!("cleanup ran for {} (Drop)", self.0);
    }
}

/// Waits 10 s, then counts its end in `reached_end`; however it ends, finished or cancelled at
/// its `.await`, `cleaned` counts one cleanup.
pub async fn upload(cleaned: Arc<AtomicU64>, reached_end: Arc<AtomicU64>) {
    let _guard = Cleanup("the upload task", cleaned);
    tokio::time::sleep(Duration::from_secs(10)).await; // cancelled here
    reached_end.fetch_add(1, Ordering::SeqCst);
}
