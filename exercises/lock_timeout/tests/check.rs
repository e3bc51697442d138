//! The checker of `lock_timeout` (do not edit: `cargo exercise check` notices). No clock
//! decides anything here: a watchdog only tells "came back" from "never will", the lock is
//! freed for you only once you wait for it with a timeout, and how long you may wait is what
//! you asked the lock for (src/lock.rs notes it): the caller's `lock_timeout`, not your own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use checker::{PATIENCE, watchdog};
use lock_timeout::{Account, TimedOut, try_transfer};

/// A starting balance and an amount the learner cannot guess: from the process id.
fn setup() -> (i64, i64) {
    let seed = i64::from(std::process::id());
    (1_000 + seed % 100, 10 + seed % 30)
}

/// The caller's `lock_timeout` where the lock stays taken.
const LOCK_TIMEOUT: Duration = Duration::from_millis(10);

fn balances(a: &Account, b: &Account) -> (i64, i64) {
    (*a.balance.lock(), *b.balance.lock())
}

#[test]
fn gives_up_when_the_lock_stays_taken() {
    let (start, amount) = setup();
    let (a, b) = (Arc::new(Account::new(start)), Arc::new(Account::new(start)));
    // The checker holds `to`'s lock for the whole call, and never lets it go.
    let held = b.balance.lock();
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let (outcome, hook_calls, first_held) = watchdog(
        "try_transfer never came back while another thread held `to`'s lock: it must wait at most `lock_timeout` for it, then give up",
        move || {
            let (calls, first_held) = (AtomicUsize::new(0), AtomicBool::new(false));
            let outcome = try_transfer(&a2, &b2, amount, LOCK_TIMEOUT, || {
                calls.fetch_add(1, Ordering::SeqCst);
                first_held.store(a2.balance.is_locked(), Ordering::SeqCst);
            });
            (outcome, calls.into_inner(), first_held.into_inner())
        },
    );
    assert!(
        outcome == Err(TimedOut),
        "another thread held `to`'s lock throughout, and try_transfer returned {outcome:?}, not Err(TimedOut)"
    );
    // How long it asked to wait, from the lock itself: at most the caller's `lock_timeout`,
    // once (the caller backs off and retries, not try_transfer).
    let waits = b.balance.timed_waits();
    assert!(
        waits.len() == 1 && waits[0] <= LOCK_TIMEOUT,
        "with `lock_timeout` {LOCK_TIMEOUT:?}, try_transfer asked for `to`'s lock {} time(s) with a timeout, for at most {waits:?}: ask once, for at most `lock_timeout` (the caller's, not a timeout of your own), then give up",
        waits.len()
    );
    assert!(
        hook_calls == 1 && first_held,
        "`holding_first()` must be called once, while `from`'s lock is held (it was called {hook_calls} time(s), {})",
        if first_held {
            "with it held"
        } else {
            "without it"
        }
    );
    assert!(
        !a.balance.is_locked(),
        "try_transfer gave up but `from`'s lock is still held: release it, or the other clerk can never go on"
    );
    drop(held);
    let got = balances(&a, &b);
    assert!(
        got == (start, start),
        "try_transfer gave up, yet the balances changed: {got:?}, not {:?}",
        (start, start)
    );
}

