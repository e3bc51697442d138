//! CPU work inside async code: run it inline and every other task stalls; move it off.
//!
//! An async runtime runs tasks by polling them on a few threads; a task gives its thread back
//! only at an `.await`. A CPU-heavy function has no `.await`, so run inline it holds the
//! thread for its whole duration. Here a heartbeat task wants to tick every 10 ms on a
//! single-threaded runtime (a stand-in for every other connection of a server), while a job
//! counts primes. Inline, the heartbeat is late by about the whole job. With
//! `spawn_blocking` the job runs on tokio's blocking pool and with rayon on rayon's pool,
//! replying through a oneshot channel; the heartbeat stays on time. All three count the same
//! primes.
//!
//! Run:
//!   cargo run --release -p examples-async --bin cpu_in_async
//!   cargo run --release -p examples-async --bin cpu_in_async -- --limit 5000000
//!
//! You will see: a table with the prime count (equal in every row), the job's time, the
//! heartbeat's ticks, the ticks while the job ran (none at all inline: the job held the only
//! thread; about one per 10 ms of the job offloaded) and the worst lateness: about the job's
//! whole time inline, a few milliseconds with `spawn_blocking` or rayon (1 to 5 ms on an idle
//! machine, more when other programs share the cores: far less than the job either way).
//! A debug build counts many times slower (seconds per way): it says so first, and reports
//! each way as it finishes, as a run of ten times the default's work does. A job that panics
//! on its pool is reported, and the exit status is then 1.
//!
//! Python: the same trap with asyncio (a CPU loop in a coroutine blocks the event loop), and
//! the fix, `await loop.run_in_executor(pool, cpu_function)`: a thread pool shares the GIL with
//! the loop (handed over every 5 ms), a `ProcessPoolExecutor` (or threads on 3.13t) does not.
//!
//! Try this: build a multi-threaded runtime instead: the inline job (run by `block_on` on
//! the main thread) no longer stalls the heartbeat, which a worker thread runs, until you
//! `tokio::spawn` as many inline jobs as there are worker threads; make the prime count an
//! `async fn` that calls `tokio::task::yield_now().await` every 10,000 numbers, and the
//! heartbeat is late by at most one such chunk (cooperative: the job itself shares the thread).
//!
//! Copy it out: `cargo xtask copy-out cpu_in_async DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rayon = "1.12"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::{Table, fmt_duration};
use tokio::sync::oneshot;

#[derive(Parser, Debug)]
#[command(
    about = "A CPU job inline in async code stalls a heartbeat; spawn_blocking and rayon do not"
)]
struct Args {
    /// Count primes below this number (the CPU job), 1000 or more: less ends in microseconds
    /// on any machine, too soon to hold a heartbeat up (so may a little more; the run says so).
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    limit: u64,
    /// Which ways to run the job (default: all three).
    #[arg(long, value_enum, value_delimiter = ',')]
    mode: Vec<Mode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Inline,
    SpawnBlocking,
    Rayon,
}

const TICK: Duration = Duration::from_millis(10);

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

fn count_primes(limit: u64) -> u64 {
    (2..limit).filter(|&n| is_prime(n)).count() as u64
}

/// Ticks every 10 ms until told to stop, counting the ticks; returns the worst lateness.
async fn heartbeat(mut stop: oneshot::Receiver<()>, ticks: Arc<AtomicU32>) -> Duration {
    let mut worst = Duration::ZERO;
    loop {
        let due = Instant::now() + TICK;
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {
                ticks.fetch_add(1, Ordering::SeqCst);
                worst = worst.max(Instant::now().saturating_duration_since(due));
                beat_during_job(); // test witness: a no-op outside the tests
            }
            _ = &mut stop => return worst,
        }
    }
}

// test witness {: "the heartbeat beat during the job" made certain; no-ops outside the tests
use std::sync::{Mutex, PoisonError};

/// An offloaded job leaves its witness section here when it starts and waits for a beat; the
/// heartbeat's next tick takes the section and arrives.
static JOB_STARTED: Mutex<Option<String>> = Mutex::new(None);

fn job_starts(mode: Mode) {
    let section = format!("beat-during-{mode:?}");
    *JOB_STARTED.lock().unwrap_or_else(PoisonError::into_inner) = Some(section.clone());
    shared::witness::arrive(&section, 2);
}

fn beat_during_job() {
    let started = JOB_STARTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(section) = started {
        shared::witness::arrive(&section, 2);
    }
}
// test witness }

/// The prime count, or why there is none: a job that panicked on its pool is an error, never
/// a count of 0.
async fn job(mode: Mode, limit: u64) -> Result<u64, String> {
    match mode {
        // Holds the runtime's only thread until the count is done.
        Mode::Inline => Ok(count_primes(limit)),
        // CHANGED: tokio's blocking pool, a separate set of threads.
        Mode::SpawnBlocking => {
            off_the_runtime(move || {
                job_starts(mode); // test witness: waits for a beat
                count_primes(limit)
            })
            .await
        }
        // CHANGED: rayon's pool; the answer comes back through a oneshot channel.
        Mode::Rayon => {
            let (tx, rx) = oneshot::channel();
            rayon::spawn(move || {
                job_starts(mode); // test witness: waits for a beat
                let _ = tx.send(count_primes(limit));
            });
            // A panic on rayon's thread drops `tx` unsent: the receiver sees it closed.
            rx.await
                .map_err(|_| "the job panicked before replying".to_string())
        }
    }
}

