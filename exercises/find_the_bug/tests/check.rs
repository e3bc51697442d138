//! The checker of `find_the_bug` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

// std's Arc, not loom's, to share the balance: see `checker::model`.
use std::sync::Arc;

use checker::model::explore;
use find_the_bug::deposit;
use loom::sync::atomic::{AtomicU64, Ordering};

const STUCK: &str = "a teller waited forever: deposit must not wait for anything";

/// A starting balance and two amounts the learner cannot guess: from the process id.
fn setup() -> (u64, u64, u64) {
    let seed = u64::from(std::process::id());
    (100 + seed % 900, 10 + seed % 7, 20 + seed % 11)
}

/// Two tellers deposit at once, through every interleaving loom can make.
#[test]
fn receipts_fit_together() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    let (start, x, y) = setup();
    explore(STUCK, None, move || {
        let balance = Arc::new(AtomicU64::new(start));
        let other = Arc::clone(&balance);
        let teller = loom::thread::spawn(move || deposit(&other, y));
        let mine = deposit(&balance, x);
        let theirs = teller.join().unwrap();
        let total = balance.load(Ordering::SeqCst);
        assert!(
            total == start + x + y,
            "from {start}, deposits of {x} and {y} left a balance of {total}, not {}: a deposit was lost",
            start + x + y
        );
        // Either this teller went first, or the other one did.
        let fits = (mine == (start, start + x) && theirs == (start + x, start + x + y))
            || (theirs == (start, start + y) && mine == (start + y, start + x + y));
        assert!(
            fits,
            "from {start}, deposits of {x} and {y} gave the receipts {} -> {} and {} -> {}: they do not fit together (one deposit went first, and the other started where it ended)",
            mine.0, mine.1, theirs.0, theirs.1
        );
    });
}

#[test]
fn one_deposit_one_true_receipt() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    let (start, x, _) = setup();
    explore(STUCK, None, move || {
        let balance = AtomicU64::new(start);
        let receipt = deposit(&balance, x);
        let total = balance.load(Ordering::SeqCst);
        assert!(
            receipt == (start, start + x) && total == start + x,
            "one deposit of {x} into {start}: receipt {} -> {}, balance {total}",
            receipt.0,
            receipt.1
        );
    });
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
