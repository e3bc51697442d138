//! Every interleaving of three philosophers, one meal each, explored by loom: the naive table
//! can close the circle (all holding one fork: the deadlock), and neither fix ever does. Run
//! them in the folder of this program's crate with
//! `RUSTFLAGS="--cfg pitfalls_loom" cargo test --bin dining_philosophers --release --target-dir target/loom`.

use super::Waiter;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};

const N: usize = 3;

struct Table {
    forks: [Mutex<()>; N],
    waiter: Waiter,
    /// Philosophers holding their first fork right now.
    holding: AtomicUsize,
    fed: AtomicUsize,
}

/// What one explored dinner came to.
struct Outcome {
    circle_closed: bool,
    fed: usize,
}

/// Three philosophers, each taking forks in the order `pick(me)` gives. When all three hold
/// their first fork, each waits for a fork its neighbour holds: that state IS the deadlock.
/// The model records it, and the last philosopher puts its fork back instead of waiting
/// (so loom can finish exploring rather than hang there).
fn dinner(pick: fn(usize) -> (usize, usize), seats: usize) -> Outcome {
    let table = Arc::new(Table {
        forks: std::array::from_fn(|_| Mutex::new(())),
        waiter: Waiter::new(seats),
        holding: AtomicUsize::new(0),
        fed: AtomicUsize::new(0),
    });
    let dine = move |table: &Table, me: usize| -> bool {
        let (first, second) = pick(me);
        table.waiter.sit();
        let circle_closed = {
            let _a = table.forks[first].lock().unwrap();
            // Everyone holds one fork: the circle is closed; this one backs off.
            let closed = table.holding.fetch_add(1, Ordering::SeqCst) + 1 == N;
            if !closed {
                let _b = table.forks[second].lock().unwrap();
                table.fed.fetch_add(1, Ordering::SeqCst);
            }
            // Still holding the first fork, so the count is never stale.
            table.holding.fetch_sub(1, Ordering::SeqCst);
            closed
        };
        table.waiter.leave();
        circle_closed
    };
    let others: Vec<_> = (1..N)
        .map(|me| {
            let table = Arc::clone(&table);
            loom::thread::spawn(move || dine(&table, me))
        })
        .collect();
    let mut circle_closed = dine(&table, 0);
    for t in others {
        circle_closed |= t.join().unwrap();
    }
    Outcome {
        circle_closed,
        fed: table.fed.load(Ordering::SeqCst),
    }
}

/// Loom explores every interleaving with up to three preemptions (switches away from a
/// thread that could go on): 1.5 s here. Unbounded, three threads with a condvar ran for
/// more than half an hour; loom's docs suggest a bound of 2 or 3 as finding most bugs.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn left_then_right(me: usize) -> (usize, usize) {
    (me, (me + 1) % N)
}

fn lower_first(me: usize) -> (usize, usize) {
    let (l, r) = left_then_right(me);
    (l.min(r), l.max(r))
}

#[test]
fn loom_finds_the_philosophers_deadlock() {
    // Outside the model, shared by every explored execution.
    static CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    model(|| {
        // N seats: a waiter who lets everyone sit is no waiter.
        if dinner(left_then_right, N).circle_closed {
            CLOSED.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    assert!(
        CLOSED.load(std::sync::atomic::Ordering::SeqCst),
        "loom found no interleaving in which every philosopher holds one fork"
    );
}

#[test]
fn loom_proves_the_lock_ordering() {
    model(|| {
        let outcome = dinner(lower_first, N);
        assert!(!outcome.circle_closed);
        assert_eq!(outcome.fed, N);
    });
}

#[test]
fn loom_proves_the_waiter() {
    // One seat fewer than philosophers, like the program's four of five.
    model(|| {
        let outcome = dinner(left_then_right, N - 1);
        assert!(!outcome.circle_closed);
        assert_eq!(outcome.fed, N);
    });
}
