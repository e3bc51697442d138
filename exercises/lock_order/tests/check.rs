//! The checker of `lock_order` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

// std's Arc, not loom's, to share the accounts: see `checker::model`.
use std::sync::Arc;

use checker::calls::serial;
use checker::model::explore;
use lock_order::{Account, Mutex, transfer_between};

const DEADLOCK: &str = "two transfers the opposite way waited for each other forever: in one interleaving each took its first lock and asked for the lock the other one held";

const WAITS_FOR_ITSELF: &str =
    "a transfer on its own waited forever: it asked for a lock its own thread already held";

/// Ids, balances and amounts the learner cannot guess: from the process id. The first
/// account's id is the lower one in some runs and the higher one in others.
fn setup() -> (u32, u32, i64, i64) {
    let seed = std::process::id();
    let (low, high) = (1 + seed % 7, 10 + seed % 5);
    let (first, second) = if seed.is_multiple_of(2) {
        (low, high)
    } else {
        (high, low)
    };
    let amount = 10 + i64::from(seed % 30);
    (first, second, 1_000 + i64::from(seed % 100), amount)
}

fn balances(a: &Account, b: &Account) -> (i64, i64) {
    (*a.balance.lock(), *b.balance.lock())
}

/// While it lives, a balance changed with only one lock held does not fail a model: the
/// deadlock's model leaves that to `moves_the_money_either_way`, whose requirement it is.
/// Only one model runs at a time (`serial`), so that the other one checks it.
struct BothHeldUnchecked;

impl BothHeldUnchecked {
    fn new() -> Self {
        Mutex::<i64>::check_both_held(false);
        BothHeldUnchecked
    }
}

impl Drop for BothHeldUnchecked {
    fn drop(&mut self) {
        Mutex::<i64>::check_both_held(true);
    }
}

#[test]
fn opposite_transfers_never_deadlock() {
    let _one_at_a_time = serial();
    let _unchecked = BothHeldUnchecked::new();
    let (id_a, id_b, start, amount) = setup();
    explore(DEADLOCK, None, move || {
        let a = Arc::new(Account::new(id_a, start));
        let b = Arc::new(Account::new(id_b, start));
        let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
        // One clerk moves `amount` from A to B, the other twice that from B to A.
        let clerk = loom::thread::spawn(move || transfer_between(&a2, &b2, amount));
        transfer_between(&b, &a, 2 * amount);
        clerk.join().unwrap();
        let got = balances(&a, &b);
        let want = (start + amount, start - amount);
        assert!(
            got == want,
            "A and B started at {start}; {amount} went from A to B and {} from B to A, and the balances are {got:?}, not {want:?}",
            2 * amount
        );
    });
}

#[test]
fn moves_the_money_either_way() {
    let _one_at_a_time = serial();
    let (id_a, id_b, start, amount) = setup();
    explore(WAITS_FOR_ITSELF, None, move || {
        let (a, b) = (Account::new(id_a, start), Account::new(id_b, start));
        transfer_between(&a, &b, amount);
        let (got, want) = (balances(&a, &b), (start - amount, start + amount));
        assert!(
            got == want,
            "A (id {id_a}) and B (id {id_b}) at {start}, {amount} moved from A to B: the balances are {got:?}, not {want:?}"
        );
        transfer_between(&b, &a, 3 * amount);
        let (got, want) = (balances(&a, &b), (start + 2 * amount, start - 2 * amount));
        assert!(
            got == want,
            "then {} moved back from B (id {id_b}) to A (id {id_a}): the balances are {got:?}, not {want:?}",
            3 * amount
        );
    });
}
