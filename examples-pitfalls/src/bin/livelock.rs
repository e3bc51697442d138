//! Livelock: two threads politely step aside for each other, forever, and nothing gets done.
//!
//! A deadlock's cure is often "don't wait: if the second lock is taken, release the first and
//! try again later". Two threads that do that with the same timing retreat and retry in
//! lockstep: both take their first lock, both find the second taken, both back off for the
//! same time, both come back together, again and again. No thread ever waits for a lock, so
//! parking_lot's deadlock detector (asked all through the run) finds nothing, yet nothing gets
//! done. Here the two clerks move in rounds, kept in step by barriers, which stand in for two
//! threads of exactly the same speed: in each round every clerk that is not sitting out takes
//! its first lock, then, once both have, tries the second, then lets go. After a retreat a
//! clerk sits out `--backoff` rounds. Both runs force the same collision the same way; the only
//! change in the fix is the back-off: a random number of rounds (0 to twice `--backoff`, the
//! same on average), so the clerks fall out of step and one comes back alone and gets through.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin livelock
//!   cargo run -p examples-pitfalls --bin livelock -- --fix random-backoff
//!   cargo run -p examples-pitfalls --bin livelock -- --fix random-backoff --transfers 1000
//!
//! You will see: without `--fix`, all `--rounds` rounds used, a retreat by each clerk every
//! time it came back, and 0 transfers, with the detector finding no deadlock; with the fix,
//! every transfer done, the money all there, and the retreats and rounds it took.
//!
//! Python: two threads doing `a.acquire(); if not b.acquire(blocking=False): a.release();
//! time.sleep(0.001)` in a loop can fall into the same lockstep while their timing matches
//! (the scheduler's jitter usually breaks it sooner or later, which is why it is rare and hard
//! to reproduce), and the usual cure is `time.sleep(random.uniform(0, 0.002))`.
//!
//! Try this: `--fix random-backoff --backoff 0` (a random choice among one value is no choice:
//! the livelock is back, shown as plainly as without the fix); run the fix a few times
//! (the retreats and rounds change from run to run: the random draws decide when the two fall
//! out of step); in `backoff`, give the fix a constant instead, `args.backoff + 1` (still in
//! step, 0 transfers, and the program reports the fix as failed, exit 1: a longer wait is not
//! a cure, only a different one for each clerk is).
//!
//! Copy it out: `cargo xtask copy-out livelock DIR` writes it as a crate of its own (with
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

use std::process::ExitCode;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use shared::{Table, fmt_count, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "Two threads backing off in lockstep make no progress; random back-off fixes it")]
struct Args {
    /// Fix the livelock with a random back-off.
    #[arg(long, value_enum)]
    fix: Option<Fix>,
    /// Transfers each clerk has to make (at most 50,000: the default --rounds for that and the
    /// largest --backoff, 510,100, is the cap on run time).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_TRANSFERS)))]
    transfers: u32,
    /// Rounds before giving up (more than twice --transfers: the first round always collides,
    /// and a round makes one transfer at most) [default: 10 x (--transfers + --backoff) + 100,
    /// ample for the fix, which sits out up to twice --backoff rounds after each retreat]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    rounds: Option<u32>,
    /// Rounds a clerk sits out after backing off (with the fix: 0 to twice this, at random).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=1_000))]
    backoff: u32,
}

/// The most `--transfers` accepted: its default `--rounds` (with the most --backoff) is the cap.
const MAX_TRANSFERS: u32 = 50_000;

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

/// The rounds both clerks move in: the barriers that keep them in step, and how many clerks
/// have finished (changed only before the second barrier, read only after it, so both clerks
/// see the same count and leave after the same round).
struct Rounds {
    limit: u32,
    step: Barrier,
    finished: AtomicU32,
    used: AtomicU32,
}

/// How many rounds to sit out after a retreat: the one line the fix changes.
fn backoff(args: &Args) -> u32 {
    match args.fix {
        None => args.backoff, // the same for both clerks: they come back together
        // CHANGED: a random number of rounds, the same on average: they fall out of step.
        Some(Fix::RandomBackoff) => fastrand::u32(0..=2 * args.backoff),
    }
}

