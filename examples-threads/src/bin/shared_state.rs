//! Shared state: one counter, many threads, and every way Rust lets them share it.
//!
//! Threads share one memory space, which the guide calls fast communication with race
//! conditions possible. Rust refuses one kind of race at compile time, the *data race*: two
//! threads touching the same plain value at once, one of them writing. A plain `u64` cannot be
//! changed by two threads, so every approach here goes through a lock or an atomic and counts
//! exactly. Rust does not refuse every *race condition*: atomics used in two steps still lose
//! updates (see Try this, and `race_condition` in the suite "concurrency by example"). Each of
//! `--threads` threads adds 1 to a shared counter `--increments` times through a std Mutex, a
//! parking_lot Mutex, a std RwLock, an atomic, or not at all (each thread counts on its own and
//! the totals are added at the end, the guide's "minimize shared state"). The threads wait at a
//! Barrier and start counting together, so they really contend, and the clock runs only while
//! they count.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin shared_state
//!   cargo run --release -p examples-threads --bin shared_state -- --threads 8 --increments 5000000
//!
//! You will see: the same exact count from every approach (threads x increments); the wall
//! time of each and that time divided by the number of increments; and which approach was the
//! fastest and which the slowest in this run. The local counters, which share nothing until
//! the end, are usually the fastest by far. Which of std's and parking_lot's Mutex comes out
//! ahead depends on the machine and its load (both spin briefly, then put a waiting thread to
//! sleep), so read it from the table rather than from a rule.
//!
//! Python: `with lock: counter += 1` from several `threading.Thread`s. Python does not promise
//! that `counter += 1` is atomic: it is a load, an add and a store, and another thread may run
//! between them. Under the GIL, how often that loses an update depends on where the
//! interpreter switches threads, which changed between versions; in a free-threaded build,
//! with no GIL, updates are lost readily (`race_condition`, in the same suite, shows the same
//! lost update in Rust, with atomics used the wrong way).
//!
//! Try this: change `fetch_add` to a `load` then a `store` of the value plus one, and its
//! row's name to "AtomicU64 load + store" (the row and the error line print that name): it
//! still compiles (each step is atomic, so there is no data race) but the count comes out
//! short, a race condition, and the program says so and exits 1; try to share a plain
//! `let mut n = 0u64` with the threads and read the compiler's refusal.
//!
//! Copy it out: `cargo xtask copy-out shared_state DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = "0.13"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "A shared counter under contention: locks, atomics, and no sharing at all")]
struct Args {
    /// Threads adding to the counter at once (2 or more: one thread shares with nobody).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: u32,
    /// Increments per thread (100000 or more: with fewer, the threads' wake-up weighs on the
    /// times as well as contention).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    increments: u64,
}

/// Refuses, before any work, a run that cannot show the lesson or is past the caps in `cli`.
fn check(args: &Args) -> Result<(), ExitCode> {
    if args.threads < 2 {
        return Err(shared::cli::usage_error(
            "one thread shares the counter with nobody, so nothing contends: use --threads 2 or more",
        ));
    }
    if args.increments < MIN_INCREMENTS {
        // A few thousand increments end within the tens of microseconds the threads take to
        // wake from the barrier one after another: the times would rank wake-ups.
        return Err(shared::cli::usage_error(format!(
            "--increments {} is too few: a few thousand end within the tens of microseconds \
             the threads take to wake up, and below {MIN_INCREMENTS} that wake-up still weighs \
             on the times, so they would not measure contention alone: use --increments \
             {MIN_INCREMENTS} or more",
            args.increments
        )));
    }
    shared::cli::cap_count(
        "threads",
        u128::from(args.threads),
        shared::cli::THREADS_CAP,
        "--threads",
    )?;
    // The cap on run time: five approaches, each making every increment (a contended lock
    // costs tens of ns each; the largest run accepted takes about two minutes in release).
    let d = Args::parse_from(["shared_state"]); // the defaults, from clap
    let lower = "--threads or --increments";
    shared::cli::cap_work("increments", work(args), work(&d), 6_000_000_000, lower)
}

/// Increments per thread at which the locks' times (milliseconds) dwarf the threads' wake-up
/// from the barrier (tens of microseconds).
const MIN_INCREMENTS: u64 = 100_000;

/// Increments made by the five approaches together.
fn work(a: &Args) -> u128 {
    5 * u128::from(a.threads) * u128::from(a.increments)
}

