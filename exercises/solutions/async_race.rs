//! # A race across an await
//!
//! Guide: "Race conditions" (and asyncio's "no race conditions"). Program:
//! examples-pitfalls/src/bin/async_race.rs (`cargo run -p examples-pitfalls --bin async_race`).
//!
//! Many tasks on one thread each run `increment`, which adds one to a shared counter and must
//! make a call that takes `pause` (`sleep(pause)`, a stand-in for asking a payment service).
//! As written it reads the counter, awaits the call, then writes back what it read plus one.
//! Every `.await` lets the other tasks run: they all read the same value, and all but one of
//! the updates are lost, though only one thread ever runs. Make `increment` lose no update,
//! whatever the other tasks do while it waits, and still make the call (await `sleep(pause)`
//! once). Keep the signature.
//!
//! Check it: `cargo exercise check async_race`. The checker runs a number of tasks you cannot
//! guess on a single-threaded tokio runtime whose clock is paused: time moves only when every
//! task waits, so all the tasks are inside their await at once, on every run. On that clock it
//! also checks that each call still takes `pause`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use tokio::time::sleep;

/// What the tasks share: the counter, and an async lock you may use (or not). `Cell` and
/// `Rc`: no atomics and no `Send`, since everything runs on one thread.
pub struct Shared {
    pub counter: Cell<u64>,
    pub lock: tokio::sync::Mutex<()>,
}

impl Shared {
    pub fn new(start: u64) -> Rc<Shared> {
        Rc::new(Shared {
            counter: Cell::new(start),
            lock: tokio::sync::Mutex::new(()),
        })
    }
}

/// Adds one to the shared counter, losing no other task's update, and makes the call that
/// takes `pause`.
pub async fn increment(shared: Rc<Shared>, pause: Duration) {
    let counter = &shared.counter;
    sleep(pause).await;
    counter.set(counter.get() + 1);
}