/// Runs `work` on tokio's blocking pool, a separate set of threads, so that the runtime's
/// threads stay free for the other tasks; a panic in `work` is an error, never a value.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    // exercise spawn_blocking {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("the job failed: {e}"))
    // exercise spawn_blocking }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let modes = if args.mode.is_empty() {
        vec![Mode::Inline, Mode::SpawnBlocking, Mode::Rayon]
    } else {
        args.mode.clone()
    };
    // Trial division costs about limit^1.5 / ln(limit) divisions (the primes, each tried up
    // to its square root): 3.6e10 of them, every way together, take about a minute in release.
    let divisions = |limit: u64, ways: usize| {
        let l = limit as f64;
        (l.powf(1.5) / l.ln().max(1.0)) as u128 * ways as u128
    };
    let default = divisions(Args::parse_from(["cpu_in_async"]).limit, 3);
    let work = divisions(args.limit, modes.len());
    // Fewer --mode helps only where one way alone fits under the cap.
    let cap = 36_000_000_000;
    let mut lower = "--limit";
    if modes.len() > 1 && divisions(args.limit, 1) <= cap {
        lower = "--limit, or run fewer --mode";
    }
    if let Err(code) =
        shared::cli::cap_work("trial divisions (estimated)", work, default, cap, lower)
    {
        return code;
    }
    // One thread: like one core's worth of a busy server, where every task shares it.
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let mut table = Table::new([
        "job runs",
        "primes",
        "job time",
        "heartbeats",
        "during the job",
        "worst lateness",
    ]);
    let (mut late, mut failed, mut counts) = (Vec::new(), Vec::new(), BTreeSet::new());
    let mut longest_job = Duration::ZERO;
    // Unoptimized, the count takes seconds per way: say so, and show progress as a long run does.
    let debug = cfg!(debug_assertions);
    let progress = debug || work > 10 * default;
    if debug {
        eprintln!("note: a debug build counts primes many times slower than `--release`");
    }
    for mode in modes {
        let ticks = Arc::new(AtomicU32::new(0));
        let (primes, took, during, worst) = runtime.block_on(async {
            let (stop, stopped) = oneshot::channel();
            let beat = tokio::spawn(heartbeat(stopped, Arc::clone(&ticks)));
            tokio::time::sleep(3 * TICK).await; // a few on-time beats first
            let (start, before) = (Instant::now(), ticks.load(Ordering::SeqCst));
            let primes = job(mode, args.limit).await;
            let took = start.elapsed();
            let during = ticks.load(Ordering::SeqCst) - before;
            tokio::time::sleep(2 * TICK).await; // the heartbeat's next tick shows any stall
            let _ = stop.send(());
            (primes, took, during, beat.await)
        });
        let name = match mode {
            Mode::Inline => "inline in the task",
            Mode::SpawnBlocking => "spawn_blocking",
            Mode::Rayon => "rayon + oneshot",
        };
        if progress {
            eprintln!("  {name}: done in {}", fmt_duration(took));
        }
        longest_job = longest_job.max(took);
        let worst = worst.unwrap_or_else(|e| {
            failed.push(format!("{name}: the heartbeat failed: {e}"));
            Duration::ZERO
        });
        late.push((name, worst));
        let primes = match primes {
            Ok(p) => {
                counts.insert(p);
                p.to_string()
            }
            Err(e) => {
                failed.push(format!("{name}: {e}"));
                "failed".to_string()
            }
        };
        table.row([
            name.to_string(),
            primes,
            fmt_duration(took),
            ticks.load(Ordering::SeqCst).to_string(),
            during.to_string(),
            fmt_duration(worst),
        ]);
    }
    print!("{table}");
    let summary: Vec<String> = late
        .iter()
        .map(|(n, w)| format!("{n} {}", fmt_duration(*w)))
        .collect();
    println!(
        "heartbeat every {}: worst lateness {}",
        fmt_duration(TICK),
        summary.join(", ")
    );
    if longest_job < 2 * TICK {
        println!(
            "every job took less than two heartbeats ({}): too short to hold a heartbeat up, so no stall could show; raise --limit",
            fmt_duration(2 * TICK)
        );
    }
    if !failed.is_empty() {
        eprintln!(
            "error: {} of {} jobs failed: {}",
            failed.len(),
            late.len(),
            failed.join("; ")
        );
        return ExitCode::FAILURE;
    }
    if counts.len() > 1 {
        eprintln!("error: the ways counted different numbers of primes: {counts:?}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
