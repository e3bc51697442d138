//! Scene 2 of `channels`: backpressure. A producer that never waits sends to a consumer that
//! takes 100 us per message; a bounded channel holds the producer to the consumer's pace, an
//! unbounded one lets the backlog grow.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::channel as cb;

/// Sends `messages` from a producer thread to this one, which takes 100 us per message: returns
/// the largest backlog (sent but not yet received) seen, and the producer's time to send all,
/// or an error if the producer panicked.
pub fn backlog(
    sender: cb::Sender<u64>,
    receiver: cb::Receiver<u64>,
    messages: u64,
) -> Result<(usize, Duration), String> {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_seen = Arc::new(AtomicUsize::new(0));
    let producer = {
        let (in_flight, max_seen) = (Arc::clone(&in_flight), Arc::clone(&max_seen));
        thread::spawn(move || {
            let start = Instant::now();
            for x in 0..messages {
                // Count before sending: a bounded send blocks here while the channel is full.
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_seen.fetch_max(now, Ordering::SeqCst);
                if sender.send(x).is_err() {
                    break;
                }
            }
            let took = start.elapsed();
            // test witness {: unbounded, every message sent before the first is received
            if sender.capacity().is_none() {
                shared::witness::arrive("unbounded-all-sent", 2);
            }
            // test witness }
            // Hang up: the consumer's loop ends once it has drained the channel.
            drop(sender);
            took
        })
    };
    // test witness {: unbounded, the consumer waits for the producer to finish
    if receiver.capacity().is_none() {
        shared::witness::arrive("unbounded-all-sent", 2);
    }
    // test witness }
    // A producer that panics drops its sender as it unwinds, so this loop ends either way.
    for _ in receiver.iter() {
        in_flight.fetch_sub(1, Ordering::SeqCst);
        thread::sleep(Duration::from_micros(100));
    }
    // join's Err is the producer's panic: reported, not unwrapped into a second panic here.
    let sent_in = producer
        .join()
        .map_err(|_| "the backpressure scene's producer panicked".to_string())?;
    Ok((max_seen.load(Ordering::SeqCst), sent_in))
}

/// Why a bounded channel of `capacity` cannot push back on `few` messages (None if it can),
/// with a change that leads to an accepted run: the scene sends at most `most` messages, so
/// more --messages help only while `capacity` is below half of that.
pub fn too_roomy(capacity: u64, few: u64, most: u64) -> Option<String> {
    if few > 2 * capacity {
        return None;
    }
    let largest = (most - 1) / 2; // the largest capacity that the scene can fill
    let fix = if few >= 3 {
        format!("lower --capacity to {} or less", (few - 1) / 2)
    } else if capacity <= largest {
        format!("raise --messages to {} or more", 2 * capacity + 1)
    } else {
        format!("raise --messages to {most} and lower --capacity to {largest} or less")
    };
    let few = shared::fmt_count(few, "message", "messages");
    Some(format!(
        "a --capacity of {capacity} holds half or more of the backpressure scene's {few}, so \
         nothing would push back: {fix}"
    ))
}
