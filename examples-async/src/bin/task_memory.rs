//! Task memory: what 100,000 waiting async tasks cost, in bytes and in time.
//!
//! The guide says asyncio is "memory efficient" and handles "thousands of connections". An
//! async task is a heap allocation holding its future's state (the local variables alive at its
//! `.await`s) plus the runtime's header; no stack, no OS thread. This program spawns `--tasks`
//! tasks that each wait for a signal, with `--state-bytes` of local state each, measures the
//! resident memory before and after (VmRSS) and the time to spawn them, then wakes them all and
//! joins them. Compare with `thread_memory` in the suite "concurrency by example": a waiting
//! thread costs a few KiB to a few tens of KiB resident (plus the kernel's own 10-20 KiB) and
//! some microseconds to start.
//!
//! Run:
//!   cargo run --release -p examples-async --bin task_memory
//!   cargo run --release -p examples-async --bin task_memory -- --tasks 1000000 --state-bytes 1024
//!
//! You will see: the size of one task's future, the resident memory per task (a few hundred
//! bytes plus the state), the spawn time per task (about a microsecond in release on an idle
//! machine, a few when other programs share the cores), and that every task woke and
//! finished. Runs that would need more than 2 GiB are refused.
//!
//! Python: `asyncio.create_task(event.wait())` 100,000 times; each Task, its coroutine and
//! the future it waits on cost about 0.9 KiB resident there (CPython 3.12 and 3.13).
//!
//! Try this: `--state-bytes 16384` and the memory per task follows the state; run this with
//! `--tasks 10000` and `thread_memory` with `--threads 10000` and compare the two per-item
//! figures.
//!
//! Copy it out: `cargo xtask copy-out task_memory DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::Parser;
use shared::{Table, fmt_duration, fmt_kib, proc_status_kib};

#[derive(Parser, Debug)]
#[command(about = "Spawn N waiting tokio tasks: resident memory and spawn time per task")]
struct Args {
    /// How many tasks wait at once (1,000 or more: memory grows by 4 KiB pages, too coarse to
    /// share among fewer).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1_000..=5_000_000))]
    tasks: u32,
    /// Bytes of local state each task keeps across its `.await` (an array in the future),
    /// rounded up to 0, 64, 256, 1024, 4096, 16384 or 65536.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(0..=65_536))]
    state_bytes: u32,
}

/// A task with `N` bytes of state alive across the await: they live inside the future.
async fn waiter<const N: usize>(
    go: Arc<tokio::sync::Notify>,
    started: Arc<AtomicUsize>,
    seed: u8,
) -> u64 {
    let state = [seed; N];
    // Created before the task counts itself started: `notify_waiters` wakes only the
    // `Notified` futures that exist when it is called, so a task counted but not yet waiting
    // would miss the wake-up and hang (a lost wake-up).
    // Release, with Acquire below: the future's creation happens before the main task's
    // `notify_waiters`.
    let go = go.notified();
    started.fetch_add(1, Ordering::Release);
    go.await;
    state.iter().map(|&b| u64::from(b)).sum()
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The state size is a const generic: pick the nearest of a few sizes at or above it.
    let sizes = [0usize, 64, 256, 1024, 4096, 16384, 65536];
    let state = *sizes
        .iter()
        .find(|&&s| s >= args.state_bytes as usize)
        .unwrap_or(&65536);
    // Each task holds its state, about 100 B of future around it, and about 0.5 KiB of task
    // and handle (0.45 KiB measured with no state): 640 B more than the state is safe.
    let memory = |tasks: u32, state: usize| u128::from(tasks) * (state as u128 + 640);
    let cap = shared::cli::MEMORY_CAP;
    // A refusal names the flags that, lowered alone to their least, fit under the cap.
    let least = [
        ("--tasks", memory(1_000, state)),
        ("--state-bytes", memory(args.tasks, 0)),
    ];
    let lower = shared::cli::lower_which(u128::from(cap), &least);
    if let Err(code) = shared::cli::cap_bytes("memory", memory(args.tasks, state), cap, &lower) {
        return code;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    println!(
        "spawning {} tasks that each keep {state} B of state across their await",
        args.tasks
    );
    let outcome = runtime.block_on(async {
        match state {
            0 => run::<0>(args.tasks).await,
            64 => run::<64>(args.tasks).await,
            256 => run::<256>(args.tasks).await,
            1024 => run::<1024>(args.tasks).await,
            4096 => run::<4096>(args.tasks).await,
            16384 => run::<16384>(args.tasks).await,
            _ => run::<65536>(args.tasks).await,
        }
    });
    let Some(o) = outcome else {
        eprintln!("error: cannot read VmRSS from /proc/self/status");
        return ExitCode::FAILURE;
    };
    let n = f64::from(args.tasks);
    let per_task_kib = (o.rss_after - o.rss_before) as f64 / n;
    let mut table = Table::new([
        "tasks",
        "future size",
        "RSS before",
        "RSS with all waiting",
        "per task",
        "spawn per task",
        "all joined in",
    ]);
    table.row([
        args.tasks.to_string(),
        format!("{} B", o.future_bytes),
        fmt_kib(o.rss_before),
        fmt_kib(o.rss_after),
        format!("{:.2} KiB", per_task_kib),
        fmt_duration(o.spawn.div_f64(n)),
        fmt_duration(o.join),
    ]);
    print!("{table}");
    println!(
        "{} tasks waited at once: {:.2} KiB and {} to spawn each (state {state} B); {} of {} woke and finished",
        args.tasks,
        per_task_kib,
        fmt_duration(o.spawn.div_f64(n)),
        o.finished,
        args.tasks
    );
    if let Some(e) = &o.first_failure {
        let failed = args.tasks as usize - o.finished;
        eprintln!("error: {failed} of {} tasks failed; first: {e}", args.tasks);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

struct Outcome {
    future_bytes: usize,
    rss_before: u64,
    rss_after: u64,
    spawn: std::time::Duration,
    join: std::time::Duration,
    finished: usize,
    /// Why the first task that did not finish failed (it panicked).
    first_failure: Option<String>,
}

async fn run<const N: usize>(tasks: u32) -> Option<Outcome> {
    let go = Arc::new(tokio::sync::Notify::new());
    let started = Arc::new(AtomicUsize::new(0));
    let future_bytes =
        std::mem::size_of_val(&waiter::<N>(Arc::clone(&go), Arc::clone(&started), 0));
    let mut handles = Vec::with_capacity(tasks as usize); // allocated before the baseline
    let rss_before = proc_status_kib("VmRSS")?;
    let start = Instant::now();
    for i in 0..tasks {
        handles.push(tokio::spawn(waiter::<N>(
            Arc::clone(&go),
            Arc::clone(&started),
            i as u8,
        )));
    }
    let spawn = start.elapsed();
    // Every task has run up to its await before the memory is read.
    while started.load(Ordering::Acquire) < tasks as usize {
        tokio::task::yield_now().await;
    }
    let rss_after = proc_status_kib("VmRSS")?;
    let start = Instant::now();
    go.notify_waiters();
    let (mut finished, mut first_failure) = (0, None);
    for h in handles {
        match h.await {
            Ok(_) => finished += 1,
            Err(e) => first_failure = first_failure.or(Some(e.to_string())),
        }
    }
    Some(Outcome {
        future_bytes,
        rss_before,
        rss_after,
        spawn,
        join: start.elapsed(),
        finished,
        first_failure,
    })
}
