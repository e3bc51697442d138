//! Sync primitives: Condvar, Barrier, OnceLock, thread_local!, and a semaphore built by hand.
//!
//! The guide's "use appropriate synchronization primitives", one scene each, each checking its
//! own promise: a bounded queue built from a Mutex and two Condvars (`queue.rs`; every item
//! consumed exactly once); a Barrier (no thread starts phase 2 before all finish phase 1);
//! OnceLock (an expensive initialisation runs once however many threads ask at once);
//! thread_local! (each thread's counter is its own); and a counting semaphore from a Mutex and
//! a Condvar (`semaphore.rs`; never more than `--permits` threads inside at once, each thread
//! asking three times). std has no semaphore: this is how one works; tokio's `Semaphore` is
//! the library version for async code.
//!
//! Run:
//!   cargo run -p examples-threads --bin sync_primitives
//!   cargo run -p examples-threads --bin sync_primitives -- --threads 16 --permits 4
//!
//! You will see: one line per primitive with what it guaranteed, measured: items produced and
//! consumed, the order of the barrier's phases, how many times the initialiser ran (1), each
//! thread's private count, and the most threads ever inside the semaphore (the permit count).
//!
//! Python: `threading.Condition` around a list (or just `queue.Queue`), `threading.Barrier`, a
//! module-level value guarded by a lock for one-time setup, `threading.local()`, and
//! `threading.Semaphore(n)`.
//!
//! Try this: in `Semaphore::acquire`, replace `while *permits == 0` with `if`: a thread that
//! gives its permit back and asks again at once can take it before the thread it woke, which
//! then goes in with no permit left (Condvar waits must re-check): in a release build more than
//! `--permits` threads get in and the program says so (exit 1); in a debug build the count
//! underflows, that thread panics and poisons the lock (each thread that touches it after
//! panics too), and threads still waiting are never woken (Ctrl-C ends it). Wait on the
//! Barrier only in some threads: those never get past it, as it opens only when all
//! `--threads` have arrived (Ctrl-C ends it).
//!
//! Copy it out: `cargo xtask copy-out sync_primitives DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod queue;
mod semaphore;

use std::cell::Cell;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use queue::BoundedQueue;
use semaphore::Semaphore;
use shared::{fmt_count, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "Condvar, Barrier, OnceLock, thread_local! and a hand-made semaphore, checked")]
struct Args {
    /// Threads in each scene.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=256))]
    threads: u32,
    /// Permits of the semaphore: how many threads may be inside at once.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=256))]
    permits: u32,
    /// Items through the bounded queue.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    items: u64,
}

thread_local! {
    /// Each thread gets its own copy, starting at 0; no lock, because nothing is shared.
    static MY_COUNT: Cell<u64> = const { Cell::new(0) };
}

/// Joins every thread of a scene. None once it has said how many panicked (the panic hook has
/// printed each one's message): main then exits 1, where `join().unwrap()` would panic again.
fn join_all<T>(scene: &str, handles: Vec<thread::ScopedJoinHandle<'_, T>>) -> Option<Vec<T>> {
    let results: Vec<thread::Result<T>> = handles.into_iter().map(|h| h.join()).collect();
    let failed = results.iter().filter(|r| r.is_err()).count();
    if failed > 0 {
        let failed = fmt_count(failed, "thread", "threads");
        eprintln!("error: {failed} of the {scene} scene panicked");
        return None;
    }
    Some(results.into_iter().flatten().collect())
}

