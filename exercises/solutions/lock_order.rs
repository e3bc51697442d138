//! # Lock order
//!
//! Guide: "Deadlocks" (consistent lock ordering). Program:
//! examples-pitfalls/src/bin/deadlock/ (`cargo run -p examples-pitfalls --bin deadlock`, then
//! with `-- --fix ordering`).
//!
//! `transfer_between` moves money from one account to another, holding both accounts' locks
//! while it does, so that nobody ever sees the money in neither account. As written it locks
//! `from`, then `to`: when one clerk transfers from A to B while another transfers from B to
//! A, each can take its first lock and then wait forever for the other's. Make it impossible
//! for two transfers to wait for each other, whichever way each one goes, while still holding
//! both locks when the money moves. Keep the signatures.
//!
//! Check it: `cargo exercise check lock_order`. The checker is a loom model: two transfers in
//! opposite directions run through every interleaving there is, so a deadlock is found every
//! time, not once in a million runs; it also checks that the money arrives, and that a balance
//! only changes while both locks are held.

mod lock;

pub use lock::Mutex;

pub struct Account {
    /// Unique to each account.
    pub id: u32,
    pub balance: Mutex<i64>,
}

impl Account {
    pub fn new(id: u32, balance: i64) -> Self {
        Account {
            id,
            balance: Mutex::new(balance),
        }
    }
}

/// Moves `amount` from one locked balance to the other.
pub fn transfer(from: &mut i64, to: &mut i64, amount: i64) {
    *from -= amount;
    *to += amount;
}

/// Moves `amount` from `from` to `to` with both accounts locked, and never deadlocks with
/// another transfer, whichever way that one goes.
pub fn transfer_between(from: &Account, to: &Account, amount: i64) {
    let (low, high) = if from.id < to.id {
        (from, to)
    } else {
        (to, from)
    };
    let mut l = low.balance.lock();
    let mut h = high.balance.lock();
    if low.id == from.id {
        transfer(&mut l, &mut h, amount);
    } else {
        transfer(&mut h, &mut l, amount);
    }
}
