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

/// Two late calls: (limit, call time), with two different limits, so that no limit of one's
/// own passes both.
fn late_calls() -> [(Duration, Duration); 2] {
    let (limit, slow, _) = times();
    let other = limit + Duration::from_millis(1 + u64::from(std::process::id()) % 97);
    [(limit, slow), (other, other + (slow - limit))]
}

/// A call that takes `takes`, then answers `answer`. Once it has started (been polled),
/// `dropped` holds `Some(None)`, and `Some(Some(when))` once it has been dropped.
async fn call(
    takes: Duration,
    answer: Result<u64, String>,
    dropped: Arc<Mutex<Option<Option<Instant>>>>,
) -> Result<u64, String> {
    *dropped.lock().unwrap() = Some(None);
    let _guard = DroppedAt(dropped);
    sleep(takes).await;
    answer
}

/// Records when (on the paused clock) the call it lives in was dropped.
struct DroppedAt(Arc<Mutex<Option<Option<Instant>>>>);

impl Drop for DroppedAt {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(Some(Instant::now()));
    }
}

/// An answer of `within`, in words.
fn show(answer: &io::Result<u64>) -> String {
    match answer {
        Ok(value) => format!("Ok({value})"),
        Err(e) => format!("an error of kind {:?} (\"{e}\")", e.kind()),
    }
}

/// What `within` made of a late call: its answer, when it answered, and whether the call
/// started and when it was dropped (from the start, on the paused clock).
async fn late(
    limit: Duration,
    slow: Duration,
) -> (io::Result<u64>, Duration, Option<Option<Duration>>) {
    let dropped = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let got = within(limit, call(slow, Ok(7), Arc::clone(&dropped))).await;
    let took = start.elapsed();
    let at = dropped.lock().unwrap().map(|d| d.map(|d| d - start));
    (got, took, at)
}

#[tokio::test(start_paused = true)]
async fn a_late_call_is_given_up_at_the_limit() {
    for (limit, slow) in late_calls() {
        let (got, took, dropped) = late(limit, slow).await;
        if let Ok(answer) = got {
            panic!(
                "a call taking {slow:?}, given {limit:?}: `within` answered Ok({answer}) after {took:?}, when the call ended: it must give up at the limit and answer an error"
            );
        }
        assert!(
            took >= limit,
            "a call taking {slow:?}, given {limit:?}: `within` gave up after {took:?}, too early: it must wait until the limit passes"
        );
        assert!(
            took != slow,
            "a call taking {slow:?}, given {limit:?}: `within` answered after {took:?}, when the call ended: it must stop waiting at the limit, not when the call ends"
        );
        assert!(
            took == limit,
            "a call taking {slow:?}, given {limit:?}: `within` gave up late: at {took:?}, the limit was {limit:?}"
        );
        let Some(dropped) = dropped else {
            panic!(
                "a call taking {slow:?}, given {limit:?}: `within` gave up at the limit, but never ran the call: it must await it (poll it) until the limit passes"
            );
        };
        let Some(dropped) = dropped else {
            panic!(
                "a call taking {slow:?}, given {limit:?}: `within` gave up at the limit, but the call was never dropped: it still waits, uncancelled; drop it (stop polling it) when you give up"
            );
        };
        assert!(
            dropped == limit,
            "a call taking {slow:?}, given {limit:?}: `within` gave up at the limit, but the call was dropped (cancelled) at {dropped:?}, not then"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_late_call_is_a_timeout_error() {
    for (limit, slow) in late_calls() {
        // Whether and when `within` gives up is the test above's; this one checks the error.
        if let (Err(e), _, _) = late(limit, slow).await {
            assert!(
                e.kind() == io::ErrorKind::TimedOut,
                "a call taking {slow:?}, given {limit:?}: `within` gave up with an error of kind {:?} ({e}): a late call's error must be of kind `TimedOut`",
                e.kind()
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_call_in_time_gives_its_answer() {
    let (limit, _, quick) = times();
    let value = u64::from(std::process::id());
    let start = Instant::now();
    let got = within(limit, call(quick, Ok(value), Arc::default())).await;
    let took = start.elapsed();
    assert!(
        got.as_ref().ok() == Some(&value),
        "a call answering {value} after {quick:?}, given {limit:?}: `within` answered {}, not Ok({value})",
        show(&got)
    );
    assert!(
        took == quick,
        "the call answered after {quick:?} but `within` returned after {took:?}: it must answer as soon as the call does, not wait for the rest of the limit ({limit:?})"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_is_its_own_error() {
    let (limit, _, quick) = times();
    let why = format!("order {} not found", std::process::id());
    let got = within(limit, call(quick, Err(why.clone()), Arc::default())).await;
    match got {
        Err(e) if e.kind() != io::ErrorKind::TimedOut && e.to_string().contains(&why) => {}
        Err(e) if e.kind() == io::ErrorKind::TimedOut => panic!(
            "a call failing in time with \"{why}\": `within` answered an error of kind TimedOut ({e}): only a call still unfinished at the limit is a timeout; give the call's own error, of any other kind (`io::Error::other(e)` gives kind `Other`)"
        ),
        other => panic!(
            "a call failing in time with \"{why}\": `within` answered {}; it must answer an `io::Error` whose message is the call's (\"{why}\"), of any kind but TimedOut (`io::Error::other(e)` gives kind `Other`)",
            show(&other)
        ),
    }
}
