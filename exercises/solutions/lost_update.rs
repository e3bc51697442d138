//! # Lost update
//!
//! Guide: "Race conditions". Program: examples-pitfalls/src/bin/race_condition.rs
//! (`cargo run -p examples-pitfalls --bin race_condition`).
//!
//! Several threads add one to a shared counter with `increment`. As written it reads the
//! counter, then stores what it read plus one: two steps, and another thread can store in
//! between, so its update is lost. Make `increment` lose no update, whatever the interleaving.
//! Keep its signature.
//!
//! Check it: `cargo exercise check lost_update`. The checker is a loom model: it runs two
//! threads through every interleaving there is, so a race is found every time, not by luck.
//! The model sees only the types imported below (loom's when it runs): a lock or atomic taken
//! from std instead, or `unsafe`, is refused, because the model could not judge it.

// The types come from loom when model checking (the checker), from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(pitfalls_loom))]
use std::sync::atomic::{AtomicU64, Ordering};

/// Adds one to `counter`, losing no other thread's update.
pub fn increment(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
