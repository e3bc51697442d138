//! The checker of `shared_counter` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

use checker::model::explore;
use shared_counter::count;
use shared_counter::work::{Run, last_run};

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
