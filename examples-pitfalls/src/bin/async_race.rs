//! Async race: one thread, no parallelism, and still a lost update, across an `.await`.
//!
//! The guide lists "no race conditions" among asyncio's strengths. It is half true: on one
//! thread no two tasks run at the same instant, so a plain read-modify-write with no `.await`
//! inside cannot be interrupted. But every `.await` is a point where the task may pause and
//! others run. Here `--tasks` tasks on a single-threaded tokio runtime each read a shared
//! counter, await a call that takes `--await-ms` (a stand-in for asking a database or a
//! payment service), and write back the value plus one. The runtime's clock is paused (tokio's
//! test-util): time moves only when every task waits, so every task reads before any call
//! returns and the counter ends at 1, on every run, however busy the machine. Two fixes
//! follow: do the await first and the read-modify-write after it with no await inside; or
//! hold a `tokio::sync::Mutex` across the await, which is correct but makes the tasks take
//! turns.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin async_race
//!   cargo run -p examples-pitfalls --bin async_race -- --tasks 1000 --await-ms 1
//!
//! You will see: counter 1 for the racy version (every other update lost), the right count for
//! both fixes, all on one OS thread; on the runtime's clock the racy version and the first fix
//! take one await (`--await-ms`), the Mutex fix one await per task (`--tasks` x `--await-ms`),
//! because the lock is held while waiting.
//!
//! Python: `value = counter; await asyncio.sleep(0.01); counter = value + 1` in
//! `asyncio.gather(*tasks)`: the same lost updates; the fixes are the same, with an
//! `asyncio.Lock`.
//!
//! Try this: remove the await from the racy version (no lost update: nothing can run between
//! the read and the write on one thread; its row keeps its name, and its time is 0 ns); replace
//! its `sleep(pause)` with `tokio::task::yield_now()` (the same loss, in 0 ns on the runtime's
//! clock: any await can switch tasks).
//!
//! Copy it out: `cargo xtask copy-out async_race DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "rt", "rt-multi-thread", "sync", "test-util", "time"] }
//! ```

use std::cell::Cell;
use std::process::ExitCode;
use std::rc::Rc;
use std::thread::{self, ThreadId};
use std::time::Duration;

use clap::Parser;
use shared::{Table, fmt_duration};
use tokio::task::{self, LocalSet};
use tokio::time::sleep;

#[derive(Parser, Debug)]
#[command(about = "A lost update across an .await on a single-threaded runtime, and two fixes")]
struct Args {
    /// Tasks incrementing the shared counter (at least two: a race needs someone to race with).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    tasks: u32,
    /// How long the awaited call takes, in milliseconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    await_ms: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Racy,
    AwaitFirst,
    AsyncMutex,
}

/// One task's increment. `Rc` and `Cell`: no Send, no atomics, no locks, because everything
/// runs on one thread. That is exactly the setting the guide calls race-free.
async fn increment(
    variant: Variant,
    counter: Rc<Cell<u64>>,
    lock: Rc<tokio::sync::Mutex<()>>,
    pause: Duration,
) {
    match variant {
        Variant::Racy => {
            let seen = counter.get();
            sleep(pause).await; // every other task runs here, and reads the same `seen`
            counter.set(seen + 1);
        }
        Variant::AwaitFirst => {
            // CHANGED: the await happens before the read-modify-write, which has no await
            // inside and so cannot be interrupted on one thread.
            // exercise async_race {
            sleep(pause).await;
            counter.set(counter.get() + 1);
            // exercise async_race }
        }
        Variant::AsyncMutex => {
            // CHANGED: an async lock held across the await: correct, but the awaits now take
            // turns. (A std Mutex here would deadlock a single thread: `mutex_across_await`, in
            // the suite "concurrency by example", shows it.)
            let _guard = lock.lock().await;
            let seen = counter.get();
            sleep(pause).await;
            counter.set(seen + 1);
        }
    }
}

