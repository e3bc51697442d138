//! What the exercises' checkers share. Every check is certain, never a wall-clock figure: a
//! watchdog only decides between "finished" and "never will" (a deadlock, a worker that waits
//! for a partner that a sequential answer never starts), with a limit far beyond what a right
//! answer needs, so a right answer never meets it.
//!
//! - [`watchdog`] (and [`watchdog_after`], with its own limit): a hang or deadlock fails with a
//!   message instead of hanging;
//! - [`Gate`]: a barrier that gives up, for a worker function the task provides;
//! - [`server::Server`]: a loopback HTTP server (std threads) that holds each request until N
//!   have arrived and counts the most in flight at once, so a concurrent client is told from
//!   a sequential one for certain; it answers `GET /delay/{ms}` (other paths: 404);
//! - [`server::get`]: a tiny blocking `get(url) -> io::Result<String>` (the body of a 200
//!   answer), for checkers that call a server from plain threads;
//! - [`quiet_deliberate_panics`]: panics a checker causes on purpose print nothing, so that a
//!   failing test's message is the checker's verdict;
//! - [`quiet_relayed_panics`]: also the panics that only pass on a thread's panic
//!   (`join().unwrap()`), so that the checker's verdict is the first message shown;
//! - [`calls`]: watching the calls to a function the task provides (each thread's first call
//!   waits at a gate; one run watched at a time);
//! - [`source::outside_the_model`]: what a learner's file takes from outside a loom model's
//!   sight (a std lock or atomic, `unsafe`), which the model would pass by luck.

pub mod calls;
pub mod server;
pub mod source;

/// Loom models whose deadlocks fail in a learner's words (only under `--cfg pitfalls_loom`).
#[cfg(pitfalls_loom)]
pub mod model;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Far beyond what any right answer needs on a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread; panics with `hung` if it has not returned after [`PATIENCE`].
pub fn watchdog<T: Send + 'static>(hung: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    watchdog_after(PATIENCE, hung, f)
}

/// [`watchdog`] with another limit: for work that may itself wait out a [`PATIENCE`] (a
/// [`Gate`] or the [`server`] giving up) and must then report that, not a hang.
pub fn watchdog_after<T: Send + 'static>(
    limit: Duration,
    hung: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
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

/// Ends the message of every panic a checker causes on purpose (a task or job that panics, to
/// see it reported); [`quiet_deliberate_panics`] keeps those from being printed.
pub const DELIBERATE: &str = "(a deliberate panic of the checker)";

/// Installs, once per test binary, a panic hook that prints nothing for panics whose message
/// ends with [`DELIBERATE`] and prints every other panic as before: a failing test's message is
/// then the checker's verdict, not the panic it caused on purpose. (A verdict that quotes such
/// a message must not end with it: quote it with `{:?}`.)
pub fn quiet_deliberate_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or_default();
            let relayed = RELAYS_QUIET.load(Ordering::Relaxed)
                && (message.ends_with("Any { .. }") || message == "a scoped thread panicked");
            if !message.ends_with(DELIBERATE) && !relayed {
                default(info);
            }
        }));
    });
}

static RELAYS_QUIET: AtomicBool = AtomicBool::new(false);

/// [`quiet_deliberate_panics`], and also keeps quiet the panics that only pass on the panic of
/// another thread: `join().unwrap()` or `.expect(..)` on a thread's handle (its message ends
/// with `Any { .. }`) and a scope that ends with a thread's panic not joined ("a scoped thread
/// panicked"). That thread's own panic was printed already, or was one the checker caused on
/// purpose; and the runner shows the first message a failing test printed, which must then
/// be the checker's verdict.
pub fn quiet_relayed_panics() {
    RELAYS_QUIET.store(true, Ordering::Relaxed);
    quiet_deliberate_panics();
}
