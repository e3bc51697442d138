//! Mutex across await: a std MutexGuard held over an `.await` deadlocks a single thread.
//!
//! Two tasks on a single-threaded runtime share a std `Mutex`. Task A locks it and, still
//! holding the guard, awaits something (a 50 ms sleep standing in for a database call). The
//! thread switches to task B, which calls `lock()`: a std lock blocks the OS thread, the only
//! one, so task A can never resume to release the lock (std documents that locking a Mutex
//! already held by the same thread may deadlock or panic; on Linux it deadlocks). Nothing
//! moves again. Spawned on a multi-threaded runtime with `tokio::spawn`, the same code does not
//! compile (a std guard is not `Send`: `compile_time_safety`, in the suite "concurrency by
//! example", shows the compiler's message); on one thread with `spawn_local` it compiles and
//! hangs. Each variant runs on its own thread here, and a watchdog that waits `--timeout-ms`
//! catches the hang. The fixes: drop the guard before the await, or use `tokio::sync::Mutex`,
//! whose `lock().await` yields to other tasks instead of blocking the thread. The runtimes'
//! clocks are paused (tokio's test-util): a sleep ends as soon as every task waits, so the
//! times are exact on every run, and a blocked thread still never moves.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin mutex_across_await
//!   cargo run -p examples-pitfalls --bin mutex_across_await -- --timeout-ms 3000
//!
//! You will see: the std-guard-across-await variant reported as deadlocked by the watchdog
//! after `--timeout-ms`, and the two fixes finishing with the counter at 2: in 50 ms when the
//! guard is dropped before the await (the two calls overlap), in 100 ms with tokio's Mutex
//! (held across the call, so the calls take turns), on the runtime's clock.
//!
//! Python: `threading.Lock` held across `await` inside `async def` hangs the event loop the
//! same way when a second task tries to acquire it; use `asyncio.Lock` and `async with`.
//!
//! Clippy knows this bug: its `await_holding_lock` lint flags the first variant, and the
//! program has to allow it explicitly.
//!
//! Try this: replace `Rc` with `Arc`, `spawn_local` with `tokio::spawn` and the runtime with a
//! multi-threaded one, and read the compiler's "future cannot be sent between threads safely",
//! about the `MutexGuard`; in the first variant, put the lock and `*n += 1` in a block of
//! their own and the `sleep` after it: the first row finishes in 50.0 ms, and the program
//! says that the demo no longer deadlocks (exit status 1).
//!
//! Copy it out: `cargo xtask copy-out mutex_across_await DIR` writes it as a crate of its own
//! (with `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "rt", "rt-multi-thread", "sync", "test-util", "time"] }
//! ```

use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use clap::Parser;
use shared::{Table, fmt_duration};
use tokio::task::{LocalSet, spawn_local};
use tokio::time::sleep;

#[derive(Parser, Debug)]
#[command(
    about = "A std MutexGuard held across .await deadlocks a current-thread runtime; two fixes"
)]
struct Args {
    /// How long the watchdog waits for a variant before calling it deadlocked, in milliseconds
    /// (at most 20,000: the table comes after that wait).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(100..=20_000))]
    timeout_ms: u64,
}

/// The awaited call inside the critical section.
const CALL: Duration = Duration::from_millis(50);

#[derive(Clone, Copy)]
enum Variant {
    StdGuardAcrossAwait,
    GuardDroppedBeforeAwait,
    TokioMutex,
}

