//! Debugging concurrent code: make the interleaving visible, then make a test find it.
//!
//! The guide lists "debugging complexity" among the challenges: the bug depends on an order of
//! events that the next run will not repeat. Three tools help. First, structured logs that say
//! *which thread* and *which task* did what: `tracing` with thread names and spans turns a lost
//! update into four readable lines. Second, a stress loop: run the racy code many times, and
//! widen the race window (a `yield_now` between read and write) so that the bug shows up in a
//! test instead of in production. It still finds bugs only by chance; loom, the third tool,
//! runs every interleaving of a small model and finds them for certain (the models live in
//! `race_condition`, `check_then_act` and `dining_philosophers`). For async code, tokio-console
//! shows every live task, its polls and its waits; it needs tokio built with `tokio_unstable`.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin debugging
//!   cargo run -p examples-pitfalls --bin debugging -- --part stress --trials 500
//!   RUSTFLAGS="--cfg pitfalls_loom" cargo test -p examples-pitfalls --bins --release --target-dir target/loom -- loom_
//!   RUSTFLAGS="--cfg tokio_unstable" cargo run -p examples-pitfalls --features console --target-dir target/console --bin debugging -- --console
//!   (then `tokio-console` in another terminal; install it with `cargo install tokio-console`)
//!
//! You will see: a log of two named threads in which both read balance 0 before either writes,
//! so one deposit is lost; the fixed version's log with both deposits; a log of three async
//! tasks whose events carry their span (`order{id=2}`) whichever worker thread ran them; and a
//! stress-loop table: the racy code fails in some plain trials, in nearly every trial with a
//! yield in the window, and the fix in none.
//!
//! Python: `logging` with `%(threadName)s` in the format, `asyncio` debug mode
//! (`PYTHONASYNCIODEBUG=1`), and a loop around a test; Python has no loom.
//!
//! Try this: change `Level::INFO` to `Level::DEBUG` and run `--part stress --trials 1
//! --increments 5` (every increment is logged, with its thread); remove the `yield_now` and see how rarely the plain stress
//! loop catches the race; run the loom command above and watch it find the lost update every
//! time.

use std::process::ExitCode;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::{Table, fmt_duration};
use tracing::{Instrument, Level, debug, info, info_span};

#[derive(Parser, Debug)]
#[command(
    about = "Readable interleavings with tracing, stress loops, and where loom and tokio-console fit"
)]
struct Args {
    /// Which part to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Trials of each stress-loop variant.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    trials: u32,
    /// Increments per thread in each stress-loop trial.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    increments: u64,
    /// Serve tokio-console while async tasks run (needs the `console` feature; see the header).
    #[arg(long)]
    console: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    Trace,
    Tasks,
    Stress,
    All,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.console {
        return console();
    }
    // Thread names and span context on every line, time since start, to stdout so that the
    // log and the program's own lines come out in one order.
    tracing_subscriber::fmt()
        .with_max_level(Level::INFO)
        .with_thread_names(true)
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .with_writer(std::io::stdout)
        .init();

    let run = |p: Part| args.part == p || args.part == Part::All;
    if run(Part::Trace) {
        traced_race();
    }
    if run(Part::Tasks) && !traced_tasks() {
        return ExitCode::FAILURE;
    }
    if run(Part::Stress) {
        stress(&args);
    }
    ExitCode::SUCCESS
}

/// Part 1: two named threads deposit 10 each with load + store. A barrier between the read and
/// the write makes both read before either writes, so the log shows the lost update every time.
fn traced_race() {
    println!("== 1. a lost update, logged with thread names");
    let balance = AtomicU64::new(0);
    let barrier = Barrier::new(2);
    thread::scope(|s| {
        for name in ["teller-a", "teller-b"] {
            let (balance, barrier) = (&balance, &barrier);
            thread::Builder::new()
                .name(name.into())
                .spawn_scoped(s, move || {
                    let _span = info_span!("deposit", amount = 10).entered();
                    let seen = balance.load(Ordering::SeqCst);
                    info!(balance = seen, "read");
                    barrier.wait(); // both have read: the interleaving that loses an update
                    balance.store(seen + 10, Ordering::SeqCst);
                    info!(balance = seen + 10, "wrote");
                })
                .expect("spawn a thread");
        }
    });
    let racy = balance.load(Ordering::SeqCst);
    println!("balance {racy}, expected 20: both tellers read 0 before either wrote\n");

    println!("== 1b. the fix, fetch_add, logged the same way");
    let balance = AtomicU64::new(0);
    thread::scope(|s| {
        for name in ["teller-a", "teller-b"] {
            let balance = &balance;
            thread::Builder::new()
                .name(name.into())
                .spawn_scoped(s, move || {
                    let _span = info_span!("deposit", amount = 10).entered();
                    // CHANGED: read and write are one indivisible step.
                    let before = balance.fetch_add(10, Ordering::SeqCst);
                    info!(before, after = before + 10, "added");
                })
                .expect("spawn a thread");
        }
    });
    let fixed = balance.load(Ordering::SeqCst);
    println!("balance {fixed}, expected 20: each teller saw the other's deposit or none\n");
}

