//! Race condition: lost updates from a read-then-write, made certain, counted, and fixed.
//!
//! A counter increment is three steps: read the value, add one, write it back. When two
//! threads interleave those steps, both read the same value and one update is lost. Rust will
//! not compile a plain shared `u64` (`compile_time_safety`, in the suite "concurrency by
//! example", shows the compiler's message), but it cannot stop a logic race built from
//! operations that are each atomic: a `load` then a `store` on an `AtomicU64`. First the
//! losing interleaving is forced step by step with barriers, so it happens on every run; then
//! `--trials` runs of `--threads` threads racing freely count the losses; then the two fixes:
//! `fetch_add`, one atomic read-modify-write, and a Mutex held across all three steps.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin race_condition
//!   cargo run --release -p examples-pitfalls --bin race_condition -- --threads 8 --increments 1000000
//!
//! You will see: the forced interleaving (A loads 0, B loads 0, B stores 1, A stores 1:
//! counter 1, expected 2); a table where load + store loses updates in some or most trials
//! (up to the scheduler: threads that are not running at the same moment cannot collide, so a
//! busy machine shows fewer), and both fixes never lose one.
//!
//! Python: `counter += 1` in several `threading.Thread`s. It is several bytecodes (load, add,
//! store), and nothing in the language makes them one step: older CPythons lost updates there
//! regularly; since 3.10 CPython hands the GIL over less often inside such a line, so with the
//! GIL the loss is rare, and a free-threaded CPython (3.13t) loses them readily. The fix is
//! `with lock: counter += 1`. The guide's "use locks, semaphores, or atomic operations".
//!
//! Try this: change `racy_increment`'s orderings to `SeqCst` (still loses: ordering is not
//! atomicity); `--increments 100` (each thread may finish before the next one starts: fewer
//! failed trials, the bug hiding in small tests); model-check it with
//! `RUSTFLAGS="--cfg pitfalls_loom" cargo test -p examples-pitfalls --bin race_condition --release --target-dir target/loom`.
//!
//! Copy it out: `cargo xtask copy-out race_condition DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! [target.'cfg(pitfalls_loom)'.dependencies]
//! loom = "0.7"
//! ```

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;

use clap::Parser;
use shared::{Table, fmt_count, fmt_duration};

// The lesson's types come from loom when model checking, from std otherwise.
#[cfg(pitfalls_loom)]
use loom::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};
#[cfg(not(pitfalls_loom))]
use std::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};

#[derive(Parser, Debug)]
#[command(about = "Lost updates from load + store, forced, counted over trials, and fixed")]
struct Args {
    /// Threads incrementing the counter at once in each trial (two or more: a lost update
    /// needs a second thread storing between one thread's load and its store).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=256))]
    threads: u32,
    /// Increments per thread in each trial (100 or more: with fewer, each thread is done
    /// before the next one starts and the free trials cannot show a loss).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(100..=100_000_000))]
    increments: u64,
    /// How many times to run each variant.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    trials: u32,
}

/// The race: two atomic steps that together are not atomic.
fn racy_increment(counter: &AtomicU64) {
    let seen = counter.load(Ordering::Relaxed);
    // Another thread may store here; our store then overwrites its update.
    counter.store(seen + 1, Ordering::Relaxed);
}

/// Fix 1: one atomic read-modify-write instruction.
fn atomic_increment(counter: &AtomicU64) {
    // exercise lost_update {
    counter.fetch_add(1, Ordering::Relaxed);
    // exercise lost_update }
}

/// Fix 2: the lock is held from the read to the write.
fn locked_increment(counter: &Mutex<u64>) {
    *counter.lock().unwrap() += 1;
}

/// Two threads, one increment each, ordered by barriers so that both read before either
/// writes: the final counter (2 would be right), or an error if a thread panicked (each is
/// joined inside the scope, so that a panic is reported rather than ending the scope).
fn forced_interleaving() -> Result<u64, String> {
    let counter = AtomicU64::new(0);
    let (both_loaded, b_stored) = (Barrier::new(2), Barrier::new(2));
    thread::scope(|s| {
        let a = s.spawn(|| {
            let seen = counter.load(Ordering::Relaxed); // A loads 0
            both_loaded.wait();
            b_stored.wait();
            counter.store(seen + 1, Ordering::Relaxed); // A stores 1, over B's 1
        });
        let b = s.spawn(|| {
            let seen = counter.load(Ordering::Relaxed); // B loads 0
            both_loaded.wait();
            counter.store(seen + 1, Ordering::Relaxed); // B stores 1
            b_stored.wait();
        });
        a.join()
            .and(b.join())
            .map_err(|_| "a thread of the forced interleaving panicked")
    })?;
    Ok(counter.load(Ordering::Relaxed))
}

