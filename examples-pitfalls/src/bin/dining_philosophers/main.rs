//! Dining philosophers: five threads, five locks, a circle of waiting, and two ways out.
//!
//! Five philosophers sit at a round table with a fork between each pair; to eat, one needs
//! both neighbouring forks. If each picks up the left fork and then reaches for the right, and
//! all do it at once, each holds one fork and waits forever for the next: a cycle of five. A
//! `Barrier` makes all five hold their left fork before any reaches right, so the deadlock
//! happens on every run; the main thread watches with parking_lot's deadlock detector and
//! prints the cycle. The fixes: take the lower-numbered fork first (the cycle cannot close:
//! one philosopher reaches for the same fork first as a neighbour), or a waiter, a semaphore
//! that lets at most four sit down at once. Each fix reports the meals each philosopher ate and
//! the longest it waited to eat, since a deadlock-free table can still be unfair. The watchdog
//! keeps watching the fixes too: a fixed table that deadlocks after all is reported, exit 1.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin dining_philosophers
//!   cargo run -p examples-pitfalls --bin dining_philosophers -- --fix ordering
//!   cargo run -p examples-pitfalls --bin dining_philosophers -- --fix waiter --meals 200
//!
//! You will see: five philosophers each holding their left fork, then the detector's cycle of
//! five, each waiting for a fork its neighbour holds, and exit status 0. With a fix, a table
//! of meals eaten (all `--meals`) and the longest wait to eat (for a seat and both forks), per
//! philosopher.
//!
//! Python: five `threading.Lock()` forks and `with left: with right:` in each thread; the same
//! deadlock, and the same fixes (an ordering, or a `threading.Semaphore(4)` as the waiter).
//!
//! Try this: with `--fix waiter`, give the waiter five permits (`Waiter::new(SEATS)`) and run
//! it a few times; with `--fix ordering`, let philosopher 4 take its forks left-first again.
//! Nothing forces the circle in either, yet it closes in some runs, and the watchdog reports
//! it: a deadlock that tests see only sometimes.
//!
//! Copy it out: `cargo xtask copy-out dining_philosophers DIR` writes it as a crate of its own
//! (with `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = { version = "0.13", features = ["deadlock_detection"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! [target.'cfg(pitfalls_loom)'.dependencies]
//! loom = "0.7"
//! ```

mod watchdog;

use std::process::ExitCode;
use std::sync::{Barrier, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
// The forks are parking_lot locks, so that its deadlock detector can see the cycle.
use parking_lot::Mutex;
use shared::{Table, fmt_count, fmt_duration};

// The waiter's lock and condition variable come from loom when model checking (see
// `loom_models` at the end), from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::{Condvar, Mutex as SeatLock};
#[cfg(not(pitfalls_loom))]
use std::sync::{Condvar, Mutex as SeatLock};

const SEATS: usize = 5;

#[derive(Parser, Debug)]
#[command(
    about = "Five philosophers: a certain deadlock, detected, and two fixes with fairness figures"
)]
struct Args {
    /// Fix the deadlock: lock the lower-numbered fork first, or let a waiter seat at most four.
    #[arg(long, value_enum)]
    fix: Option<Fix>,
    /// Meals each philosopher eats (the fixes).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    meals: u32,
    /// How long a meal takes, in microseconds (the forks are held meanwhile).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    eat_us: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Fix {
    Ordering,
    Waiter,
}

/// A counting semaphore: the waiter who lets at most `permits` philosophers sit at once.
/// (`std::sync::Semaphore` does not exist; tokio's is async. This is the small version.)
struct Waiter {
    seats: usize, // its permits, read by the first line (which the Try-this makes five)
    free_seats: SeatLock<usize>,
    seat_freed: Condvar,
}

impl Waiter {
    fn new(seats: usize) -> Self {
        Waiter {
            seats,
            free_seats: SeatLock::new(seats),
            seat_freed: Condvar::new(),
        }
    }

