//! The checker of `philosophers` (do not edit: `cargo exercise check` notices). Run under
//! `--cfg pitfalls_loom`, which `cargo exercise check` sets.
#![cfg(pitfalls_loom)]

// std's Arc, not loom's, to share the forks: see `checker::model`.
use std::sync::Arc;

use checker::model::explore;
use loom::sync::Mutex;
use philosophers::fork_order;

/// Whether at a table of `seats` every philosopher takes its own two forks (the one on each
/// side, each once). If not, the deadlock tests stand aside: what they would see says nothing
/// true, and `each_uses_its_own_two_forks` says what is wrong.
fn own_forks(seats: usize) -> bool {
    (0..seats).all(|me| {
        let (left, right) = (me, (me + 1) % seats);
        let taken = fork_order(me, seats);
        taken == (left, right) || taken == (right, left)
    })
}

/// Three philosophers, one meal each, through every interleaving loom can make.
#[test]
fn three_never_deadlock() {
    const SEATS: usize = 3;
    if !own_forks(SEATS) {
        return;
    }
    explore(
        "in one interleaving every philosopher held one fork and waited forever for the next: the circle closed",
        None,
        || {
            let forks: Arc<Vec<Mutex<()>>> = Arc::new((0..SEATS).map(|_| Mutex::new(())).collect());
            let dine = |forks: &[Mutex<()>], me: usize| {
                let (first, second) = fork_order(me, SEATS);
                let _first = forks[first].lock().unwrap();
                let _second = forks[second].lock().unwrap();
            };
            let others: Vec<_> = (1..SEATS)
                .map(|me| {
                    let forks = Arc::clone(&forks);
                    loom::thread::spawn(move || dine(&forks, me))
                })
                .collect();
            dine(&forks, 0);
            for t in others {
                t.join().unwrap();
            }
        },
    );
}

/// Table sizes from 2 to 40: with one fork between each two neighbours, the circle closes
/// exactly when every philosopher can hold its first fork at the same time, that is when the
/// first forks are all different (then each one's second fork is someone's first).
#[test]
fn no_table_size_can_close_the_circle() {
    for seats in (2..=40).filter(|&seats| own_forks(seats)) {
        let mut firsts: Vec<usize> = (0..seats).map(|me| fork_order(me, seats).0).collect();
        firsts.sort_unstable();
        firsts.dedup();
        assert!(
            firsts.len() < seats,
            "at a table of {seats}, every philosopher can hold its first fork at once (each takes a different one first), and then each waits for its second forever"
        );
    }
}

#[test]
fn each_uses_its_own_two_forks() {
    for seats in 2..=40 {
        for me in 0..seats {
            let (first, second) = fork_order(me, seats);
            let (left, right) = (me, (me + 1) % seats);
            assert!(
                (first, second) == (left, right) || (first, second) == (right, left),
                "at a table of {seats}, philosopher {me} has forks {left} and {right}, and took ({first}, {second})"
            );
        }
    }
}
