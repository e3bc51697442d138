//! Scene 1 of `sync_primitives`: a bounded blocking queue from a Mutex and two Condvars.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

/// A bounded blocking queue: producers wait while it is full, consumers while it is empty.
pub struct BoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    pub fn new(capacity: usize) -> Self {
        BoundedQueue {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    pub fn push(&self, item: T) {
        // wait_while re-checks the condition after every wake-up, spurious ones included.
        let mut items = self
            .not_full
            .wait_while(self.items.lock().unwrap(), |q| q.len() >= self.capacity)
            .unwrap();
        items.push_back(item);
        self.not_empty.notify_one();
    }

    pub fn pop(&self) -> T {
        let mut items = self
            .not_empty
            .wait_while(self.items.lock().unwrap(), |q| q.is_empty())
            .unwrap();
        let item = items.pop_front().expect("not empty: we waited for it");
        self.not_full.notify_one();
        item
    }
}
