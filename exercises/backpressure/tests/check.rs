//! The checker of `backpressure` (do not edit: `cargo exercise check` notices). Every test
//! runs on one thread with tokio's paused clock; the consumer takes one message, then sleeps
//! one (virtual) millisecond, which the clock reaches only once the producer has got as far
//! as it can. So how far ahead the producer gets is exact, the same on every run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use backpressure::spawn_producer;
use tokio::time::{Duration, sleep};

/// A capacity of 2 to 9, a number of messages well beyond it, and the first message, from the
/// process id: nothing to hard-code.
fn sizes() -> (usize, u64, u64) {
    let seed = u64::from(std::process::id());
    let capacity = 2 + seed % 8;
    (capacity as usize, 4 * capacity + seed % 7, 1_000 + seed)
}

/// What the consumer saw.
struct Run {
    received: Vec<u64>,
    /// The most messages taken by the producer and not yet received, seen before each receive.
    most_ahead: u64,
    waited: Result<u64, String>,
}

/// Runs the producer against a consumer that takes one message per millisecond.
async fn consume(capacity: usize, n: u64, first: u64) -> Run {
    let taken = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&taken);
    let messages = (first..first + n).inspect(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let (mut rx, producer) = spawn_producer(messages, capacity);
    sleep(Duration::from_millis(1)).await; // the producer's head start
    let (mut received, mut most_ahead) = (Vec::new(), 0);
    loop {
        let ahead = taken.load(Ordering::SeqCst) - received.len() as u64;
        most_ahead = most_ahead.max(ahead);
        match rx.recv().await {
            Some(m) => received.push(m),
            None => break,
        }
        sleep(Duration::from_millis(1)).await; // the slow consumer
    }
    let waited = producer.await.map_err(|e| e.to_string());
    Run {
        received,
        most_ahead,
        waited,
    }
}

#[tokio::test(start_paused = true)]
async fn the_producer_waits_for_room() {
    let (capacity, n, first) = sizes();
    let run = consume(capacity, n, first).await;
    let most = run.most_ahead;
    assert!(
        most <= capacity as u64 + 1,
        "capacity {capacity}, {n} messages: the producer got {most} messages ahead of the consumer; at most {capacity} may wait in the channel, plus the one the producer holds while it waits for room"
    );
    assert!(
        most >= capacity as u64,
        "capacity {capacity}: the producer never got more than {most} messages ahead, so the channel was never full: use the capacity you are given"
    );
}

#[tokio::test(start_paused = true)]
async fn every_message_arrives_in_order() {
    let (capacity, n, first) = sizes();
    let run = consume(capacity, n, first).await;
    let expected: Vec<u64> = (first..first + n).collect();
    assert_eq!(
        run.received, expected,
        "{n} messages sent in order ({first}..): the consumer received {:?}",
        run.received
    );
}

#[tokio::test(start_paused = true)]
async fn the_producer_counts_its_waits() {
    let (capacity, n, first) = sizes();
    let run = consume(capacity, n, first).await;
    let expected = n - capacity as u64;
    assert_eq!(
        run.waited,
        Ok(expected),
        "capacity {capacity}, {n} messages, a consumer slower than the producer: every message after the first {capacity} finds the channel full, so the producer waits {expected} times; its task answered {:?}",
        run.waited
    );
}
