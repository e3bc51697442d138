//! Given with the exercise (do not edit it: the checker notices): the accounts' lock. It is
//! parking_lot's `Mutex`, as in the program, with everything it has (through `Deref`); its
//! `try_lock_for` and `try_lock_until` also count their calls, so that the checker can free
//! a lock while you wait for it with a timeout, and not before.

use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::MutexGuard;

pub struct Mutex<T> {
    inner: parking_lot::Mutex<T>,
    timed_waits: AtomicUsize,
}

impl<T> Mutex<T> {
    pub const fn new(value: T) -> Self {
        Mutex {
            inner: parking_lot::Mutex::new(value),
            timed_waits: AtomicUsize::new(0),
        }
    }

    /// parking_lot's: the guard, if the lock is free within `timeout`; None otherwise.
    pub fn try_lock_for(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        self.timed_waits.fetch_add(1, Ordering::SeqCst);
        self.inner.try_lock_for(timeout)
    }

    /// parking_lot's: the guard, if the lock is free by `deadline`; None otherwise.
    pub fn try_lock_until(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        self.timed_waits.fetch_add(1, Ordering::SeqCst);
        self.inner.try_lock_until(deadline)
    }

    /// How many times someone has asked for this lock with a timeout (for the checker).
    pub fn timed_waits(&self) -> usize {
        self.timed_waits.load(Ordering::SeqCst)
    }
}

impl<T> Deref for Mutex<T> {
    type Target = parking_lot::Mutex<T>;
    fn deref(&self) -> &parking_lot::Mutex<T> {
        &self.inner
    }
}
