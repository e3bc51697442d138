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
use std::sync::{Barrier, Mutex as StdMutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
// The forks are parking_lot locks, so that its deadlock detector can see the cycle.
use parking_lot::Mutex;
use shared::{Table, fmt_duration};

// The waiter's lock and condition variable come from loom when model checking (see
// `loom_models` at the end), from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::{Condvar, Mutex as SeatLock};
#[cfg(not(pitfalls_loom))]
use std::sync::{Condvar, Mutex as SeatLock};

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
/// (`std::sync::Semaphore` does not exist; tokio's is async. This is the small version.)
struct Waiter {
    free_seats: SeatLock<usize>,
    seat_freed: Condvar,
}

impl Waiter {
    fn new(seats: usize) -> Self {
        Waiter {
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
    let waiter: &'static Waiter = Box::leak(Box::new(Waiter::new(SEATS - 1)));
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

/// Every interleaving of three philosophers, one meal each, explored by loom: the naive table
/// can close the circle (all holding one fork: the deadlock), and neither fix ever does. Run
/// with `RUSTFLAGS="--cfg pitfalls_loom"` (see race_condition's header).
#[cfg(all(test, pitfalls_loom))]
mod loom_models {
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
}