    fn sit(&self) {
        // No code panics while holding this lock, so a poisoned lock still holds a good count.
        let mut free = self
            .free_seats
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .seat_freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn leave(&self) {
        *self
            .free_seats
            .lock()
            .unwrap_or_else(PoisonError::into_inner) += 1;
        self.seat_freed.notify_one();
    }
}

/// One philosopher's dinner. Returns the meals eaten and the longest wait to eat.
fn dine(
    me: usize,
    forks: &[Mutex<()>; SEATS],
    barrier: &Barrier,
    waiter: &Waiter,
    args: &Args,
) -> (u32, Duration) {
    let (left, right) = (me, (me + 1) % SEATS);
    let (mut meals, mut longest) = (0, Duration::ZERO);
    for meal in 0..args.meals {
        let asked = Instant::now();
        match args.fix {
            None => {
                let _l = forks[left].lock();
                if meal == 0 {
                    watchdog::announce(me, left, right);
                    barrier.wait(); // all five hold their left fork: the circle is closed
                }
                let _r = forks[right].lock(); // <- every philosopher blocks here, forever
                eat(args);
            }
            Some(Fix::Ordering) => {
                // CHANGED: the lower-numbered fork first (`lower_first`).
                let (first, second) = lower_first(left, right);
                let _f = forks[first].lock();
                let _s = forks[second].lock();
                longest = longest.max(asked.elapsed());
                eat(args);
            }
            Some(Fix::Waiter) => {
                // CHANGED: at most four at the table, so at least one of them has both forks.
                waiter.sit();
                {
                    let _l = forks[left].lock();
                    let _r = forks[right].lock();
                    longest = longest.max(asked.elapsed());
                    eat(args);
                }
                waiter.leave();
            }
        }
        meals += 1;
    }
    (meals, longest)
}

/// The order of `--fix ordering`: the lower-numbered fork first. Philosopher 4 reaches for
/// fork 0 first, like philosopher 0, so the five can never each hold one fork.
fn lower_first(left: usize, right: usize) -> (usize, usize) {
    // exercise philosophers {
    (left.min(right), left.max(right))
    // exercise philosophers }
}

fn eat(args: &Args) {
    thread::sleep(Duration::from_micros(args.eat_us));
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The cap on run time of a fix: mostly one philosopher eats at a time here, and a meal that
    // sleeps wakes about 60 us late, so the largest fixed table takes 20 to 30 s.
    let work = |a: &Args| 5 * u128::from(a.meals) * u128::from(a.eat_us + 60 * a.eat_us.min(1));
    let d = Args::parse_from(["dining_philosophers"]); // the defaults, from clap
    let what = "microseconds of meals (60 more each for waking)";
    let cap = |a| shared::cli::cap_work(what, work(a), work(&d), 20_000_000, "--meals or --eat-us");
    if let Some(Err(refused)) = args.fix.map(|_| cap(&args)) {
        return refused;
    }
    // 'static so that stuck philosophers can be left behind when main returns.
    let forks: &'static [Mutex<()>; SEATS] =
        Box::leak(Box::new(std::array::from_fn(|_| Mutex::new(()))));
    let barrier: &'static Barrier = Box::leak(Box::new(Barrier::new(SEATS)));
    let waiter: &'static Waiter = Box::leak(Box::new(Waiter::new(SEATS - 1)));
    let args: &'static Args = Box::leak(Box::new(args));
    match args.fix {
        None => println!("Five philosophers each take the left fork, then the right:"),
        Some(Fix::Ordering) => println!("Fix: each takes the lower-numbered fork first."),
        Some(Fix::Waiter) => println!("Fix: a waiter lets at most {} sit at once.", waiter.seats),
    }
    let start = Instant::now();
    let mut handles = Vec::new();
    for me in 0..SEATS {
        let spawned = thread::Builder::new()
            .name(format!("philosopher-{me}"))
            .spawn(move || (dine(me, forks, barrier, waiter, args), start.elapsed()));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!("error: cannot start a thread: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    // Watch rather than join: a deadlocked philosopher never returns, and returning from main
    // ends the process, stuck threads and all. The demo gets a time limit; the fixes run to
    // the end, unless they deadlock after all (see Try this).
    let give_up = args.fix.is_none().then_some(watchdog::GIVE_UP_AFTER);
    let finished = || handles.iter().all(|h| h.is_finished());
    match (watchdog::watch(start, finished, give_up), args.fix) {
        (watchdog::Outcome::Deadlock(report), None) => {
            println!("{report}");
            println!(
                "exiting with status 0: the demo deadlocked as it should. Fixes: --fix ordering, --fix waiter"
            );
            return ExitCode::SUCCESS;
        }
        (watchdog::Outcome::Deadlock(report), Some(_)) => {
            println!("{report}");
            eprintln!("error: the fixed table deadlocked: what ran does not break the circle");
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
            // A philosopher that panicked has also "finished": name it, not "no deadlock".
            let panicked: Vec<String> = handles
                .into_iter()
                .enumerate()
                .filter_map(|(me, h)| h.join().is_err().then(|| me.to_string()))
                .collect();
            if panicked.is_empty() {
                eprintln!("error: every philosopher finished: no deadlock this time");
            } else {
                let who = panicked.join(" and ");
                eprintln!("error: philosopher {who}'s thread panicked");
            }
            return ExitCode::FAILURE;
        }
        (watchdog::Outcome::Finished, Some(_)) => {}
    }

    let mut table = Table::new(["philosopher", "meals", "longest wait to eat"]);
    let (mut eaten, mut waits, mut elapsed) = (Vec::new(), Vec::new(), Duration::ZERO);
    for (me, h) in handles.into_iter().enumerate() {
        let Ok(((meals, longest), done)) = h.join() else {
            eprintln!("error: philosopher {me}'s thread panicked");
            return ExitCode::FAILURE;
        };
        elapsed = elapsed.max(done); // when the last one finished
        eaten.push(meals);
        waits.push(longest);
        table.row([me.to_string(), meals.to_string(), fmt_duration(longest)]);
    }
    print!("{table}");
    if eaten.iter().any(|&m| m != args.meals) {
        eprintln!("error: not every philosopher ate {} meals", args.meals);
        return ExitCode::FAILURE;
    }
    let (min, max) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
    println!(
        "no deadlock: all {SEATS} philosophers ate {} each in {}; longest waits from {} to {}",
        fmt_count(args.meals, "meal", "meals"),
        fmt_duration(elapsed),
        fmt_duration(*min),
        fmt_duration(*max)
    );
    ExitCode::SUCCESS
}

#[cfg(all(test, pitfalls_loom))]
mod loom_models;
