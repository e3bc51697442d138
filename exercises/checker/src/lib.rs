//! What the exercises' checkers share. Every check is certain, never a wall-clock figure: a
//! watchdog only decides between "finished" and "never will" (a deadlock, a worker that waits
//! for a partner that a sequential answer never starts), with a limit far beyond what a right
//! answer needs, so a right answer never meets it.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Far beyond what any right answer needs on a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread; panics with `hung` if it has not returned after [`PATIENCE`].
pub fn watchdog<T: Send + 'static>(hung: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("{hung}"),
    }
}

/// A barrier for `parties` that gives up after [`PATIENCE`]: `wait` returns false then (a
/// sequential answer never brings the other parties). Arrivals after the first `parties` pass.
pub struct Gate {
    parties: usize,
    arrived: Mutex<usize>,
    all_in: Condvar,
}

impl Gate {
    pub fn new(parties: usize) -> Gate {
        Gate {
            parties,
            arrived: Mutex::new(0),
            all_in: Condvar::new(),
        }
    }

    /// Waits until `parties` callers have arrived; false if they never do.
    pub fn wait(&self) -> bool {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        if *arrived >= self.parties {
            self.all_in.notify_all();
            return true;
        }
        let (arrived, timeout) = self
            .all_in
            .wait_timeout_while(arrived, PATIENCE, |a| *a < self.parties)
            .unwrap();
        drop(arrived);
        !timeout.timed_out()
    }

    /// How many have arrived so far.
    pub fn arrived(&self) -> usize {
        *self.arrived.lock().unwrap()
    }
}
