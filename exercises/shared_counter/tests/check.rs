//! The checker of `shared_counter` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

use checker::model::explore;
use shared_counter::count;
use shared_counter::work::{Run, add_unasked, last_run};

const STUCK: &str = "the threads waited forever for a lock: is the counter locked twice in one statement (the first guard lives until the statement ends)?";

/// Numbers of threads and increments the learner cannot guess (from the process id), small
/// enough for loom to try every interleaving.
fn sizes() -> [(u32, u64); 2] {
    let seed = u64::from(std::process::id());
    [(2, 1 + seed % 2), (3, 1)]
}

#[test]
fn counts_every_increment() {
    for (threads, n) in sizes() {
        let expected = u64::from(threads) * n;
        explore(STUCK, None, move || match count(threads, n) {
            Ok((total, _)) => assert_eq!(
                total, expected,
                "{threads} threads x {n} increments counted {total}, not {expected}: in one interleaving an update was lost"
            ),
            Err(e) => panic!("count({threads}, {n}) failed: {e}"),
        });
    }
}

#[test]
fn every_thread_counts_through_hammer() {
    for (threads, n) in sizes() {
        explore(STUCK, None, move || {
            let _ = count(threads, n);
            assert_eq!(
                last_run(),
                Some(Run {
                    threads,
                    increments: n
                }),
                "count({threads}, {n}) must run its {threads} threads through `hammer({threads}, {n}, ..)`, once"
            );
        });
    }
}

/// The model interleaves loom's types only: a race on a std lock or atomic, or on a `Cell`
/// shared through `unsafe`, would go unseen and pass by luck. So the answer takes them from
/// `work::sync`, as the task says; its text is read, not run.
#[test]
fn shares_the_counter_with_types_the_model_sees() {
    checker::source::assert_inside_the_model(
        env!("CARGO_MANIFEST_DIR"),
        "take the lock or atomic from `work::sync` (loom's when checked; only `Arc` and `atomic::Ordering` may come from `std::sync`)",
    );
}

/// A count worked out from the arguments (`threads * n`) is not a count: here `hammer` runs
/// `add_one` more times than asked, and only a counter that counts says how many.
#[test]
fn counts_what_was_added_not_what_was_asked() {
    let extra = 1 + u64::from(std::process::id()) % 3;
    explore(STUCK, None, move || {
        add_unasked(extra);
        match count(1, 2) {
            Ok((total, _)) => assert_eq!(
                total,
                2 + extra,
                "the checker had `hammer` run `add_one` {} times (2 asked, {extra} more), and count(1, 2) said {total}: return what the counter counted, not a figure worked out from the arguments",
                2 + extra
            ),
            Err(e) => panic!("count(1, 2) failed: {e}"),
        }
    });
}

/// A thread that skips its increment when the lock is busy loses it; the model cannot show
/// that here, so the answer's text is read.
#[test]
fn waits_for_a_busy_lock() {
    checker::source::assert_waits_for_busy_locks(
        env!("CARGO_MANIFEST_DIR"),
        "the increment skipped while it was busy is lost",
    );
}