#[test]
fn takes_the_lock_freed_while_it_waits() {
    let (start, amount) = setup();
    let (a, b) = (Arc::new(Account::new(start)), Arc::new(Account::new(start)));
    let done = Arc::new(AtomicBool::new(false));
    // A holder takes `to`'s lock and lets it go as soon as someone waits for it with a
    // timeout (or the call is over), and not before.
    let taken = Arc::new(Barrier::new(2));
    let holder = {
        let (b, done, taken) = (Arc::clone(&b), Arc::clone(&done), Arc::clone(&taken));
        thread::spawn(move || {
            let held = b.balance.lock();
            taken.wait();
            while b.balance.timed_waits().is_empty() && !done.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            drop(held);
        })
    };
    taken.wait();
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let lock_timeout = PATIENCE * 3;
    let outcome = watchdog(
        "try_transfer never came back: the lock it waited for is freed as soon as it is asked for with a timeout (`try_lock_for`), and it never was. Is it waiting with `lock()`, sleeping, or trying `try_lock()` again and again instead?",
        move || {
            let outcome = try_transfer(&a2, &b2, amount, lock_timeout, || {});
            done.store(true, Ordering::SeqCst);
            outcome
        },
    );
    holder.join().unwrap();
    // Asked of the lock itself, not timed: as long as the caller allows (try_lock_until's
    // deadline, computed just before the call, is short of it by far less than PATIENCE).
    let waits = b.balance.timed_waits();
    assert!(
        waits
            .first()
            .is_some_and(|w| *w <= lock_timeout && *w > lock_timeout - PATIENCE),
        "the caller's `lock_timeout` was {lock_timeout:?}, and try_transfer asked to wait at most {:?} for `to`'s lock: wait as long as `lock_timeout` allows, not a timeout of your own",
        waits.first().unwrap_or(&Duration::ZERO)
    );
    assert!(
        outcome.is_ok(),
        "`to`'s lock was freed while try_transfer waited (with a timeout of minutes), and it returned {outcome:?}: wait up to `lock_timeout` with `try_lock_for`, do not give up at once"
    );
    let (got, want) = (balances(&a, &b), (start - amount, start + amount));
    assert!(
        got == want,
        "{amount} moved from A to B, both at {start}: the balances are {got:?}, not {want:?}"
    );
}

/// The program's scene: two clerks transfer the opposite way, both holding their first lock
/// before either asks for its second (a barrier in `holding_first`, on the first try). Each
/// backs off and retries after an error, as the program's clerks do.
#[test]
fn opposite_clerks_both_finish() {
    let (start, amount) = setup();
    let transfers = 20;
    let (a, b) = (Arc::new(Account::new(start)), Arc::new(Account::new(start)));
    let collide = Arc::new(Barrier::new(2));
    let clerk = |from: Arc<Account>, to: Arc<Account>, seed: u64| {
        let collide = Arc::clone(&collide);
        move || {
            let (mut retries, mut rng) = (0u32, seed);
            for n in 0..transfers {
                let mut attempt = 0u32;
                loop {
                    let first = n == 0 && attempt == 0;
                    let hook = || {
                        if first {
                            collide.wait();
                        }
                    };
                    if try_transfer(&from, &to, amount, Duration::from_millis(5), hook).is_ok() {
                        break;
                    }
                    retries += 1;
                    attempt += 1;
                    // A random back-off (a small xorshift: no dependency), so that the two
                    // clerks do not retry in lockstep.
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let cap_us = 100u64 << attempt.min(6);
                    thread::sleep(Duration::from_micros(rng % (cap_us + 1)));
                }
            }
            retries
        }
    };
    let alice = clerk(Arc::clone(&a), Arc::clone(&b), 0x9e37_79b9_7f4a_7c15);
    let bob = clerk(Arc::clone(&b), Arc::clone(&a), 0x2545_f491_4f6c_dd1d);
    let retries = watchdog(
        "two clerks transferring the opposite way never finished: does try_transfer give up on the second lock after `lock_timeout`?",
        move || {
            let bob = thread::spawn(bob);
            let mine = alice();
            mine + bob.join().unwrap()
        },
    );
    assert!(
        retries >= 1,
        "both clerks held their first lock and asked for the other's, yet neither gave up once: is the first lock taken before `holding_first()` is called?"
    );
    let (got, want) = (balances(&a, &b), (start, start));
    assert!(
        got == want,
        "each clerk moved {amount} {transfers} times, one each way: the balances are {got:?}, not {want:?}"
    );
}
