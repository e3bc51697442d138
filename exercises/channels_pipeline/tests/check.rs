//! The checker of `channels_pipeline` (do not edit: `cargo exercise check` notices).

use std::sync::Arc;

use channels_pipeline::pipeline;
use channels_pipeline::work::{RUN, Run, watch};
use checker::calls::serial;

/// Message and worker counts that change from run to run, so no answer can be written in.
fn sizes() -> (u64, u32) {
    let pid = u64::from(std::process::id());
    (200 + pid % 300, 3 + (pid % 2) as u32)
}

/// Runs the learner's pipeline under the watch, with a watchdog.
/// `at_once`: whether each worker's first call waits for the others (only the test of that
/// needs it: the others run free).
fn run(messages: u64, workers: u32, at_once: bool) -> (u64, Arc<Run>) {
    let _one_at_a_time = serial();
    let parties = if at_once {
        u64::from(workers).min(messages)
    } else {
        1
    };
    let watched = watch(parties as usize);
    let _watching = RUN.watch(Arc::clone(&watched));
    // Beyond the gate's own patience, so that a run that waited there is reported as that.
    let limit = checker::PATIENCE * if at_once { 3 } else { 1 };
    let sum = checker::watchdog_after(
        limit,
        "the pipeline never returned: is something waiting on a channel whose senders are not all dropped? Each worker's clone of a results sender is dropped when it ends, but the original one, kept by `pipeline`, must be dropped by hand (and the producer's jobs sender once every job is sent)",
        move || pipeline(messages, workers),
    );
    (sum, watched)
}

fn expected(messages: u64) -> u64 {
    (1..=messages).map(|x| x * x % 1_000_003).sum()
}

#[test]
fn the_workers_work_at_once() {
    let (messages, workers) = sizes();
    let (_, watched) = run(messages, workers, true);
    assert!(
        !watched.workers.gave_up(),
        "{workers} workers were asked for, but only {} thread(s) ever called `work`, and they never held a message each at the same time: the messages were worked on one at a time",
        watched.workers.threads()
    );
    let threads = watched.workers.threads();
    assert!(
        threads <= workers as usize,
        "{threads} threads called `work` for {workers} workers: the workers do all the work; `pipeline`'s own thread only sends the jobs and adds up"
    );
}

#[test]
fn every_message_exactly_once() {
    let (messages, workers) = sizes();
    let (_, watched) = run(messages, workers, false);
    let mut seen = watched.seen.lock().unwrap().clone();
    seen.sort_unstable();
    let mut twice: Vec<u64> = seen
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    twice.dedup();
    seen.dedup();
    let missing: Vec<u64> = (1..=messages)
        .filter(|x| seen.binary_search(x).is_err())
        .collect();
    assert!(
        missing.is_empty() && twice.is_empty(),
        "of the messages 1..={messages}, {} never reached `work` (first: {:?}) and {} reached it more than once (first: {:?})",
        missing.len(),
        missing.first(),
        twice.len(),
        twice.first()
    );
}

#[test]
fn the_sum_is_right() {
    let (messages, workers) = sizes();
    for (messages, workers) in [(messages, workers), (messages + 17, workers + 1), (2, 2)] {
        let (sum, _) = run(messages, workers, false);
        assert_eq!(
            sum,
            expected(messages),
            "{messages} messages on {workers} workers: the sum of the results should be {}, the pipeline returned {sum}",
            expected(messages)
        );
    }
}
