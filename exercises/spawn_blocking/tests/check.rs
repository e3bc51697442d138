//! The checker of `spawn_blocking` (do not edit: `cargo exercise check` notices). A heartbeat
//! task ticks every millisecond on a single-threaded runtime; the work waits at a `Gate` of
//! two until the heartbeat arrives there too. Off the runtime's thread, the next tick comes
//! at once; on it, no tick can come, and the gate gives up after a long patience.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use checker::{Gate, PATIENCE};
use spawn_blocking::off_the_runtime;

/// What the heartbeat and the work share.
#[derive(Default)]
struct Beat {
    ticks: AtomicU32,
    /// Set by the work when it starts waiting for a tick.
    work_waits: AtomicBool,
    stop: AtomicBool,
}

/// Ticks every millisecond until told to stop; the first tick after the work started waiting
/// arrives at the gate.
async fn heartbeat(beat: Arc<Beat>, gate: Arc<Gate>) {
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while !beat.stop.load(Ordering::SeqCst) {
        tick.tick().await;
        beat.ticks.fetch_add(1, Ordering::SeqCst);
        if beat.work_waits.swap(false, Ordering::SeqCst) {
            gate.wait();
        }
    }
}

/// Runs `f` on a fresh single-threaded runtime, under a watchdog that outlasts the gate's
/// patience; a panic inside is reported as `Err` with its message.
fn on_one_thread<T: Send + 'static>(
    f: impl AsyncFnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    checker::watchdog_after(
        PATIENCE * 3,
        "off_the_runtime never returned: the work was never run, or it was waited for in a way that blocks",
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .thread_name(POOL)
                .build()
                .expect("a tokio runtime");
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(f())))
                .map_err(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                })
        },
    )
}

/// The name of the runtime's pool threads (those for blocking work: the runtime itself runs
/// on the test's thread).
const POOL: &str = "checker-blocking-pool";

/// A value from the process id: nothing to hard-code.
fn value() -> u64 {
    1_000 + u64::from(std::process::id())
}

#[test]
fn the_heartbeat_ticks_while_the_work_runs() {
    let got = on_one_thread(async || {
        let (beat, gate) = (Arc::new(Beat::default()), Arc::new(Gate::new(2)));
        let heart = tokio::spawn(heartbeat(Arc::clone(&beat), Arc::clone(&gate)));
        let work_beat = Arc::clone(&beat);
        let got = off_the_runtime(move || {
            work_beat.work_waits.store(true, Ordering::SeqCst);
            let ticked = gate.wait(); // false after the patience: no tick came
            (ticked, value())
        })
        .await;
        beat.stop.store(true, Ordering::SeqCst);
        let _ = heart.await;
        got
    });
    match got {
        Ok(Ok((true, v))) if v == value() => {}
        Ok(Ok((false, _))) => panic!(
            "the heartbeat never ticked while the work ran ({}s of patience): the work held the runtime's only thread",
            PATIENCE.as_secs()
        ),
        other => panic!(
            "off_the_runtime answered {other:?}, expected Ok(({}))",
            value()
        ),
    }
}

#[test]
fn the_work_value_comes_back() {
    let expected = format!("report {}", value());
    let sent = expected.clone();
    let got = on_one_thread(async move || off_the_runtime(move || sent).await);
    assert_eq!(
        got,
        Ok(Ok(expected.clone())),
        "work returning {expected:?}: off_the_runtime answered {got:?}"
    );
}

#[test]
fn a_panicking_work_is_an_error() {
    checker::quiet_deliberate_panics();
    let got = on_one_thread(async || {
        off_the_runtime(|| -> u64 { panic!("a bug in the work {}", checker::DELIBERATE) }).await
    });
    match got {
        Ok(Err(_)) => {}
        Ok(Ok(v)) => panic!("the work panicked, and off_the_runtime answered Ok({v})"),
        Err(p) => panic!(
            "the work panicked, and off_the_runtime panicked too ({p:?}) instead of answering an Err"
        ),
    }
}

#[test]
fn the_work_runs_on_tokios_pool_for_blocking_work() {
    let got = on_one_thread(async || {
        off_the_runtime(|| std::thread::current().name().map(String::from)).await
    });
    assert_eq!(
        got,
        Ok(Ok(Some(POOL.to_string()))),
        "the work ran on a thread named {got:?}, not on tokio's pool of threads for blocking work (named {POOL:?} here): hand it to `tokio::task::spawn_blocking`. A thread of your own, polled from the runtime, keeps the runtime's thread busy checking on it"
    );
}
