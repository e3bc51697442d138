//! # Check then act
//!
//! Guide: "Race conditions". Program: examples-pitfalls/src/bin/check_then_act.rs
//! (`cargo run -p examples-pitfalls --bin check_then_act`).
//!
//! `withdraw` takes `amount` from the account if the balance covers it, and says whether it
//! did. As written it checks the balance under the lock, lets the lock go, then locks again to
//! subtract: every step is locked, yet two clerks can both pass the check before either one
//! subtracts, and the account goes negative. Make the check and the update one step, so that
//! no interleaving overdraws. Keep the signatures; leave `pause()` where it is (the gap between
//! check and act, where the program's forced run makes the other clerk go first).
//!
//! Check it: `cargo exercise check check_then_act`. The checker is a loom model: two clerks
//! withdraw at once through every interleaving there is, so an overdraft is found every time,
//! not by luck. It also checks that a covered withdrawal is paid and an uncovered one refused.
//! The model sees only the types imported below (loom's when it runs): a lock or atomic taken
//! from std instead, or `unsafe`, is refused, because the model could not judge it.

// The lock comes from loom when model checking (the checker), from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::Mutex;
#[cfg(not(pitfalls_loom))]
use std::sync::Mutex;

/// A bank account: the balance can only be reached through its lock.
pub struct Account {
    pub balance: Mutex<i64>,
}

impl Account {
    pub fn new(balance: i64) -> Self {
        Account {
            balance: Mutex::new(balance),
        }
    }

    /// The balance now.
    pub fn balance(&self) -> i64 {
        *self.balance.lock().unwrap()
    }

    /// Takes `amount` if the balance covers it; true if it did, false if it refused.
    pub fn withdraw(&self, amount: i64) -> bool {
        if self.balance() >= amount {
            pause();
            // The lock was let go after the check: another clerk may withdraw right here.
            *self.balance.lock().unwrap() -= amount;
            true
        } else {
            false
        }
    }
}

/// The gap between the check and the act. The program makes the other clerk wait here in its
/// forced run; here it does nothing (loom tries every interleaving anyway).
fn pause() {}
