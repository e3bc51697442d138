//! Deadlock: two threads take two locks in opposite order, and wait for each other forever.
//!
//! Two clerks move money between accounts A and B, and each locks both accounts for a
//! transfer. Alice locks A then B; Bob locks B then A. A `Barrier` lets each take its first
//! lock before either asks for its second, so the deadlock happens on every run instead of once
//! in a million, as it would in production. The main thread is a watchdog: it asks
//! parking_lot's deadlock detector every 50 ms, prints who holds which lock and waits for which,
//! and exits. Two fixes follow: one global lock order, and giving up after a timeout.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin deadlock
//!   cargo run -p examples-pitfalls --bin deadlock -- --fix ordering
//!   cargo run -p examples-pitfalls --bin deadlock -- --fix timeout
//!   cargo run -p examples-pitfalls --bin deadlock -- --fix timeout --transfers 100000 --lock-timeout-ms 1
//!
//! You will see: without `--fix`, each clerk holding one account and asking for the other, then
//! the watchdog's report of the cycle (alice holds A and waits for B, held by bob, who waits for
//! A) within a fraction of a second (more than the 50 ms poll: before it reports, the detector
//! has each stuck thread record its backtrace, slow in a debug build), and exit status 0: the
//! demo showed what it teaches. With `--fix ordering`, every transfer done and the money all
//! there; with `--fix timeout`, the same, plus how many times a clerk gave up, released its
//! lock and retried: at least once, because the barrier makes the first transfers collide, and
//! the first clerk to give up lets the other one through.
//!
//! Python: two `threading.Lock()`s taken as `with a: with b:` in one thread and
//! `with b: with a:` in the other; the fixes are one order for every thread, and
//! `b.acquire(timeout=0.01)` with a back-off. Python has no built-in detector: `faulthandler`
//! dumping the stacks of a hung program is the nearest thing.
//!
//! Try this: remove the `BARRIER.wait()` under `None =>` in `clerk` and run the demo a few
//! times: the deadlock becomes a matter of luck (some runs finish every transfer, and the
//! program says so), which is how it hides in tests. With `--fix timeout`, make the
//! back-off a constant instead of random: the clerks can retry in lockstep (a livelock: the
//! suite "concurrency by example" shows one in `livelock`). With `--fix ordering`, make
//! `transfer_in_order` (in `transfers.rs`) lock `from` then `to` instead of `low` then `high`,
//! so that Bob's order is the opposite of Alice's again, and run it a few times (or with
//! `--transfers 1000000`): nothing forces the collision now, so some runs finish, and in the
//! others the watchdog reports the cycle (exit status 1: a fix that deadlocks has failed).
//!
//! Copy it out: `cargo xtask copy-out deadlock DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! fastrand = "2"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = { version = "0.13", features = ["deadlock_detection"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod transfers;
mod watchdog;

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use shared::{Table, fmt_duration};
use transfers::{transfer, transfer_in_order, try_transfer};

const START_BALANCE: i64 = 1_000;

#[derive(Parser, Debug)]
#[command(
    about = "Two threads, two locks, opposite order: a certain deadlock, detected, and two fixes"
)]
struct Args {
    /// Fix the deadlock: take the locks in one global order, or give up on the second lock
    /// after a timeout and retry.
    #[arg(long, value_enum)]
    fix: Option<Fix>,
    /// Transfers each clerk makes (the fixes; the demo deadlocks on its first).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    transfers: u32,
    /// How long `try_lock_for` waits for the second lock before giving up (`--fix timeout`).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    lock_timeout_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Fix {
    /// Every thread locks the account with the lower id first.
    Ordering,
    /// Take the first lock, try the second with a timeout; on failure release and retry.
    Timeout,
}

struct Account {
    id: u8,
    name: &'static str,
    balance: Mutex<i64>,
}

static A: Account = Account {
    id: 0,
    name: "A",
    balance: Mutex::new(START_BALANCE),
};
static B: Account = Account {
    id: 1,
    name: "B",
    balance: Mutex::new(START_BALANCE),
};

/// Makes both clerks hold their first lock before either asks for its second.
static BARRIER: Barrier = Barrier::new(2);

