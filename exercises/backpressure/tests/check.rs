//! The checker of `backpressure` (do not edit: `cargo exercise check` notices). Every test
//! runs on one thread with tokio's paused clock; the consumer sleeps one (virtual)
//! millisecond between receives, which the clock reaches only once the producer has got as
//! far as it can. So how far ahead the producer gets, and how often it finds the channel
//! full, are exact, the same on every run. A watchdog fails a producer that never lets the
//! runtime rest (spinning on `try_send`), which would stop the paused clock for ever.

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

/// How the consumer takes messages: one per millisecond, or each millisecond all that wait.
#[derive(Clone, Copy)]
enum Consumer {
    OneAtATime,
    Bursts,
}

/// Runs the producer against the consumer, on one thread with a paused clock, under a watchdog.
fn run(consumer: Consumer) -> (usize, u64, u64, Run) {
    let (capacity, n, first) = sizes();
    let run = checker::watchdog(
        "the consumer never got its next turn: the runtime never rested, so tokio's paused clock stood still (after 20 s of real time). Did the producer spin, calling `try_send` again and again (with `yield_now`) instead of awaiting `send`, which sleeps until there is room?",
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("a tokio runtime");
            runtime.block_on(consume(consumer, capacity, n, first))
        },
    );
    (capacity, n, first, run)
}

/// Runs the producer against the consumer.
async fn consume(consumer: Consumer, capacity: usize, n: u64, first: u64) -> Run {
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
        if let Consumer::Bursts = consumer {
            while let Ok(m) = rx.try_recv() {
                received.push(m);
            }
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

#[test]
fn the_producer_waits_for_room() {
    let (capacity, n, _, run) = run(Consumer::OneAtATime);
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

#[test]
fn every_message_arrives_in_order() {
    let (_, n, first, run) = run(Consumer::Bursts);
    let expected: Vec<u64> = (first..first + n).collect();
    assert_eq!(
        run.received, expected,
        "{n} messages sent in order ({first}..): the consumer received {:?}",
        run.received
    );
}

#[test]
fn the_producer_counts_its_waits() {
    let (capacity, n, _, run) = run(Consumer::OneAtATime);
    let expected = n - capacity as u64;
    assert_eq!(
        run.waited,
        Ok(expected),
        "capacity {capacity}, {n} messages, a consumer slower than the producer: every message after the first {capacity} finds the channel full, so the producer waits {expected} times; its task answered {:?}",
        run.waited
    );
}

#[test]
fn the_producer_counts_only_the_waits_it_made() {
    let (capacity, n, _, run) = run(Consumer::Bursts);
    // Each millisecond the consumer empties the channel; the producer refills it (the message
    // it held, then `capacity - 1` more) and finds it full once: one wait per full channel.
    let expected = n.div_ceil(capacity as u64) - 1;
    assert_eq!(
        run.waited,
        Ok(expected),
        "capacity {capacity}, {n} messages, a consumer that each millisecond takes all the messages waiting: the producer fills the channel, finds it full once and waits while it is emptied, so it waits {expected} times; its task answered {:?}. Count a wait only when `try_send` finds the channel full, not a figure worked out from the number of messages",
        run.waited
    );
}