/// Two tasks each add 1 to a shared counter, in the way `variant` says. Returns the counter
/// and the time taken on the runtime's clock, or an error if a task panicked.
// clippy's await_holding_lock flags exactly the bug in the first variant; the bug is the
// lesson, so it is allowed in this function.
#[allow(clippy::await_holding_lock)]
async fn two_tasks(variant: Variant) -> Result<(u64, Duration), String> {
    let start = tokio::time::Instant::now();
    let std_counter = Rc::new(Mutex::new(0u64));
    let tokio_counter = Rc::new(tokio::sync::Mutex::new(0u64));
    let task = |_: u8| {
        let (std_counter, tokio_counter) = (Rc::clone(&std_counter), Rc::clone(&tokio_counter));
        spawn_local(async move {
            match variant {
                Variant::StdGuardAcrossAwait => {
                    let mut n = std_counter.lock().unwrap();
                    sleep(CALL).await; // the guard is still held while this task is parked...
                    *n += 1; // ...and the other task's lock() blocks the only thread
                }
                Variant::GuardDroppedBeforeAwait => {
                    // CHANGED: await first, then a short critical section with no await in it.
                    // exercise guard_across_await {
                    sleep(CALL).await;
                    *std_counter.lock().unwrap() += 1;
                    // exercise guard_across_await }
                }
                Variant::TokioMutex => {
                    // CHANGED: an async lock; waiting for it yields instead of blocking.
                    let mut n = tokio_counter.lock().await;
                    sleep(CALL).await;
                    *n += 1;
                }
            }
        })
    };
    for handle in [task(1), task(2)] {
        handle.await.map_err(|e| format!("a task failed: {e}"))?;
    }
    let std_total = *std_counter.lock().unwrap();
    let tokio_total = *tokio_counter.lock().await;
    Ok((std_total + tokio_total, start.elapsed()))
}

/// Runs `variant` on a thread of its own with a current-thread runtime; returns the counter
/// and the time, or None if it did not finish within `timeout` (the thread is left stuck), or
/// an error if it could not run at all.
fn run_with_watchdog(
    variant: Variant,
    timeout: Duration,
) -> Result<Option<(u64, Duration)>, String> {
    let (done, finished) = mpsc::channel();
    thread::Builder::new()
        .name("runtime".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build();
            let _ = done
                .send(runtime.map(|runtime| {
                    runtime.block_on(LocalSet::new().run_until(two_tasks(variant)))
                }));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match finished.recv_timeout(timeout) {
        Ok(Ok(Ok(outcome))) => Ok(Some(outcome)),
        Ok(Ok(Err(e))) => Err(e),
        Ok(Err(e)) => Err(format!("cannot start the runtime: {e}")),
        Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the runtime's thread panicked".into()),
    }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The watchdog's wait is the run's time: its range keeps it to 20 s; a run above ten times
    // the default's says so before it starts.
    let d = Args::parse_from(["mutex_across_await"]); // the defaults, from clap
    let what = "milliseconds of watchdog wait";
    let ms = |a: &Args| u128::from(a.timeout_ms);
    if let Err(refused) = shared::cli::cap_work(what, ms(&args), ms(&d), 20_000, "--timeout-ms") {
        return refused;
    }
    let timeout = Duration::from_millis(args.timeout_ms);
    let variants = [
        (Variant::StdGuardAcrossAwait, "std guard held across .await"),
        (
            Variant::GuardDroppedBeforeAwait,
            "std guard dropped before .await",
        ),
        (Variant::TokioMutex, "tokio::sync::Mutex across .await"),
    ];
    println!(
        "two tasks on one thread each lock a counter and await a {} call:",
        fmt_duration(CALL)
    );
    let mut table = Table::new(["variant", "outcome", "counter"]);
    let mut outcomes = Vec::new();
    for (variant, name) in variants {
        let outcome = match run_with_watchdog(variant, timeout) {
            Ok(outcome) => outcome,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        table.row(match outcome {
            Some((total, took)) => [
                name.to_string(),
                format!("finished in {}", fmt_duration(took)),
                total.to_string(),
            ],
            None => [
                name.to_string(),
                format!("deadlocked: no progress in {}", fmt_duration(timeout)),
                "-".into(),
            ],
        });
        outcomes.push(outcome);
    }
    print!("{table}");
    match outcomes.as_slice() {
        [None, Some((2, _)), Some((2, _))] => {
            println!(
                "the std guard held across .await deadlocked the thread (caught by the watchdog); both fixes finished with the counter at 2"
            );
            // The stuck runtime thread is still blocked in lock(): returning from main ends it.
            ExitCode::SUCCESS
        }
        [Some(_), ..] => {
            eprintln!(
                "error: the first variant finished, so its guard was not held across the .await (on one thread that is certain to deadlock): the demo did not show it"
            );
            ExitCode::FAILURE
        }
        _ => {
            eprintln!("error: a fix did not finish with the counter at 2");
            ExitCode::FAILURE
        }
    }
}