/// One clerk's work: `transfers` transfers of 1 from `from` to `to`. Returns the retries.
fn clerk(
    name: &'static str,
    from: &'static Account,
    to: &'static Account,
    transfers: u32,
    fix: Option<Fix>,
    lock_timeout: Duration,
) -> u64 {
    let mut retries = 0;
    for n in 0..transfers {
        let first_transfer = n == 0;
        match fix {
            None => {
                let mut a = from.balance.lock();
                if first_transfer {
                    // Both clerks now hold their first account; neither has asked for the
                    // second. From here the deadlock is certain.
                    BARRIER.wait();
                    watchdog::announce(name, from.name, to.name);
                }
                let mut b = to.balance.lock(); // <- both threads block here, forever
                transfer(&mut a, &mut b, 1);
            }
            Some(Fix::Ordering) => {
                // CHANGED: lock in one global order (by id), whichever way the money goes.
                // The barrier cannot sit between the two locks any more (the other clerk
                // waits for our first lock, so it would never reach the barrier), so the
                // clerks only start together.
                if first_transfer {
                    BARRIER.wait();
                }
                transfer_in_order(from, to, 1);
            }
            Some(Fix::Timeout) => {
                // CHANGED: never wait forever for the second lock. On a timeout, release the
                // first one so that the other clerk can finish, back off, and try again.
                let mut attempt = 0u32;
                loop {
                    // The first try collides as in the demo: both hold their first lock.
                    let collide = first_transfer && attempt == 0;
                    let holding_first = || {
                        if collide {
                            BARRIER.wait();
                        }
                    };
                    if try_transfer(from, to, 1, lock_timeout, holding_first).is_ok() {
                        break;
                    }
                    retries += 1;
                    attempt += 1;
                    // Random back-off, growing with each failure: if both clerks waited the
                    // same time they could collide again and again.
                    let cap_us = 100u64 << attempt.min(6);
                    thread::sleep(Duration::from_micros(fastrand::u64(0..=cap_us)));
                }
            }
        }
    }
    retries
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The cap on run time of the fixes (the demo deadlocks on its first transfer): about 1 ms
    // per 10,000 transfers a clerk (`--fix ordering` at most 1 s), plus, with `--fix timeout`, a
    // timeout for each collision, of which this machine saw one per 20,000 to 100,000 transfers
    // (counted as one per 10,000, plus the 2 forced at the start). At most about 20 s, then.
    let ms = |a: &Args| {
        let t = u128::from(a.transfers);
        let timeouts = u128::from(a.fix == Some(Fix::Timeout)) * (2 + t / 10_000);
        t / 10_000 + timeouts * u128::from(a.lock_timeout_ms)
    };
    // The defaults, from clap, with this run's fix.
    let d = Args {
        fix: args.fix,
        ..Args::parse_from(["deadlock"])
    };
    let lower = "--transfers or --lock-timeout-ms";
    let what = "estimated milliseconds (the transfers, and any timeouts expected)";
    if args.fix.is_some()
        && let Err(refused) = shared::cli::cap_work(what, ms(&args), ms(&d), 20_000, lower)
    {
        return refused;
    }
    let lock_timeout = Duration::from_millis(args.lock_timeout_ms);
    let plan = [("alice", &A, &B), ("bob", &B, &A)];
    match args.fix {
        None => println!(
            "Two clerks take two locks in opposite order (alice: A then B; bob: B then A)."
        ),
        Some(Fix::Ordering) => {
            println!("Fix: both clerks lock A before B, whichever way the money goes.")
        }
        Some(Fix::Timeout) => println!(
            "Fix: take the second lock with try_lock_for({}); on a timeout release the first, back off, retry.",
            fmt_duration(lock_timeout)
        ),
    }

    let start = Instant::now();
    let mut clerks = Vec::new();
    for (name, from, to) in plan {
        let spawned = thread::Builder::new().name(name.into()).spawn(move || {
            let retries = clerk(name, from, to, args.transfers, args.fix, lock_timeout);
            (retries, start.elapsed()) // when this clerk finished
        });
        match spawned {
            Ok(handle) => clerks.push((name, from, to, handle)),
            Err(e) => {
                eprintln!("error: cannot start a thread: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    // Watch rather than join: a deadlocked clerk never returns. Returning from main ends the
    // process, stuck threads and all. The demo gets a time limit; the fixes run to the end,
    // unless they deadlock after all (see Try this).
    let give_up = args.fix.is_none().then_some(watchdog::GIVE_UP_AFTER);
    let finished = || clerks.iter().all(|(.., h)| h.is_finished());
    match (watchdog::watch(start, finished, give_up), args.fix) {
        (watchdog::Outcome::Deadlock(report), None) => {
            println!("{report}");
            println!(
                "exiting with status 0: the demo deadlocked as it should. Fixes: --fix ordering, --fix timeout"
            );
            return ExitCode::SUCCESS;
        }
        (watchdog::Outcome::Deadlock(report), Some(_)) => {
            println!("{report}");
            eprintln!("error: the fixed version deadlocked: what ran is not the fix named above");
            return ExitCode::FAILURE;
        }
        (watchdog::Outcome::GaveUp(limit), _) => {
            eprintln!(
                "error: no deadlock detected within {}: the demo failed to show it",
                fmt_duration(limit)
            );
            return ExitCode::FAILURE;
        }
        (watchdog::Outcome::Finished, None) => {
            // A clerk that panicked has also "finished": name it rather than claim no deadlock.
            let panicked: Vec<&str> = clerks
                .into_iter()
                .filter_map(|(name, .., h)| h.join().is_err().then_some(name))
                .collect();
            if panicked.is_empty() {
                eprintln!(
                    "error: both clerks finished every transfer: no deadlock this time (only the barrier in `clerk` makes it certain)"
                );
            } else {
                eprintln!("error: {}'s thread panicked", panicked.join(" and "));
            }
            return ExitCode::FAILURE;
        }
        (watchdog::Outcome::Finished, Some(_)) => {}
    }

    let mut table = Table::new(["clerk", "transfers", "direction", "retries"]);
    let (mut retries, mut elapsed) = (0, Duration::ZERO);
    for (name, from, to, handle) in clerks {
        let Ok((tries, done)) = handle.join() else {
            eprintln!("error: {name}'s thread panicked");
            return ExitCode::FAILURE;
        };
        (retries, elapsed) = (retries + tries, elapsed.max(done));
        table.row([
            name.to_string(),
            args.transfers.to_string(),
            format!("{} -> {}", from.name, to.name),
            tries.to_string(),
        ]);
    }
    print!("{table}");
    let (a, b) = (*A.balance.lock(), *B.balance.lock());
    println!("balances: A = {a}, B = {b}, total {}", a + b);
    if a + b != 2 * START_BALANCE {
        eprintln!("error: money was lost: the locks did not protect the transfers");
        return ExitCode::FAILURE;
    }
    println!(
        "no deadlock: {} transfers in {}, retries {retries}, no money lost",
        2 * u64::from(args.transfers),
        fmt_duration(elapsed),
    );
    ExitCode::SUCCESS
}
