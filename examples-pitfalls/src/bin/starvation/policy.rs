//! The admission policy, one step at a time: a reader inside, the writer waiting behind it,
//! then a new reader. What each lock does at that moment is the whole difference between them,
//! and stepping through it gives the same answer on every run, however the threads are
//! scheduled (the timed run in main.rs depends on the scheduler).

use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use crate::Lock;

impl Lock {
    /// Whether a new reader would get in right now, without waiting.
    fn lets_a_reader_in(&self) -> bool {
        match self {
            Lock::Simple(l) => l.state.lock().unwrap().admits_a_reader(),
            Lock::Fair(l) => l.try_read().is_some(), // (comes in, and leaves at once)
        }
    }

    /// Whether a writer waits at the lock (or is inside).
    fn writer_waiting(&self) -> bool {
        match self {
            Lock::Simple(l) => l.state.lock().unwrap().writers_waiting > 0,
            // parking_lot cannot be asked, but it refuses an upgradable read exactly then (and
            // while another upgradable read is held, which nothing here takes).
            Lock::Fair(l) => l.try_upgradable_read().is_none(),
        }
    }
}

/// The policy, one step at a time: a reader inside, the writer waiting behind it, then a new
/// reader. Returns whether the lock let the new reader in ahead of the waiting writer, or an
/// error if the reader's or the writer's thread panicked.
fn new_reader_goes_first(lock: &Lock) -> Result<bool, String> {
    let (inside, leave) = (Barrier::new(2), Barrier::new(2));
    thread::scope(|s| {
        let reader = s.spawn(|| {
            lock.with_read(|| {
                inside.wait();
                leave.wait();
            })
        });
        inside.wait(); // the first reader is inside
        let writer = s.spawn(|| lock.with_write(|| {}));
        while !lock.writer_waiting() {
            thread::sleep(Duration::from_millis(1)); // until the writer waits at the lock
        }
        let went_first = lock.lets_a_reader_in();
        leave.wait(); // the first reader leaves, and the writer gets in
        // Joined here, so that a panic is reported rather than ending the scope.
        reader
            .join()
            .and(writer.join())
            .map_err(|_| "a thread of the step-by-step policy check panicked".to_string())?;
        Ok(went_first)
    })
}

/// `new_reader_goes_first`, the name of a simple lock with that policy (what main calls the
/// simple lock: the Try-this makes it writer-preferring), and the policy in words.
pub fn what_a_new_reader_meets(lock: &Lock) -> Result<(bool, &'static str, &'static str), String> {
    Ok(match new_reader_goes_first(lock)? {
        true => (true, "reader-preferring", "lets it in ahead of the writer"),
        false => (
            false,
            "writer-preferring",
            "makes it wait behind the writer",
        ),
    })
}
