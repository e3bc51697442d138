//! The checker of `lost_update` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicU64, Ordering};
use lost_update::increment;

/// Two threads, one increment each, through every interleaving loom can make.
#[test]
fn no_update_is_lost() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    loom::model(|| {
        let counter = Arc::new(AtomicU64::new(0));
        let other = Arc::clone(&counter);
        let t = loom::thread::spawn(move || increment(&other));
        increment(&counter);
        t.join().unwrap();
        let total = counter.load(Ordering::SeqCst);
        let why = if total < 2 {
            "an update was lost: in this interleaving both threads read the counter before either stored"
        } else {
            "more was added than the two calls asked for"
        };
        assert_eq!(
            total, 2,
            "two threads added one each, and the counter says {total}: {why}"
        );
    });
}

/// The counter goes up by one per call from wherever it starts (nothing hard-coded).
#[test]
fn each_call_adds_one() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    loom::model(|| {
        let start = 40 + fastrand_like();
        let counter = AtomicU64::new(start);
        increment(&counter);
        increment(&counter);
        let got = counter.load(Ordering::SeqCst);
        assert_eq!(got, start + 2, "from {start}, two calls gave {got}");
    });
}

/// A start value the learner cannot guess: from the process id.
fn fastrand_like() -> u64 {
    u64::from(std::process::id() % 1000)
}

/// The model interleaves loom's types only: a lock or atomic from std, or `unsafe`, would go
/// unseen and pass or fail by luck; the answer's text is read, not run.
#[test]
fn uses_only_what_the_model_sees() {
    checker::source::assert_inside_the_model(
        env!("CARGO_MANIFEST_DIR"),
        "use the types the file imports (loom's when the checker runs, std's otherwise)",
    );
}