/// Part 2: three tasks on a two-worker runtime, each in its own span. Every event carries the
/// task's span, so a task's story can be read even when it moves between worker threads.
fn traced_tasks() -> bool {
    println!("== 2. async tasks, each in a span, on named worker threads");
    let next = AtomicUsize::new(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name_fn(move || format!("worker-{}", next.fetch_add(1, Ordering::Relaxed)))
        .enable_time()
        .build();
    let Ok(runtime) = runtime else {
        eprintln!("error: cannot start the tokio runtime");
        return false;
    };
    // Each task notes the worker thread it ran on at each step.
    let threads = runtime.block_on(async {
        let mut handles = Vec::new();
        for id in 1..=3u64 {
            let work = async move {
                let mut ran_on = vec![thread_name()];
                info!("started");
                // A stand-in for a database call: the task is parked, its worker runs others.
                tokio::time::sleep(Duration::from_millis(10 * id)).await;
                ran_on.push(thread_name());
                info!("resumed after {} ms", 10 * id);
                tokio::task::yield_now().await;
                ran_on.push(thread_name());
                info!("done");
                ran_on
            };
            handles.push(tokio::spawn(work.instrument(info_span!("order", id))));
        }
        let mut threads = Vec::new();
        for h in handles {
            threads.extend(h.await.ok());
        }
        threads
    });
    let moved = threads
        .iter()
        .filter(|ran_on| ran_on.iter().any(|t| *t != ran_on[0]))
        .count();
    println!(
        "{} of 3 tasks finished, {moved} of them moved between worker threads; every line names its task\n",
        threads.len()
    );
    threads.len() == 3
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("unnamed").to_string()
}

/// The racy increment with the window held open: a yield between read and write invites the
/// scheduler to run the other thread exactly there.
fn racy_increment(counter: &AtomicU64, widen: bool) {
    let seen = counter.load(Ordering::SeqCst);
    if widen {
        thread::yield_now();
    }
    debug!(seen, "increment");
    counter.store(seen + 1, Ordering::SeqCst);
}

fn fixed_increment(counter: &AtomicU64, widen: bool) {
    if widen {
        thread::yield_now();
    }
    counter.fetch_add(1, Ordering::SeqCst);
}

type Increment = fn(&AtomicU64, bool);

/// One stress trial: two threads released together by a barrier; returns the lost updates.
fn trial(increment: Increment, widen: bool, n: u64) -> u64 {
    let counter = AtomicU64::new(0);
    let barrier = Barrier::new(2);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..n {
                    increment(&counter, widen);
                }
            });
        }
    });
    2 * n - counter.load(Ordering::SeqCst)
}

/// Part 3: the stress loop, the everyday test for concurrent code.
fn stress(args: &Args) {
    println!(
        "== 3. stress loop: {} trials of 2 threads x {} increments",
        args.trials, args.increments
    );
    let variants: [(&str, Increment, bool); 3] = [
        ("load + store, plain", racy_increment, false),
        ("load + store, yield in the window", racy_increment, true),
        ("fetch_add, yield before it", fixed_increment, true),
    ];
    let mut table = Table::new(["variant", "failed trials", "first failure", "time"]);
    let mut failed = Vec::new();
    for (name, increment, widen) in variants {
        let start = Instant::now();
        let (mut fails, mut first) = (0, None);
        for t in 1..=args.trials {
            if trial(increment, widen, args.increments) > 0 {
                fails += 1;
                first.get_or_insert(t);
            }
        }
        failed.push(fails);
        table.row([
            name.to_string(),
            format!("{fails} of {}", args.trials),
            first.map_or("-".into(), |t| format!("trial {t}")),
            fmt_duration(start.elapsed()),
        ]);
    }
    print!("{table}");
    println!(
        "stress loops find races by chance: plain {} of {}, widened {} of {}, fixed {}; loom finds them every time:",
        failed[0], args.trials, failed[1], args.trials, failed[2]
    );
    println!(
        "  RUSTFLAGS=\"--cfg pitfalls_loom\" cargo test -p examples-pitfalls --bins --release --target-dir target/loom -- loom_"
    );
}

/// tokio-console: the runtime's tasks, polls and wakers, live. Needs tokio's unstable
/// instrumentation, so it is built in its own target directory (see the header).
#[cfg(all(feature = "console", tokio_unstable))]
fn console() -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        console_subscriber::init();
        println!("serving tokio-console on 127.0.0.1:6669 for 60 s: run `tokio-console`");
        let mut tasks = tokio::task::JoinSet::new();
        for id in 0..10u64 {
            tasks.spawn(async move {
                for _ in 0..600 / (id + 1) {
                    tokio::time::sleep(Duration::from_millis(100 * (id + 1))).await;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
    ExitCode::SUCCESS
}

#[cfg(not(all(feature = "console", tokio_unstable)))]
fn console() -> ExitCode {
    eprintln!(
        "error: --console needs the `console` feature and tokio_unstable: RUSTFLAGS=\"--cfg tokio_unstable\" cargo run -p examples-pitfalls --features console --target-dir target/console --bin debugging -- --console"
    );
    ExitCode::from(2)
}
