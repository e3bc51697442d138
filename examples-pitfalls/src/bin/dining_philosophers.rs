//! Dining philosophers: five threads, five locks, a circle of waiting, and two ways out.
//!
//! Five philosophers sit at a round table with a fork between each pair; to eat, one needs
//! both neighbouring forks. If each picks up the left fork and then reaches for the right, and
//! all do it at once, each holds one fork and waits forever for the next: a cycle of five. A
//! `Barrier` makes all five hold their left fork before any reaches right, so the deadlock
//! happens on every run; the main thread watches with parking_lot's deadlock detector and
//! prints the cycle. The fixes: take the lower-numbered fork first (the cycle cannot close:
//! one philosopher reaches for the same fork first as a neighbour), or a waiter, a semaphore
//! that lets at most four sit down at once. Each fix reports meals and longest waits per
//! philosopher, since a deadlock-free table can still be unfair.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin dining_philosophers
//!   cargo run -p examples-pitfalls --bin dining_philosophers -- --fix ordering
//!   cargo run -p examples-pitfalls --bin dining_philosophers -- --fix waiter --meals 200
//!
//! You will see: five philosophers each holding their left fork, then the detector's cycle of
//! five, each waiting for a fork its neighbour holds, and exit status 0. With a fix, a table
//! of meals (all `--meals`) and the longest wait for forks, per philosopher.
//!
//! Python: five `threading.Lock()` forks and `with left: with right:` in each thread; the same
//! deadlock, and the same fixes (an ordering, or a `threading.Semaphore(4)` as the waiter).
//!
//! Try this: with `--fix waiter`, give the semaphore five permits and the deadlock returns;
//! with `--fix ordering`, let philosopher 4 take its forks left-first again.

use std::process::ExitCode;
use std::sync::{Barrier, Mutex as StdMutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use parking_lot::{Condvar, Mutex};
use shared::{Table, fmt_duration};

const SEATS: usize = 5;
/// How long the watchdog waits for the deadlock before calling the demo a failure.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

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
struct Waiter {
    free_seats: Mutex<usize>,
    seat_freed: Condvar,
}

impl Waiter {
    fn sit(&self) {
        let mut free = self.free_seats.lock();
        self.seat_freed.wait_while(&mut free, |free| *free == 0);
        *free -= 1;
    }

    fn leave(&self) {
        *self.free_seats.lock() += 1;
        self.seat_freed.notify_one();
    }
}

/// Who holds which fork and waits for which, for the watchdog's report.
static BOARD: StdMutex<Vec<(usize, ThreadId, usize, usize)>> = StdMutex::new(Vec::new());

/// One philosopher's dinner. Returns the longest wait for forks.
fn dine(
    me: usize,
    forks: &[Mutex<()>; SEATS],
    barrier: &Barrier,
    waiter: &Waiter,
    args: &Args,
) -> Duration {
    let (left, right) = (me, (me + 1) % SEATS);
    let mut longest = Duration::ZERO;
    for meal in 0..args.meals {
        let asked = Instant::now();
        match args.fix {
            None => {
                let _l = forks[left].lock();
                if meal == 0 {
                    println!("  philosopher {me} holds fork {left}, reaches for fork {right}");
                    let mut board = BOARD.lock().unwrap_or_else(|e| e.into_inner());
                    board.push((me, thread::current().id(), left, right));
                    drop(board);
                    barrier.wait(); // all five hold their left fork: the circle is closed
                }
                let _r = forks[right].lock(); // <- every philosopher blocks here, forever
                eat(args);
            }
            Some(Fix::Ordering) => {
                // CHANGED: the lower-numbered fork first. Philosopher 4 reaches for fork 0
                // first, like philosopher 0, so the five can never each hold one.
                let (first, second) = (left.min(right), left.max(right));
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
    }
    longest
}

fn eat(args: &Args) {
    thread::sleep(Duration::from_micros(args.eat_us));
}

fn main() -> ExitCode {
    let args = Args::parse();
    // 'static so that stuck philosophers can be left behind when main returns.
    let forks: &'static [Mutex<()>; SEATS] =
        Box::leak(Box::new(std::array::from_fn(|_| Mutex::new(()))));
    let barrier: &'static Barrier = Box::leak(Box::new(Barrier::new(SEATS)));
    let waiter: &'static Waiter = Box::leak(Box::new(Waiter {
        free_seats: Mutex::new(SEATS - 1),
        seat_freed: Condvar::new(),
    }));
    let args: &'static Args = Box::leak(Box::new(args));

    match args.fix {
        None => println!("Five philosophers each take the left fork, then the right:"),
        Some(Fix::Ordering) => {
            println!("Fix: every philosopher takes the lower-numbered fork first.")
        }
        Some(Fix::Waiter) => println!("Fix: a waiter lets at most {} sit at once.", SEATS - 1),
    }
    let start = Instant::now();
    let mut handles = Vec::new();
    for me in 0..SEATS {
        let spawned = thread::Builder::new()
            .name(format!("philosopher-{me}"))
            .spawn(move || dine(me, forks, barrier, waiter, args));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!("error: cannot start a thread: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    if args.fix.is_none() {
        // They will never finish: watch instead of joining; returning from main ends them.
        return match watch(start) {
            Some(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            None => {
                println!(
                    "no deadlock detected within {}",
                    fmt_duration(GIVE_UP_AFTER)
                );
                ExitCode::FAILURE
            }
        };
    }

    let mut table = Table::new(["philosopher", "meals", "longest wait for forks"]);
    let mut waits = Vec::new();
    for (me, h) in handles.into_iter().enumerate() {
        let Ok(longest) = h.join() else {
            eprintln!("error: philosopher {me} panicked");
            return ExitCode::FAILURE;
        };
        waits.push(longest);
        table.row([
            me.to_string(),
            args.meals.to_string(),
            fmt_duration(longest),
        ]);
    }
    print!("{table}");
    let (min, max) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
    println!(
        "no deadlock: all {SEATS} philosophers ate {} meals each in {}; longest waits from {} to {}",
        args.meals,
        fmt_duration(start.elapsed()),
        fmt_duration(*min),
        fmt_duration(*max)
    );
    ExitCode::SUCCESS
}

/// Polls parking_lot's detector until it finds the cycle, and describes it.
fn watch(start: Instant) -> Option<String> {
    while start.elapsed() < GIVE_UP_AFTER {
        thread::sleep(Duration::from_millis(50));
        let cycles = parking_lot::deadlock::check_deadlock();
        let Some(cycle) = cycles.first() else {
            continue;
        };
        let board = BOARD.lock().unwrap_or_else(|e| e.into_inner());
        let mut stuck: Vec<_> = board
            .iter()
            .filter(|(_, id, _, _)| cycle.iter().any(|t| t.thread_id() == *id))
            .collect();
        stuck.sort_by_key(|(me, ..)| *me);
        let mut report = format!(
            "deadlock detected after {}: parking_lot found {} threads waiting in a circle",
            fmt_duration(start.elapsed()),
            cycle.len()
        );
        for (me, _, holds, wants) in stuck {
            report.push_str(&format!(
                "\n  philosopher {me} holds fork {holds} and waits for fork {wants}, held by philosopher {wants}"
            ));
        }
        report.push_str("\nexiting with status 0: the demo deadlocked as it should. Fixes: --fix ordering, --fix waiter");
        return Some(report);
    }
    None
}
