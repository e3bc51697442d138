//! The transfer itself, and how each fix takes the two accounts' locks for it.

use std::time::Duration;

use crate::Account;

/// Moves `amount` from one locked balance to the other.
pub fn transfer(from: &mut i64, to: &mut i64, amount: i64) {
    *from -= amount;
    *to += amount;
}

/// `--fix ordering`: both locks, taken in one global order (by id) whichever way the money
/// goes, so that no two clerks can each hold the lock the other one asks for next.
pub fn transfer_in_order(from: &Account, to: &Account, amount: i64) {
    // exercise lock_order {
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
    // exercise lock_order }
}

/// The second lock was not free within the timeout.
#[derive(Debug)]
pub struct TimedOut;

/// `--fix timeout`: never waits forever for the second lock. Takes `from`'s lock, runs
/// `holding_first` (where the program makes the two clerks collide), then waits at most
/// `lock_timeout` for `to`'s. On a timeout it gives up, and the first lock is released on the
/// way out, so that the other clerk can go on; the caller backs off and tries again.
pub fn try_transfer(
    from: &Account,
    to: &Account,
    amount: i64,
    lock_timeout: Duration,
    holding_first: impl FnOnce(),
) -> Result<(), TimedOut> {
    // exercise lock_timeout {
    let mut a = from.balance.lock();
    holding_first();
    let Some(mut b) = to.balance.try_lock_for(lock_timeout) else {
        return Err(TimedOut); // dropping `a` on the way out releases the first lock
    };
    transfer(&mut a, &mut b, amount);
    Ok(())
    // exercise lock_timeout }
}