/// Refuses, before any work, a run past the caps in `cli` or where a scene cannot show.
fn check(args: &Args) -> Result<(), ExitCode> {
    use shared::cli;
    if args.permits >= args.threads {
        return Err(cli::usage_error(format!(
            "with {} permits for {} threads nobody ever waits at the semaphore: use fewer \
             --permits than --threads",
            args.permits, args.threads
        )));
    }
    let d = Args::parse_from(["sync_primitives"]).items; // 10 million take 10-20 s: the cap
    cli::cap_work("items", args.items.into(), d.into(), 10_000_000, "--items")
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
    let (n, mut failures) = (args.threads, Vec::new());

    // 1. Condvar: half the threads produce, half consume, through a queue of 16 slots.
    let queue = BoundedQueue::new(16);
    let producers = (n / 2).max(1);
    let consumers = (n - producers).max(1);
    let (consumed, sum) = (AtomicUsize::new(0), Mutex::new(0u64));
    let joined = thread::scope(|s| {
        let consuming: Vec<_> = (0..consumers)
            .map(|_| {
                s.spawn(|| {
                    // `None` is the signal to stop: one is sent per consumer below.
                    while let Some(i) = queue.pop() {
                        consumed.fetch_add(1, Ordering::Relaxed);
                        *sum.lock().unwrap() += i;
                    }
                })
            })
            .collect();
        let producing: Vec<_> = (0..u64::from(producers))
            .map(|p| {
                let queue = &queue;
                // Producer p sends the items numbered p, p + producers, ...: all of 1..=items.
                s.spawn(move || {
                    (1..=args.items)
                        .filter(|i| i % u64::from(producers) == p)
                        .for_each(|i| queue.push(Some(i)))
                })
            })
            .collect();
        let produced = join_all("Condvar queue", producing);
        // The queue is first in, first out: these stop signals come after every item.
        (0..consumers).for_each(|_| queue.push(None));
        produced.and(join_all("Condvar queue", consuming))
    });
    if joined.is_none() {
        return ExitCode::FAILURE;
    }
    let (sum, expected) = (sum.into_inner().unwrap(), args.items * (args.items + 1) / 2);
    let (p, c) = (
        fmt_count(producers, "producer", "producers"),
        fmt_count(consumers, "consumer", "consumers"),
    );
    let items = fmt_count(consumed.load(Ordering::Relaxed), "item", "items");
    println!(
        "Condvar queue: {p}, {c}, {items} consumed once each (sum {sum}, expected {expected})"
    );
    if sum != expected || consumed.load(Ordering::Relaxed) as u64 != args.items {
        failures.push("Condvar queue");
    }

    // 2. Barrier: record a global sequence number for every phase-1 end and phase-2 start.
    let (barrier, ticket) = (Barrier::new(n as usize), AtomicUsize::new(0));
    let (last_phase1, first_phase2) = (AtomicUsize::new(0), AtomicUsize::new(usize::MAX));
    let joined = thread::scope(|s| {
        let handles = (0..n)
            .map(|i| {
                let (barrier, ticket) = (&barrier, &ticket);
                let (last_phase1, first_phase2) = (&last_phase1, &first_phase2);
                s.spawn(move || {
                    thread::sleep(Duration::from_millis(u64::from(i % 4) * 5)); // uneven phase 1
                    last_phase1.fetch_max(ticket.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
                    barrier.wait();
                    first_phase2.fetch_min(ticket.fetch_add(1, Ordering::SeqCst), Ordering::SeqCst);
                })
            })
            .collect();
        join_all("Barrier", handles)
    });
    if joined.is_none() {
        return ExitCode::FAILURE;
    }
    let (last1, first2) = (last_phase1.into_inner(), first_phase2.into_inner());
    println!(
        "Barrier: {n} threads; the last phase-1 step was #{last1}, the first phase-2 step #{first2}"
    );
    if last1 >= first2 {
        failures.push("Barrier");
    }

    // 3. OnceLock: every thread asks for the config at once (released together by a Barrier);
    // the slow init runs once, and the others wait for its value.
    static CONFIG: OnceLock<String> = OnceLock::new();
    let (inits, together) = (AtomicUsize::new(0), Barrier::new(n as usize));
    let start = Instant::now();
    let Some(seen) = thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    together.wait();
                    CONFIG
                        .get_or_init(|| {
                            inits.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(50)); // "read a config file"
                            "log_level=info".to_string()
                        })
                        .clone()
                })
            })
            .collect();
        join_all("OnceLock", handles)
    }) else {
        return ExitCode::FAILURE;
    };
    let (inits, took) = (inits.into_inner(), fmt_duration(start.elapsed()));
    println!(
        "OnceLock: {n} threads asked at once, the initialiser ran {}, all saw {:?}, in {took}",
        fmt_count(inits, "time", "times"),
        seen[0]
    );
    if inits != 1 || seen.iter().any(|v| v != &seen[0]) {
        failures.push("OnceLock");
    }

    // 4. thread_local!: thread i adds 1 to its own counter (i + 1) x 100 times.
    let Some(counts) = thread::scope(|s| {
        let handles: Vec<_> = (0..u64::from(n))
            .map(|i| {
                s.spawn(move || {
                    for _ in 0..(i + 1) * 100 {
                        MY_COUNT.with(|c| c.set(c.get() + 1));
                    }
                    MY_COUNT.with(Cell::get)
                })
            })
            .collect();
        join_all("thread_local!", handles)
    }) else {
        return ExitCode::FAILURE;
    };
    let private = counts
        .iter()
        .enumerate()
        .all(|(i, &c)| c == (i as u64 + 1) * 100);
    println!(
        "thread_local!: each thread counted only its own work: {:?}{}; main thread's copy: {}",
        &counts[..counts.len().min(4)],
        if counts.len() > 4 { " ..." } else { "" },
        MY_COUNT.with(Cell::get)
    );
    if !private || MY_COUNT.with(Cell::get) != 0 {
        failures.push("thread_local!");
    }

    // 5. Semaphore: every thread wants in for 10 ms, TURNS times; at most `permits` at a time.
    // Asking again at once, a thread may take a freed permit before the one it woke.
    const TURNS: u32 = 3;
    let semaphore = Semaphore::new(args.permits);
    let (inside, most_inside) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let full = args.permits.min(n) as usize; // test witness
    let start = Instant::now();
    let joined = thread::scope(|s| {
        let handles = (0..n)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..TURNS {
                        let _permit = semaphore.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most_inside.fetch_max(now, Ordering::SeqCst);
                        shared::witness::arrive(&format!("semaphore-{full}"), full); // test witness: every permit in use at once
                        thread::sleep(Duration::from_millis(10));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    } // the permit goes back here, at the end of each turn
                })
            })
            .collect();
        join_all("Semaphore", handles)
    });
    if joined.is_none() {
        return ExitCode::FAILURE;
    }
    let (most, took) = (most_inside.into_inner(), fmt_duration(start.elapsed()));
    // What a semaphore that keeps its count allows: a broken one lets more in, and ends sooner.
    let rounds = (n * TURNS).div_ceil(args.permits);
    let permits = fmt_count(args.permits, "permit", "permits");
    println!(
        "Semaphore: {n} threads x {TURNS} turns, {permits}, at most {most} inside at once, all done in {took} ({} at a time take {rounds} rounds of 10 ms or more)",
        args.permits
    );
    if most > args.permits as usize {
        failures.push("Semaphore");
    }
    if !failures.is_empty() {
        eprintln!("error: broken guarantees: {}", failures.join(", "));
        return ExitCode::FAILURE;
    }
    println!("every primitive kept its promise");
    ExitCode::SUCCESS
}
