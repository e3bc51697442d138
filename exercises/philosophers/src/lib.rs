//! # The dining philosophers
//!
//! Guide: "Deadlocks" (consistent lock ordering). Program:
//! examples-pitfalls/src/bin/dining_philosophers/
//! (`cargo run -p examples-pitfalls --bin dining_philosophers`, then with `-- --fix ordering`).
//!
//! `seats` philosophers sit at a round table, with a fork between each two neighbours:
//! philosopher `me` has fork `me` on its left and fork `(me + 1) % seats` on its right, and
//! needs both to eat. Each one locks the two forks in the order `fork_order` gives, the first
//! then the second. As written, everyone takes the left fork first: if all of them do it at
//! the same moment, each holds one fork and waits forever for the next, a circle of waiting.
//! Change the order so that the circle can never close, at a table of any size. Each
//! philosopher must still use its own two forks. Keep the signature.
//!
//! Check it: `cargo exercise check philosophers`. The checker is a loom model: three
//! philosophers take their forks through every interleaving there is, so a deadlock is found
//! every time; and for tables of 2 to 40 it checks that the philosophers cannot all be holding
//! their first fork at once (which is how the circle closes).

/// The forks philosopher `me` picks up, in order: (first, second).
pub fn fork_order(me: usize, seats: usize) -> (usize, usize) {
    let (left, right) = (me, (me + 1) % seats);
    (left, right)
}