/// Runs `add_one` `increments` times on each of `threads` threads, each with a local count
/// of its own that it returns at the end. The threads wait at a barrier first, so that they
/// count at the same time (and contend), and each notes when it started and finished counting,
/// so that thread start-up is not measured. Returns the sum of the local counts and the time
/// from the first thread's start to the last one's finish, or an error if a thread panicked.
fn hammer(
    threads: u32,
    increments: u64,
    add_one: impl Fn(&mut u64) + Sync,
) -> Result<(u64, Duration), String> {
    let ready = Barrier::new(threads as usize);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    ready.wait();
                    shared::witness::arrive("counting", threads as usize); // test witness: every thread counting at once
                    let (start, mut local) = (Instant::now(), 0);
                    for _ in 0..increments {
                        add_one(&mut local);
                    }
                    (local, start, Instant::now())
                })
            })
            .collect();
        // Join every thread before returning an error: one left unjoined that panicked too
        // would make the scope panic instead.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        let (mut sum, mut first, mut last) = (0, None::<Instant>, None::<Instant>);
        for j in joined {
            let (local, start, end) = j.map_err(|_| "a counting thread panicked")?;
            sum += local;
            first = Some(first.map_or(start, |f| f.min(start)));
            last = Some(last.map_or(end, |l| l.max(end)));
        }
        Ok((sum, last.zip(first).map_or(Duration::ZERO, |(l, f)| l - f)))
    })
}

/// std::sync::Mutex: the lock owns the counter; the guard is the only way in. Returns the
/// count and the wall time.
fn std_mutex(threads: u32, n: u64) -> Result<(u64, Duration), String> {
    // exercise shared_counter {
    let counter = Mutex::new(0u64);
    let (_, wall) = hammer(threads, n, |_| *counter.lock().unwrap() += 1)?;
    let count = counter.into_inner().map_err(|_| "the lock was poisoned")?;
    Ok((count, wall))
    // exercise shared_counter }
}

/// Each approach's name, final count and wall time; with `long`, a line on stderr as each is
/// done (the table comes at the end).
fn every_approach(
    threads: u32,
    n: u64,
    long: bool,
) -> Result<Vec<(&'static str, u64, Duration)>, String> {
    let mut results = Progress(Vec::new(), long);

    let (count, wall) = std_mutex(threads, n)?;
    results.push(("std Mutex", count, wall));

    // parking_lot::Mutex: the same idea in one byte, with no poisoning (`lock()` returns the
    // guard itself). Whether it beats std's under contention depends on the machine.
    let counter = parking_lot::Mutex::new(0u64);
    let (_, wall) = hammer(threads, n, |_| *counter.lock() += 1)?;
    results.push(("parking_lot Mutex", counter.into_inner(), wall));

    // std::sync::RwLock taking the write side: correct, and as exclusive as a Mutex. Its
    // readers' side buys nothing for a counter that is only written (it pays off when most
    // accesses are reads); whether it beats std's Mutex here depends on how each spins and
    // wakes its waiters, so read it from the table.
    let counter = RwLock::new(0u64);
    let (_, wall) = hammer(threads, n, |_| *counter.write().unwrap() += 1)?;
    let count = counter.into_inner().map_err(|_| "the lock was poisoned")?;
    results.push(("std RwLock (write)", count, wall));

    // One atomic read-modify-write instruction: no lock, but every core still fights over
    // the one cache line that holds the counter.
    let counter = AtomicU64::new(0);
    let (_, wall) = hammer(threads, n, |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    })?;
    results.push(("AtomicU64 fetch_add", counter.into_inner(), wall));

    // No sharing while working: each thread counts locally, and the totals meet once.
    // black_box keeps the compiler from turning the loop into one addition.
    let (total, wall) = hammer(threads, n, |local| {
        *local = std::hint::black_box(*local + 1)
    })?;
    results.push(("local, summed at the end", total, wall));
    Ok(results.0)
}

/// The results so far, and whether to say on stderr when each approach is done.
struct Progress(Vec<(&'static str, u64, Duration)>, bool);

impl Progress {
    fn push(&mut self, result: (&'static str, u64, Duration)) {
        if self.1 {
            eprintln!("  {} done in {}", result.0, fmt_duration(result.2));
        }
        self.0.push(result);
    }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
    let (threads, increments) = (args.threads, args.increments);
    let expected = u64::from(threads) * increments;
    println!("{threads} threads x {increments} increments = {expected}");
    let long = work(&args) > 10 * work(&Args::parse_from(["shared_state"]));
    let results = match every_approach(threads, increments, long) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut table = Table::new(["approach", "count", "exact", "wall", "wall / increments"]);
    for (name, count, wall) in &results {
        table.row([
            name.to_string(),
            count.to_string(),
            if *count == expected { "yes" } else { "NO" }.to_string(),
            fmt_duration(*wall),
            format!("{:.1} ns", wall.as_nanos() as f64 / expected as f64),
        ]);
    }
    print!("{table}");
    let wrong: Vec<&str> = results
        .iter()
        .filter(|r| r.1 != expected)
        .map(|r| r.0)
        .collect();
    if !wrong.is_empty() {
        eprintln!("error: lost updates in {}", wrong.join(", "));
        return ExitCode::FAILURE;
    }
    let fastest = results.iter().min_by_key(|r| r.2).map_or("", |r| r.0);
    let slowest = results.iter().max_by_key(|r| r.2).map_or("", |r| r.0);
    println!(
        "every approach counted exactly {expected}; fastest in this run: {fastest}; slowest: {slowest}"
    );
    ExitCode::SUCCESS
}
