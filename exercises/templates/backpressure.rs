//! # A producer that waits for room
//!
//! Guide: "Resource sharing", queues and backpressure. Program:
//! examples-async/src/bin/async_channels.rs
//! (`cargo run -p examples-async --bin async_channels`).
//!
//! A producer faster than its consumer fills any queue between them; if nothing holds it back,
//! the backlog (and the memory) grows without limit. A bounded channel holds it back: `send`
//! waits while the channel is full. `spawn_producer` starts a task that sends `messages`, in
//! order, into a channel of `capacity`, and returns the receiving end and that task, which
//! answers how many times it found the channel full and had to wait for room. As written
//! every send is a task of its own, so the producer never waits and the messages pile up in
//! those tasks instead. Make the producer itself wait for room, and count its waits. Keep
//! the signature.
//!
//! Check it: `cargo exercise check backpressure`. The checker's consumer takes one message per
//! millisecond of tokio's paused clock, on one thread, so how far the producer gets ahead of
//! it is exact: at most `capacity` messages in the channel, plus the one the producer holds
//! while it waits. Another of its consumers takes, each millisecond, every message waiting,
//! so the producer finds the channel full fewer times: count the waits that happen.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Sends `messages` into a channel that holds at most `capacity`, so a producer faster than
/// its consumer waits for room (backpressure). The receiving end, and the producer's task,
/// which says how many times it found the channel full and waited.
pub fn spawn_producer(
    messages: impl Iterator<Item = u64> + Send + 'static,
    capacity: usize,
) -> (mpsc::Receiver<u64>, JoinHandle<u64>) {
    // region: examples-async/src/bin/async_channels.rs backpressure
    // starter {
    // | let (tx, rx) = mpsc::channel(capacity);
    // | let producer = tokio::spawn(async move {
    // |     for message in messages {
    // |         // A task per send, so that the producer never has to wait.
    // |         let tx = tx.clone();
    // |         tokio::spawn(async move { tx.send(message).await });
    // |     }
    // |     0 // never waited
    // | });
    // | (rx, producer)
    // starter }
}
