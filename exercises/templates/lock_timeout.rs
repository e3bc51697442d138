//! # A lock with a timeout
//!
//! Guide: "Deadlocks" (timeouts). Program: examples-pitfalls/src/bin/deadlock/
//! (`cargo run -p examples-pitfalls --bin deadlock -- --fix timeout`).
//!
//! `try_transfer` moves money from one account to another with both locks held. As written it
//! waits for the second lock as long as it takes: if the clerk holding that lock is waiting for
//! this one's first, both wait forever. Make it wait at most `lock_timeout` for the second
//! lock, and then give up with `Err(TimedOut)`, with the first lock released, so that the
//! other clerk can go on (the caller backs off and tries again, as the program's clerks do).
//! Call `holding_first()` once you hold `from`'s lock, before you ask for `to`'s (the program
//! makes its two clerks collide there). Keep the signatures.
//!
//! Check it: `cargo exercise check lock_timeout`. The checker holds `to`'s lock itself and
//! needs your call to come back with an error (a watchdog fails a call that never returns);
//! frees the lock while you wait for it, and needs you to take it then; asks the lock how long
//! you waited for it (`lock_timeout`, the caller's choice, not a timeout of your own); and runs
//! two clerks the opposite way, colliding on their first transfer, until both are done.

mod lock;

use std::time::Duration;

pub use lock::Mutex;

pub struct Account {
    pub balance: Mutex<i64>,
}

impl Account {
    pub fn new(balance: i64) -> Self {
        Account {
            balance: Mutex::new(balance),
        }
    }
}

/// The second lock was not free within the timeout.
#[derive(Debug, PartialEq, Eq)]
pub struct TimedOut;

/// Moves `amount` from one locked balance to the other.
pub fn transfer(from: &mut i64, to: &mut i64, amount: i64) {
    *from -= amount;
    *to += amount;
}

/// Moves `amount` from `from` to `to` with both locks held, waiting at most `lock_timeout`
/// for the second; `Err(TimedOut)`, with nothing moved and no lock held, if it was not free.
pub fn try_transfer(
    from: &Account,
    to: &Account,
    amount: i64,
    lock_timeout: Duration,
    holding_first: impl FnOnce(),
) -> Result<(), TimedOut> {
    // region: examples-pitfalls/src/bin/deadlock/transfers.rs lock_timeout
    // starter {
    // | let mut a = from.balance.lock();
    // | holding_first();
    // | // Waits as long as it takes: forever, if the clerk holding `to` waits for `from`.
    // | let mut b = to.balance.lock();
    // | transfer(&mut a, &mut b, amount);
    // | Ok(())
    // starter }
}
