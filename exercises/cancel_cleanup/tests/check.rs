//! The checker of `cancel_cleanup` (do not edit: `cargo exercise check` notices). Every test
//! runs on tokio's paused clock: time moves only when every task waits, so the moment of each
//! check (1 s into a 10 s upload, after it) is exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cancel_cleanup::upload;
use tokio::time::{Duration, sleep};

/// Counters for `upload`: (cleaned, reached_end).
fn counters() -> (Arc<AtomicU64>, Arc<AtomicU64>) {
    (Arc::default(), Arc::default())
}

/// 2 to 5 uploads, from the process id: nothing to hard-code.
fn how_many() -> u64 {
    2 + u64::from(std::process::id()) % 4
}

#[tokio::test(start_paused = true)]
async fn cleanup_runs_when_the_upload_is_cancelled() {
    let k = how_many();
    let (cleaned, reached_end) = counters();
    let tasks: Vec<_> = (0..k)
        .map(|_| tokio::spawn(upload(Arc::clone(&cleaned), Arc::clone(&reached_end))))
        .collect();
    sleep(Duration::from_secs(1)).await;
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        let _ = t.await;
    }
    let (c, r) = (
        cleaned.load(Ordering::SeqCst),
        reached_end.load(Ordering::SeqCst),
    );
    assert_eq!(
        r, 0,
        "{k} uploads aborted 1 s into their 10 s, at their await, yet the code after the await was counted {r} times: count the end only after the await, not in the cleanup"
    );
    assert_eq!(
        c, k,
        "{k} uploads aborted 1 s into their 10 s: cleanup ran {c} times (expected {k})"
    );
    // Cancelled by a timeout: the future is dropped without ever being a task.
    let late = tokio::time::timeout(
        Duration::from_secs(1),
        upload(Arc::clone(&cleaned), Arc::clone(&reached_end)),
    )
    .await;
    assert!(late.is_err(), "a 10 s upload given 1 s did not time out");
    let c = cleaned.load(Ordering::SeqCst);
    assert_eq!(
        c,
        k + 1,
        "an upload dropped by a timeout after 1 s did not clean up (cleanup count {c}, expected {})",
        k + 1
    );
}

#[tokio::test(start_paused = true)]
async fn no_cleanup_while_still_uploading() {
    let (cleaned, reached_end) = counters();
    let task = tokio::spawn(upload(Arc::clone(&cleaned), Arc::clone(&reached_end)));
    sleep(Duration::from_secs(1)).await;
    let c = cleaned.load(Ordering::SeqCst);
    task.abort();
    let _ = task.await;
    assert_eq!(
        c, 0,
        "1 s into a 10 s upload, cleanup had already run {c} time(s): it must run when the upload ends, not before its `.await`. Was the cleanup done, or the guard dropped, before it? (A guard bound to `_` is dropped at once; name it `_guard`.)"
    );
}

#[tokio::test(start_paused = true)]
async fn cleanup_runs_once_when_the_upload_finishes() {
    let k = how_many();
    let (cleaned, reached_end) = counters();
    for _ in 0..k {
        upload(Arc::clone(&cleaned), Arc::clone(&reached_end)).await;
    }
    let (c, r) = (
        cleaned.load(Ordering::SeqCst),
        reached_end.load(Ordering::SeqCst),
    );
    assert_eq!(
        (c, r),
        (k, k),
        "{k} uploads run to the end: cleanup ran {c} times and the end was reached {r} times (expected {k} and {k})"
    );
}
