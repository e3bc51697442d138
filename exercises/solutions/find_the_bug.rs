//! # Find the bug from the trace
//!
//! Guide: "Debugging complexity" (good logging). Program: examples-pitfalls/src/bin/debugging/
//! (`cargo run -p examples-pitfalls --bin debugging -- --part trace`).
//!
//! Tellers deposit into one shared balance with `deposit`, which returns a receipt: the
//! balance just before and just after this deposit. A customer complains: two deposits of 10
//! into an empty account, and both receipts say 0 -> 10. Here is the log of that moment, from
//! a run of this very `deposit` (each line names its thread and its span, as the program's
//! log does; the two tellers were made to read before either added, as the program's part 1
//! makes them):
//!
//! ```text
//!    0.001346054s  INFO teller-b deposit{amount=10}: read balance=0
//!    0.001440862s  INFO teller-a deposit{amount=10}: read balance=0
//!    0.001467763s  INFO teller-a deposit{amount=10}: added before=0 after=10
//!    0.001480115s  INFO teller-b deposit{amount=10}: added before=0 after=10
//! balance 20; receipts: teller-a 0 -> 10, teller-b 0 -> 10
//! ```
//!
//! The balance is right, and one receipt is wrong. Match each line of the log to the step of
//! `deposit` that wrote it, and find the gap another teller's deposit fell into. Then fix
//! `deposit` so that in every interleaving every receipt is true and no deposit is lost.
//! Keep the signature.
//!
//! Check it: `cargo exercise check find_the_bug`. The checker is a loom model: two tellers
//! deposit amounts you cannot guess, through every interleaving there is; their receipts must
//! fit together (one of them went first, the other started where it ended).
//! The model sees only the types imported below (loom's when it runs): a lock or atomic taken
//! from std instead, or `unsafe`, is refused, because the model could not judge it.

// The types come from loom when model checking (the checker), from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::atomic::{AtomicU64, Ordering};
#[cfg(not(pitfalls_loom))]
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::info;

/// Adds `amount` to `balance`. Returns the receipt: the balance just before and just after
/// this deposit.
pub fn deposit(balance: &AtomicU64, amount: u64) -> (u64, u64) {
    let before = balance.fetch_add(amount, Ordering::SeqCst);
    info!(before, after = before + amount, "added");
    (before, before + amount)
}
