// A std MutexGuard held across an .await in a task spawned on a multi-threaded runtime: the
// task could resume on another thread and unlock from there, which std's lock forbids.
// MutexGuard is not Send, so the future is not Send, and tokio::spawn refuses it.
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0u64));
    let task = tokio::spawn(async move {
        let mut n = counter.lock().unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
        *n += 1;
    });
    task.await.unwrap();
}
