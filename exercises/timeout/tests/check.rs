//! The checker of `timeout` (do not edit: `cargo exercise check` notices). Every test runs on
//! tokio's paused clock: time moves only when every task waits, straight to the next timer,
//! so "how long it took" is exact and the same on every machine.

use std::io;
use std::sync::{Arc, Mutex};

use timeout::within;
use tokio::time::{Duration, Instant, sleep};

/// A limit and a longer and a shorter call time, from the process id: nothing to hard-code.
fn times() -> (Duration, Duration, Duration) {
    let seed = u64::from(std::process::id());
    let limit = 200 + seed % 300;
    let slow = limit + 100 + seed % 700;
    let quick = 10 + seed % (limit - 20);
    (
        Duration::from_millis(limit),
        Duration::from_millis(slow),
        Duration::from_millis(quick),
    )
}

/// Records when (on the paused clock) the call it lives in was dropped.
struct DroppedAt(Arc<Mutex<Option<Instant>>>);

impl Drop for DroppedAt {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(Instant::now());
    }
}

/// A call that takes `takes`, then answers `answer`.
async fn call(
    takes: Duration,
    answer: Result<u64, String>,
    dropped: Arc<Mutex<Option<Instant>>>,
) -> Result<u64, String> {
    let _guard = DroppedAt(dropped);
    sleep(takes).await;
    answer
}

#[tokio::test(start_paused = true)]
async fn a_late_call_is_a_timeout_error() {
    let (limit, slow, _) = times();
    let dropped = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let got = within(limit, call(slow, Ok(7), Arc::clone(&dropped))).await;
    let took = start.elapsed();
    match &got {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
        other => panic!(
            "a call taking {slow:?}, given {limit:?}: expected an error of kind TimedOut, got {other:?}"
        ),
    }
    assert_eq!(
        took, limit,
        "given {limit:?}, within gave up after {took:?}: it must stop waiting at the limit, not when the call ends ({slow:?})"
    );
    let at = dropped.lock().unwrap().map(|d| d - start);
    assert_eq!(
        at,
        Some(limit),
        "the late call must be dropped (cancelled) at the limit, {limit:?}; it was dropped at {at:?} (None: never)"
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_in_time_gives_its_answer() {
    let (limit, _, quick) = times();
    let value = u64::from(std::process::id());
    let start = Instant::now();
    let got = within(limit, call(quick, Ok(value), Arc::default())).await;
    let took = start.elapsed();
    assert_eq!(
        got.as_ref().ok(),
        Some(&value),
        "a call answering {value} after {quick:?}, given {limit:?}: within answered {got:?}"
    );
    assert_eq!(
        took, quick,
        "the call answered after {quick:?} but within returned after {took:?}: it must not wait for the rest of the limit"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_is_its_own_error() {
    let (limit, _, quick) = times();
    let why = format!("order {} not found", std::process::id());
    let got = within(limit, call(quick, Err(why.clone()), Arc::default())).await;
    match got {
        Err(e) if e.kind() != io::ErrorKind::TimedOut && e.to_string().contains(&why) => {}
        other => panic!(
            "a call failing in time with \"{why}\" must give that error (of a kind other than TimedOut), got {other:?}"
        ),
    }
}