/// One trial: `--threads` threads, started together, each calling `increment`
/// `--increments` times on `counter`; returns its final value, or an error if a thread panicked.
fn trial<C: Sync>(
    args: &Args,
    counter: C,
    increment: fn(&C),
    read: fn(&C) -> u64,
) -> Result<u64, String> {
    let start = Barrier::new(args.threads as usize);
    thread::scope(|s| {
        let handles: Vec<_> = (0..args.threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    for _ in 0..args.increments {
                        increment(&counter);
                    }
                })
            })
            .collect();
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect(); // all joined first
        if joined.iter().any(Result::is_err) {
            return Err("an incrementing thread panicked".to_string());
        }
        Ok(read(&counter))
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The cap on run time (a thread start costs about 10,000 increments here): the largest run
    // takes about 20 s in release. A refusal names each flag that, lowered alone, fits it.
    let d = Args::parse_from(["race_condition"]); // the defaults, from clap
    let work = |t: u32, i: u64, n: u32| 3 * u128::from(n * t) * (u128::from(i) + 10_000);
    let (t, i, n, cap) = (args.threads, args.increments, args.trials, 2_000_000_000);
    let least = [
        ("--threads", work(2, i, n)),
        ("--increments", work(t, 100, n)),
        ("--trials", work(t, i, 1)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    let what = "increments (a thread start counted as 10,000)";
    let default = work(d.threads, d.increments, d.trials);
    if let Err(refused) = shared::cli::cap_work(what, work(t, i, n), default, cap, &lower) {
        return refused;
    }
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The three parts; an error names what failed (a panicked thread, a wrong count).
fn run(args: &Args) -> Result<(), String> {
    let expected = u64::from(args.threads) * args.increments;
    let forced = forced_interleaving()?;
    println!("1. forced interleaving, two threads, one increment each:");
    println!("   A loads 0; B loads 0; B stores 1; A stores 1 -> counter {forced}, expected 2");
    let trials = fmt_count(args.trials, "trial", "trials");
    println!(
        "\n2. {trials} of {} threads x {} increments (expected {expected} each):",
        args.threads, args.increments
    );
    let mut table = Table::new([
        "variant",
        "failed trials",
        "lost (median)",
        "lost (max)",
        "time, all trials",
    ]);
    let (mut fixes_lost, mut racy_failures) = (0, 0);
    for name in [
        "load + store (racy)",
        "fetch_add",
        "Mutex across read + write",
    ] {
        let mut losses = Vec::new();
        let start = std::time::Instant::now();
        for _ in 0..args.trials {
            let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
            let final_value = match name {
                "load + store (racy)" => trial(args, AtomicU64::new(0), racy_increment, load),
                "fetch_add" => trial(args, AtomicU64::new(0), atomic_increment, load),
                _ => trial(args, Mutex::new(0), locked_increment, |m| {
                    *m.lock().unwrap()
                }),
            };
            losses.push(expected - final_value.map_err(|e| format!("{name}: {e}"))?);
        }
        let elapsed = start.elapsed();
        losses.sort_unstable();
        let failed = losses.iter().filter(|&&l| l > 0).count();
        if name.starts_with("load") {
            racy_failures = failed;
        } else {
            fixes_lost += losses.iter().sum::<u64>();
        }
        table.row([
            name.to_string(),
            format!("{failed} of {}", args.trials),
            // The median of an even count is the mean of the middle two.
            ((losses[(losses.len() - 1) / 2] + losses[losses.len() / 2]) / 2).to_string(),
            losses[losses.len() - 1].to_string(),
            fmt_duration(elapsed),
        ]);
    }
    print!("{table}");
    if forced != 1 || fixes_lost > 0 {
        return Err(format!(
            "forced run gave {forced} (not 1), fixes lost {fixes_lost}"
        ));
    }
    println!(
        "load + store lost updates in {racy_failures} of {trials} (failure rate {:.0}%) and in the forced interleaving every time; fetch_add and the Mutex never lost one",
        100.0 * racy_failures as f64 / f64::from(args.trials)
    );
    Ok(())
}

/// Every interleaving of two threads, explored by loom: the racy increment can lose an update,
/// the fixes never do. Run with `RUSTFLAGS="--cfg pitfalls_loom"` (see the header).
#[cfg(all(test, pitfalls_loom))]
mod loom_models {
    use super::*;
    use loom::sync::Arc;
    use std::sync::atomic::Ordering::SeqCst;

    /// Runs two threads doing one `increment` each on a fresh counter; returns the final value.
    fn two_threads<C: Send + Sync + 'static>(
        counter: C,
        increment: fn(&C),
        read: fn(&C) -> u64,
    ) -> u64 {
        let counter = Arc::new(counter);
        let other = Arc::clone(&counter);
        let t = loom::thread::spawn(move || increment(&other));
        increment(&counter);
        t.join().unwrap();
        read(&counter)
    }

    #[test]
    fn loom_finds_the_lost_update() {
        // Outside the model, shared by every explored execution.
        static LOST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        loom::model(|| {
            let value = two_threads(AtomicU64::new(0), racy_increment, |c| c.load(SeqCst));
            if value == 1 {
                LOST.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            assert!(value == 1 || value == 2);
        });
        assert!(LOST.load(std::sync::atomic::Ordering::SeqCst)); // loom found one that loses
    }

    #[test]
    fn loom_proves_fetch_add() {
        loom::model(|| {
            let value = two_threads(AtomicU64::new(0), atomic_increment, |c| c.load(SeqCst));
            assert_eq!(value, 2);
        });
    }

    #[test]
    fn loom_proves_the_mutex() {
        loom::model(|| {
            let value = two_threads(Mutex::new(0), locked_increment, |m| *m.lock().unwrap());
            assert_eq!(value, 2);
        });
    }
}
