//! Livelock: two threads politely step aside for each other, forever, and nothing gets done.
//!
//! A deadlock's cure is often "don't wait: if the second lock is taken, release the first and
//! try again". Two threads that do that with the same timing can retreat and retry in
//! lockstep: both take their first lock, both find the second taken, both back off, both come
//! back, again and again. Unlike a deadlock, no thread is ever stuck (they keep running and
//! no lock is waited for forever), so a deadlock detector sees nothing. Barriers keep the two clerks in lockstep here, so the
//! livelock happens on every run; the run is bounded by `--rounds` and measured. The fix is a
//! random back-off: the clerks stop being in step and one gets through.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin livelock
//!   cargo run -p examples-pitfalls --bin livelock -- --fix random-backoff --transfers 1000
//!
//! You will see: `--rounds` rounds, twice as many polite retreats, and zero transfers, while
//! both threads keep running; with the fix, every transfer done and the retries it took.
//!
//! Python: two threads doing `a.acquire(); if not b.acquire(blocking=False): a.release();
//! time.sleep(0.001)` in a loop: the same lockstep, and the same cure with
//! `time.sleep(random.uniform(0, 0.002))`.
//!
//! Try this: keep the barriers but add the random back-off (the barriers re-synchronise the
//! clerks every round, so randomness cannot help: lockstep is the bug); take the barriers out
//! of the livelock mode and count how often it still happens by chance.

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use shared::{Table, fmt_duration, measure};

#[derive(Parser, Debug)]
#[command(about = "Two threads backing off in lockstep make no progress; random back-off fixes it")]
struct Args {
    /// Fix the livelock with a random back-off.
    #[arg(long, value_enum)]
    fix: Option<Fix>,
    /// Rounds of the lockstep before giving up (the livelock demo).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    rounds: u32,
    /// Transfers each clerk makes (the fix).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    transfers: u32,
    /// The polite pause after backing off, in microseconds (random up to this with the fix).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    backoff_us: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Fix {
    RandomBackoff,
}

/// What one clerk did.
#[derive(Default)]
struct Tally {
    transfers: u32,
    retreats: u32,
}

/// Alice locks `first` = A and wants `second` = B; Bob the other way round.
fn clerk(first: &Mutex<i64>, second: &Mutex<i64>, args: &Args, step: &Barrier) -> Tally {
    let mut tally = Tally::default();
    match args.fix {
        None => {
            for _ in 0..args.rounds {
                let mut mine = first.lock();
                step.wait(); // both hold their first lock
                let other = second.try_lock(); // taken by the other clerk: fails, every round
                if let Some(mut theirs) = other {
                    *mine -= 1;
                    *theirs += 1;
                    tally.transfers += 1;
                }
                step.wait(); // both have tried
                drop(mine); // politely step aside...
                tally.retreats += 1;
                thread::sleep(Duration::from_micros(args.backoff_us)); // ...for the same time
            }
        }
        Some(Fix::RandomBackoff) => {
            let mut first_try = true;
            while tally.transfers < args.transfers {
                let mut mine = first.lock();
                if first_try {
                    step.wait(); // the same collision as the demo, once
                    first_try = false;
                }
                if let Some(mut theirs) = second.try_lock() {
                    *mine -= 1;
                    *theirs += 1;
                    tally.transfers += 1;
                    continue;
                }
                drop(mine);
                tally.retreats += 1;
                // CHANGED: a random pause, so the two clerks fall out of step.
                thread::sleep(Duration::from_micros(fastrand::u64(0..=args.backoff_us)));
            }
        }
    }
    tally
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (a, b) = (Mutex::new(1_000i64), Mutex::new(1_000i64));
    let step = Barrier::new(2);
    let start = Instant::now();
    let ((alice, bob), m) = measure(|| {
        thread::scope(|s| {
            let alice = s.spawn(|| clerk(&a, &b, &args, &step));
            let bob = s.spawn(|| clerk(&b, &a, &args, &step));
            (
                alice.join().unwrap_or_default(),
                bob.join().unwrap_or_default(),
            )
        })
    });
    let elapsed = start.elapsed();

    let mut table = Table::new(["clerk", "transfers", "retreats"]);
    for (name, t) in [("alice", &alice), ("bob", &bob)] {
        table.row([
            name.to_string(),
            t.transfers.to_string(),
            t.retreats.to_string(),
        ]);
    }
    print!("{table}");
    let total = *a.lock() + *b.lock();
    let (transfers, retreats) = (
        alice.transfers + bob.transfers,
        alice.retreats + bob.retreats,
    );
    match args.fix {
        None => {
            println!(
                "livelock: {} rounds in {}, {retreats} polite retreats, {transfers} transfers; no thread was ever stuck (a deadlock detector sees nothing), yet nothing got done (cpu {})",
                args.rounds,
                fmt_duration(elapsed),
                fmt_duration(m.cpu())
            );
            if transfers != 0 {
                eprintln!("error: a transfer got through: the lockstep was broken");
                return ExitCode::FAILURE;
            }
        }
        Some(Fix::RandomBackoff) => {
            println!(
                "random back-off: {transfers} transfers in {} after {retreats} retreats; total {total}, as at the start",
                fmt_duration(elapsed)
            );
            if transfers != 2 * args.transfers || total != 2_000 || retreats == 0 {
                eprintln!("error: transfers or money missing, or no collision to recover from");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
