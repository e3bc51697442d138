//! The checker of `async_race` (do not edit: `cargo exercise check` notices). Every test runs
//! on one thread with tokio's clock paused: it moves only when every task waits, so the
//! interleaving is the same on every run, and times are exact, whatever the machine's load.

use std::rc::Rc;
use std::time::Duration;

use async_race::{Shared, increment};
use tokio::task::{LocalSet, spawn_local};
use tokio::time::Instant;

/// A number of tasks, a starting count and a call's length the learner cannot guess: from
/// the process id.
fn setup() -> (u64, u64, Duration) {
    let seed = u64::from(std::process::id());
    (
        10 + seed % 50,
        100 + seed % 1_000,
        Duration::from_millis(5 + seed % 20),
    )
}

#[test]
fn no_update_is_lost() {
    let (tasks, start, pause) = setup();
    // Under a watchdog: a blocking lock held across the await stops the only thread, for ever.
    let got = checker::watchdog(
        "the tasks never finished: the runtime's only thread was stuck. Is a std (blocking) lock held across the `.await`? The next task to ask for it blocks the thread, and the task holding it never runs again to let it go",
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .expect("a tokio runtime");
            let shared = Shared::new(start);
            runtime.block_on(LocalSet::new().run_until(async {
                let handles: Vec<_> = (0..tasks)
                    .map(|_| spawn_local(increment(Rc::clone(&shared), pause)))
                    .collect();
                for h in handles {
                    h.await.expect("an increment task panicked");
                }
            }));
            shared.counter.get()
        },
    );
    let want = start + tasks;
    assert!(
        got == want,
        "{tasks} tasks each added one to {start} on one thread, and the counter says {got}, not {want}: {} updates were lost across the await",
        want.saturating_sub(got)
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_call_still_takes_its_time() {
    let (_, start, pause) = setup();
    let shared = Shared::new(start);
    let began = Instant::now();
    LocalSet::new()
        .run_until(increment(Rc::clone(&shared), pause))
        .await;
    let took = began.elapsed();
    assert!(
        took == pause,
        "one increment took {took:?} on the runtime's clock, not {pause:?}: it must still await the call, `sleep(pause)`, once"
    );
    assert_eq!(
        shared.counter.get(),
        start + 1,
        "one increment from {start}"
    );
}