/// Alice locks `first` = A and wants `second` = B; Bob the other way round.
fn clerk(first: &Mutex<i64>, second: &Mutex<i64>, args: &Args, rounds: &Rounds) -> Tally {
    let mut tally = Tally::default();
    let mut sitting_out = 0u32;
    for round in 1..=rounds.limit {
        let acts = sitting_out == 0 && tally.transfers < args.transfers;
        sitting_out = sitting_out.saturating_sub(1);
        let mut mine = acts.then(|| first.lock());
        rounds.step.wait(); // every clerk acting this round holds its first lock
        if let Some(mine) = mine.as_mut() {
            match second.try_lock() {
                Some(mut theirs) => {
                    **mine -= 1;
                    *theirs += 1;
                    tally.transfers += 1;
                    if tally.transfers == args.transfers {
                        rounds.finished.fetch_add(1, Ordering::SeqCst);
                    }
                }
                None => {
                    // The other clerk holds it: step aside politely, and come back later.
                    tally.retreats += 1;
                    sitting_out = backoff(args);
                }
            }
        }
        rounds.step.wait(); // both have tried; only now let go, so that neither can slip in
        drop(mine);
        if rounds.finished.load(Ordering::SeqCst) == 2 {
            rounds.used.fetch_max(round, Ordering::SeqCst);
            return tally;
        }
    }
    rounds.used.fetch_max(rounds.limit, Ordering::SeqCst);
    tally
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let limit = args
        .rounds
        .unwrap_or(10 * (args.transfers + args.backoff) + 100);
    // Both runs force a collision in the first round, and a round makes one transfer at most:
    // fewer rounds than this and the fix could only fail. Lowering --transfers helps only
    // where the least one (1) would fit.
    let least = 2 * u64::from(args.transfers) + 1;
    if u64::from(limit) < least {
        let advice = if limit >= 3 {
            "raise --rounds or lower --transfers"
        } else {
            "raise --rounds"
        };
        return shared::cli::usage_error(format!(
            "--rounds {limit} is fewer than the {least} that the first round's collision and 2 x {} transfers need (one transfer per round at most): {advice}",
            args.transfers
        ));
    }
    // The cap on run time: the default --rounds of the largest --transfers and --backoff, so
    // that only --rounds can pass it. A round (two barrier waits) takes 15 to 25 us here, so
    // the largest run, which may use every round, takes 8 to 13 s (its table prints at the end).
    let d = Args::parse_from(["livelock"]); // the defaults, from clap
    let d_limit = d.rounds.unwrap_or(10 * (d.transfers + d.backoff) + 100);
    let what = "rounds at most";
    let max = 10 * (MAX_TRANSFERS + 1_000) + 100;
    let cap = shared::cli::cap_work(what, limit.into(), d_limit.into(), max.into(), "--rounds");
    if let Err(refused) = cap {
        return refused;
    }
    match args.fix {
        None => println!(
            "two clerks, each back off {} after finding the other's lock taken:",
            fmt_count(args.backoff, "round", "rounds")
        ),
        Some(Fix::RandomBackoff) => println!(
            "two clerks, each back off 0 to {} rounds, at random, after finding the other's lock taken:",
            2 * args.backoff
        ),
    }
    let (a, b) = (Mutex::new(1_000i64), Mutex::new(1_000i64));
    let rounds = Rounds {
        limit,
        step: Barrier::new(2),
        finished: AtomicU32::new(0),
        used: AtomicU32::new(0),
    };
    let start = Instant::now();
    let (alice, bob, checks, deadlocked) = thread::scope(|s| {
        let alice = s.spawn(|| clerk(&a, &b, &args, &rounds));
        let bob = s.spawn(|| clerk(&b, &a, &args, &rounds));
        // Meanwhile, ask parking_lot's deadlock detector, as the suite "concurrency by
        // example" does in its `deadlock` program.
        let (mut checks, mut deadlocked) = (0u32, 0usize);
        while !(alice.is_finished() && bob.is_finished()) {
            deadlocked += parking_lot::deadlock::check_deadlock().len();
            checks += 1;
            thread::sleep(Duration::from_millis(1));
        }
        (alice.join(), bob.join(), checks, deadlocked)
    });
    let elapsed = start.elapsed();
    let (Ok(alice), Ok(bob)) = (alice, bob) else {
        eprintln!("error: a clerk's thread panicked");
        return ExitCode::FAILURE;
    };

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
    let used = rounds.used.load(Ordering::SeqCst);
    let (transfers, retreats) = (
        alice.transfers + bob.transfers,
        alice.retreats + bob.retreats,
    );
    let asked = match checks {
        1 => "once".to_string(), // never "asked 1 times"
        n => format!("{n} times"),
    };
    let found = fmt_count(deadlocked, "deadlock", "deadlocks");
    let detector = match checks {
        0 => "the run ended before parking_lot's deadlock detector could look".to_string(),
        _ => {
            format!("parking_lot's deadlock detector, asked {asked} during the run, found {found}")
        }
    };
    if deadlocked > 0 {
        eprintln!("error: {detector}");
        return ExitCode::FAILURE;
    }
    match args.fix {
        None => {
            println!(
                "livelock: {used} rounds in {}, {retreats} polite retreats, {transfers} transfers; {detector}, yet nothing got done",
                fmt_duration(elapsed)
            );
            if transfers != 0 {
                eprintln!("error: a transfer got through: the lockstep was broken");
                return ExitCode::FAILURE;
            }
        }
        // The Try-this: a random choice among one value is no choice, and the lesson is that
        // the livelock is back, shown like the one without the fix.
        Some(Fix::RandomBackoff) if args.backoff == 0 => {
            println!(
                "back-off 0 to 0 rounds is no choice at all: {used} rounds in {}, {retreats} retreats, {transfers} transfers; {detector}: the livelock is back",
                fmt_duration(elapsed)
            );
            if transfers != 0 {
                eprintln!("error: a transfer got through: the lockstep was broken");
                return ExitCode::FAILURE;
            }
        }
        Some(Fix::RandomBackoff) => {
            if transfers != 2 * args.transfers || total != 2_000 {
                // None at all: no clerk ever came back alone (a clerk alone gets through).
                let why = if transfers == 0 {
                    ": the two always came back together"
                } else {
                    ""
                };
                eprintln!(
                    "error: gave up after {used} rounds with {transfers} of {} transfers done (total {total}){why}",
                    2 * args.transfers
                );
                return ExitCode::FAILURE;
            }
            println!(
                "random back-off: {transfers} transfers in {used} rounds ({}) after {retreats} retreats; total {total}, as at the start; {detector}",
                fmt_duration(elapsed)
            );
        }
    }
    ExitCode::SUCCESS
}
