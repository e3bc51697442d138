//! The checker of `chef_overlap` (do not edit: `cargo exercise check` notices). Every test
//! runs on a single thread with tokio's paused clock: time moves only when every task waits,
//! straight to the next timer, so durations are exact and the same on every machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chef_overlap::cook_all;
use tokio::time::{Duration, Instant, sleep};

/// Counts the dishes simmering at once, and the dishes done.
#[derive(Default)]
struct Stove {
    now: AtomicUsize,
    most: AtomicUsize,
    done: AtomicUsize,
}

/// A dish: hands-on work (no waiting), then `simmer` of waiting, then done. `panics`: a bug.
async fn dish(simmer: Duration, stove: Arc<Stove>, panics: bool) {
    let now = stove.now.fetch_add(1, Ordering::SeqCst) + 1;
    stove.most.fetch_max(now, Ordering::SeqCst);
    sleep(simmer).await;
    stove.now.fetch_sub(1, Ordering::SeqCst);
    if panics {
        panic!("the dish burnt {}", checker::DELIBERATE);
    }
    stove.done.fetch_add(1, Ordering::SeqCst);
}

/// Three to five simmering times, in whole milliseconds, that the learner cannot guess.
fn simmer_times() -> Vec<Duration> {
    let seed = u64::from(std::process::id());
    let n = 3 + (seed % 3) as usize;
    (0..n as u64)
        .map(|i| Duration::from_millis(100 + (seed * (i + 7) * 37) % 400))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_waits_overlap() {
    let times = simmer_times();
    let stove = Arc::new(Stove::default());
    let start = Instant::now();
    cook_all(times.iter().map(|&t| dish(t, Arc::clone(&stove), false))).await;
    let took = start.elapsed();
    let longest = *times.iter().max().unwrap();
    let sum: Duration = times.iter().sum();
    let most = stove.most.load(Ordering::SeqCst);
    let n = times.len();
    assert!(
        took >= longest,
        "{n} dishes simmering {times:?}: cook_all returned after {took:?}, before the longest dish ({longest:?}) was done: await every dish before returning"
    );
    assert_eq!(
        most, n,
        "{n} dishes simmering {times:?} took {took:?}; the longest simmers {longest:?}, all of them one after another {sum:?}: at most {most} of the {n} simmered at once, so the dishes did not wait at the same time"
    );
    assert_eq!(
        took, longest,
        "all {n} dishes simmered at once, yet cook_all took {took:?}, longer than the longest dish ({longest:?}): it waited for something other than the dishes (a fixed sleep?); await the dishes themselves"
    );
}

#[tokio::test(start_paused = true)]
async fn every_dish_is_cooked() {
    let times = simmer_times();
    let stove = Arc::new(Stove::default());
    let failed = cook_all(times.iter().map(|&t| dish(t, Arc::clone(&stove), false))).await;
    let done = stove.done.load(Ordering::SeqCst);
    assert_eq!(
        (done, failed),
        (times.len(), 0),
        "{} dishes, none of them failing: {done} were cooked to the end before cook_all returned, and it counted {failed} failed",
        times.len()
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_dish_is_counted_and_the_others_are_cooked() {
    checker::quiet_deliberate_panics();
    let times = simmer_times();
    let burnt = std::process::id() as usize % times.len();
    let stove = Arc::new(Stove::default());
    let on_stove = Arc::clone(&stove);
    let dishes = times
        .clone()
        .into_iter()
        .enumerate()
        .map(move |(i, t)| dish(t, Arc::clone(&on_stove), i == burnt));
    // cook_all runs as a task of its own, so that a panic it lets out is seen as such.
    let cooked = tokio::task::LocalSet::new()
        .run_until(async { tokio::task::spawn_local(cook_all(dishes)).await })
        .await;
    let Ok(failed) = cooked else {
        panic!(
            "dish {} of {} panicked, and the panic came out of cook_all itself: run each dish as a task of its own (`tokio::spawn`), whose handle reports its panic as an `Err` to count",
            burnt + 1,
            times.len()
        );
    };
    let done = stove.done.load(Ordering::SeqCst);
    assert_eq!(
        (failed, done),
        (1, times.len() - 1),
        "dish {} of {} panicked: cook_all counted {failed} failed, and {done} of the others were cooked to the end",
        burnt + 1,
        times.len()
    );
}
