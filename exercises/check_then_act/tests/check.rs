//! The checker of `check_then_act` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

// std's Arc, not loom's, to share the account: see `checker::model`.
use std::sync::Arc;

use check_then_act::Account;
use checker::model::explore;

const STUCK: &str = "a clerk waited forever for the lock: does `withdraw` ask for the lock while it already holds it (`self.balance()` locks too)?";

/// An amount and a starting balance that covers one withdrawal of it but not two, which the
/// learner cannot guess: from the process id.
fn one_fits() -> (i64, i64) {
    let amount = 50 + i64::from(std::process::id() % 50);
    (amount + amount / 2, amount)
}

/// Two clerks withdraw at once, through every interleaving loom can make.
#[test]
fn never_overdraws() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    let (start, amount) = one_fits();
    explore(STUCK, None, move || {
        let account = Arc::new(Account::new(start));
        let other = Arc::clone(&account);
        let clerk = loom::thread::spawn(move || other.withdraw(amount));
        let mine = account.withdraw(amount);
        let theirs = clerk.join().unwrap();
        let balance = account.balance();
        assert!(
            balance >= 0,
            "two clerks withdrew {amount} each from a balance of {start} at once, and the balance ended at {balance}: both passed the check before either subtracted"
        );
        assert!(
            mine != theirs && balance == start - amount,
            "two clerks withdrew {amount} each from {start}: approved {mine} and {theirs}, balance {balance}; exactly one should be paid"
        );
    });
}

#[test]
fn pays_what_is_covered() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    let (start, amount) = one_fits();
    explore(STUCK, None, move || {
        let account = Account::new(start);
        assert!(
            account.withdraw(amount),
            "withdrawing {amount} from {start} was refused"
        );
        let rest = start - amount;
        assert_eq!(
            account.balance(),
            rest,
            "after withdrawing {amount} from {start}"
        );
        assert!(
            account.withdraw(rest),
            "withdrawing all that is left ({rest} of {rest}) was refused"
        );
        assert_eq!(account.balance(), 0, "after withdrawing everything");
    });
}

#[test]
fn refuses_what_is_not_covered() {
    if !checker::source::inside_the_model(env!("CARGO_MANIFEST_DIR")) {
        return; // `uses_only_what_the_model_sees` says why
    }
    let (start, _) = one_fits();
    explore(STUCK, None, move || {
        let account = Account::new(start);
        assert!(
            !account.withdraw(start + 1),
            "withdrawing {} from {start} was approved",
            start + 1
        );
        assert_eq!(
            account.balance(),
            start,
            "a refused withdrawal changed the balance"
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

/// A clerk that refuses when the lock is busy turns away a withdrawal the balance covers; the
/// model cannot show that here, so the answer's text is read.
#[test]
fn waits_for_a_busy_lock() {
    checker::source::assert_waits_for_busy_locks(
        env!("CARGO_MANIFEST_DIR"),
        "a withdrawal the balance covers is refused only because another clerk was busy",
    );
}