/// Runs `tasks` tasks of `variant` on one thread; returns the final counter, the time on the
/// runtime's clock, and the OS threads the tasks ran on; an error if a task panicked.
async fn run(
    variant: Variant,
    tasks: u32,
    pause: Duration,
) -> Result<(u64, Duration, Vec<ThreadId>), String> {
    let counter = Rc::new(Cell::new(0));
    let lock = Rc::new(tokio::sync::Mutex::new(()));
    let start = tokio::time::Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (counter, lock) = (Rc::clone(&counter), Rc::clone(&lock));
            task::spawn_local(async move {
                increment(variant, counter, lock, pause).await;
                thread::current().id()
            })
        })
        .collect();
    let mut threads = Vec::new();
    for h in handles {
        let id = h.await.map_err(|e| format!("a task failed: {e}"))?;
        if !threads.contains(&id) {
            threads.push(id);
        }
    }
    Ok((counter.get(), start.elapsed(), threads))
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.tasks < 2 {
        return shared::cli::usage_error(
            "--tasks 1 cannot race: a lost update needs a second task to run during the await",
        );
    }
    if args.await_ms == 0 {
        return shared::cli::usage_error(
            "--await-ms 0 is a call that takes no time: the task need not pause, so nothing runs between its read and its write",
        );
    }
    // On the paused clock the awaits cost no time: the run's time is the tasks, three times
    // over, about 3 s and 570 MiB of tasks for the largest --tasks in a release build here (more
    // in debug). A run above ten times the default's tasks says so before it starts.
    let d = Args::parse_from(["async_race"]); // the defaults, from clap
    let (tasks, max) = (u128::from(args.tasks), 1_000_000);
    if let Err(refused) = shared::cli::cap_work("tasks", tasks, d.tasks.into(), max, "--tasks") {
        return refused;
    }
    let pause = Duration::from_millis(args.await_ms);
    // One OS thread: the current-thread runtime, and a LocalSet for tasks that are not Send.
    // The clock is paused: it jumps ahead only when every task waits, so all the tasks read
    // before the first call returns, on every run, and the times are exact.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let variants = [
        (Variant::Racy, "read, await, write (racy)"),
        (Variant::AwaitFirst, "await, then read + write"),
        (Variant::AsyncMutex, "tokio Mutex across the await"),
    ];
    // Where the await sits differs by row (the second fix awaits before its read), so the
    // first line names only what every row shares.
    println!(
        "{} tasks on one thread each add 1 to a shared counter; the call they await takes {}:",
        args.tasks,
        fmt_duration(pause)
    );
    let results: Result<Vec<_>, String> = variants
        .iter()
        .map(|(variant, _)| {
            runtime.block_on(LocalSet::new().run_until(run(*variant, args.tasks, pause)))
        })
        .collect();
    let results = match results {
        Ok(results) => results,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut table = Table::new(["variant", "counter", "lost", "time (runtime's clock)"]);
    for ((_, name), (count, time, _)) in variants.iter().zip(&results) {
        table.row([
            name.to_string(),
            count.to_string(),
            (u64::from(args.tasks) - count).to_string(),
            fmt_duration(*time),
        ]);
    }
    print!("{table}");

    // The distinct OS threads any task of any variant ran on (ThreadId has no order to sort by).
    let mut threads: Vec<ThreadId> = Vec::new();
    for id in results.iter().flat_map(|r| r.2.iter().copied()) {
        if !threads.contains(&id) {
            threads.push(id);
        }
    }
    let expected = u64::from(args.tasks);
    let (racy, fixed_a, fixed_b) = (results[0].0, results[1].0, results[2].0);
    if fixed_a != expected || fixed_b != expected || threads.len() != 1 {
        eprintln!(
            "error: a fix lost updates, or the tasks ran on {} threads",
            threads.len()
        );
        return ExitCode::FAILURE;
    }
    // A racy version that lost nothing (the first Try-this) had no task run between its read
    // and its write: on one thread that means nothing there awaited.
    if racy == expected {
        println!(
            "all on 1 OS thread: the racy version lost none of {expected} updates (nothing ran between its read and its write); both fixes lost none"
        );
    } else {
        println!(
            "all on 1 OS thread: the racy version lost {} of {expected} updates; both fixes lost none",
            expected - racy
        );
    }
    ExitCode::SUCCESS
}
