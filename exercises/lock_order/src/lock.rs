//! Given with the exercise (do not edit it: the checker notices): the accounts' lock. It is
//! parking_lot's `Mutex`, as in the program. When the checker runs it is loom's, with the same
//! `lock()` (no poisoning, so no `unwrap`), so that loom can try every interleaving; and its
//! guard notes how many locks its thread holds, so that the checker can tell when a balance
//! changes while its thread holds only one of the two (checked in the model of that
//! requirement, not in the deadlock's, so that each failure is reported under its own).

#[cfg(not(pitfalls_loom))]
pub use parking_lot::Mutex;

#[cfg(pitfalls_loom)]
pub use model::Mutex;

#[cfg(pitfalls_loom)]
mod model {
    use std::cell::Cell;
    use std::ops::{Deref, DerefMut};
    use std::sync::PoisonError;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Whether a balance changed with fewer than both locks held fails the model.
    static BOTH_HELD_CHECKED: AtomicBool = AtomicBool::new(true);

    loom::thread_local! {
        static HELD: Cell<usize> = Cell::new(0);
    }

    pub struct Mutex<T>(loom::sync::Mutex<T>);

    pub struct MutexGuard<'a, T>(loom::sync::MutexGuard<'a, T>);

    impl<T> Mutex<T> {
        pub fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        /// For the checker: whether a balance changed with fewer than both locks held fails
        /// the model (it does unless turned off).
        #[doc(hidden)]
        pub fn check_both_held(on: bool) {
            BOTH_HELD_CHECKED.store(on, Ordering::SeqCst);
        }

        pub fn lock(&self) -> MutexGuard<'_, T> {
            let guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            HELD.with(|h| h.set(h.get() + 1));
            MutexGuard(guard)
        }
    }

    impl<T> Drop for MutexGuard<'_, T> {
        fn drop(&mut self) {
            // While a failed model unwinds, loom's thread-locals are gone: count nothing.
            if !std::thread::panicking() {
                HELD.with(|h| h.set(h.get() - 1));
            }
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            &self.0
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            let held = HELD.with(Cell::get);
            let checked = BOTH_HELD_CHECKED.load(Ordering::SeqCst);
            assert!(
                held >= 2 || !checked,
                "a balance changed while its thread held {}, not both accounts' locks: another thread could see the money in neither account",
                if held == 0 {
                    "no lock"
                } else {
                    "only one lock"
                }
            );
            &mut self.0
        }
    }
}
