//! Scene 5 of `sync_primitives`: a counting semaphore from a Mutex and a Condvar. std has no
//! semaphore: this is how one works; tokio's `Semaphore` is the library version for async code.

use std::sync::{Condvar, Mutex};

/// A counting semaphore: `acquire` waits until a permit is free, the guard gives it back.
pub struct Semaphore {
    permits: Mutex<u32>,
    freed: Condvar,
}

pub struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    pub fn new(permits: u32) -> Self {
        Semaphore {
            permits: Mutex::new(permits),
            freed: Condvar::new(),
        }
    }

    pub fn acquire(&self) -> Permit<'_> {
        let mut permits = self.permits.lock().unwrap();
        while *permits == 0 {
            permits = self.freed.wait(permits).unwrap();
        }
        *permits -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.permits.lock().unwrap() += 1;
        self.0.freed.notify_one();
    }
}
