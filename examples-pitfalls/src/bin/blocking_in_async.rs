//! Blocking in async: one blocking call freezes every task on the thread.
//!
//! An async runtime runs many tasks on few threads by switching at each `.await`. A task that
//! blocks (a `std::thread::sleep`, a blocking file or socket call, a long CPU loop) never
//! reaches an `.await`, so its thread can switch to nothing else until it is done. A heartbeat
//! task that should tick every `--period-ms` shows the damage: on a single-threaded runtime,
//! its lateness grows to the whole `--block-ms` of the blocking call. The fix moves the
//! blocking work to tokio's blocking thread pool with `spawn_blocking` and awaits the result:
//! the heartbeat keeps time.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin blocking_in_async
//!   cargo run -p examples-pitfalls --bin blocking_in_async -- --block-ms 1000 --period-ms 5
//!
//! You will see: a table of the heartbeat's ticks while the job ran, and its worst lateness, for
//! four jobs: a blocking sleep and a CPU loop run inside the async task (not one tick while the
//! job runs, worst lateness about `--block-ms`), and the same two through `spawn_blocking`
//! (about one tick per `--period-ms` while the job runs, lateness of a few milliseconds: more
//! on a busy machine, or when the CPU loop and the runtime's thread have to share a core).
//!
//! Python: `time.sleep(1)` or `requests.get(url)` inside an `async def` stalls the whole
//! asyncio event loop; the fix is `await asyncio.to_thread(time.sleep, 1)` or
//! `loop.run_in_executor(None, ...)`. The guide's "you can use async libraries" is this rule.
//!
//! Try this: build the runtime with `new_multi_thread().worker_threads(2)` (the heartbeat keeps
//! ticking on a worker while the job blocks elsewhere: more threads hide the bug until as
//! many tasks block as there are workers); `--block-ms 1000` (the inline jobs' lateness grows
//! with the job, the pool's does not). For waiting, as opposed to working, the right fix is
//! no blocking at all: `tokio::time::sleep(..).await`.
//!
//! Copy it out: `cargo xtask copy-out blocking_in_async DIR` writes it as a crate of its own (with
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

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration};
use tokio::time::sleep_until;

#[derive(Parser, Debug)]
#[command(about = "A blocking call inside async freezes a heartbeat; spawn_blocking fixes it")]
struct Args {
    /// How long the blocking job takes, in milliseconds (at most 5,000: the four jobs then take
    /// about 20 s, and the table comes at the end).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=5_000))]
    block_ms: u64,
    /// The heartbeat's period, in milliseconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    period_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    SleepInline,
    CpuInline,
    SleepOnBlockingPool,
    CpuOnBlockingPool,
}

/// A CPU loop that runs for `d`: real work (a hash chain), no waiting.
fn spin(d: Duration) -> u64 {
    let start = Instant::now();
    let mut x = 1u64;
    while start.elapsed() < d {
        for _ in 0..1_000 {
            x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
    }
    x
}

/// What the heartbeat saw: how late each tick woke up, and how many ticks came while the job
/// was running.
#[derive(Default)]
struct Beats {
    late: Vec<Duration>,
    during_job: u32,
}

/// Ticks every `period` until `stop`, noting the ticks that come while `job_running`.
async fn heartbeat(
    period: Duration,
    stop: Arc<AtomicBool>,
    job_running: Arc<AtomicBool>,
    witness: String, // test witness: the job's name, the section its first tick arrives at
) -> Beats {
    let mut beats = Beats::default();
    let mut due = tokio::time::Instant::now() + period;
    while !stop.load(Ordering::Relaxed) {
        sleep_until(due).await;
        beats.late.push(tokio::time::Instant::now() - due);
        if job_running.load(Ordering::SeqCst) {
            beats.during_job += 1;
            // test witness {: ticking while the job runs
            if beats.during_job == 1 {
                shared::witness::arrive(&witness, 2);
            }
            // test witness }
        }
        due += period;
        // After a stall, tick from now rather than firing all the missed ticks at once.
        due = due.max(tokio::time::Instant::now());
    }
    beats
}

async fn run(job: Job, block: Duration, period: Duration) -> Result<Beats, String> {
    let (stop, running) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let beat = tokio::spawn(heartbeat(
        period,
        Arc::clone(&stop),
        Arc::clone(&running),
        format!("{job:?}"), // test witness
    ));
    // Let the heartbeat tick a few times first.
    tokio::time::sleep(period * 3).await;
    // The job's work, flagged as running meanwhile so that the heartbeat can count its ticks.
    let the_job = move || {
        running.store(true, Ordering::SeqCst);
        // test witness {: a tick comes meanwhile
        if matches!(job, Job::SleepOnBlockingPool | Job::CpuOnBlockingPool) {
            shared::witness::arrive(&format!("{job:?}"), 2);
        }
        // test witness }
        match job {
            Job::SleepInline | Job::SleepOnBlockingPool => std::thread::sleep(block),
            Job::CpuInline | Job::CpuOnBlockingPool => _ = black_box(spin(block)),
        }
        running.store(false, Ordering::SeqCst);
    };
    match job {
        // The bug: blocking work inside async code, with no .await to switch at.
        Job::SleepInline | Job::CpuInline => the_job(),
        // CHANGED: the same work on the blocking pool; this task awaits it, so the thread is
        // free to run the heartbeat meanwhile.
        Job::SleepOnBlockingPool | Job::CpuOnBlockingPool => tokio::task::spawn_blocking(the_job)
            .await
            .map_err(|e| format!("the job failed: {e}"))?,
    }
    tokio::time::sleep(period * 3).await;
    stop.store(true, Ordering::Relaxed);
    beat.await.map_err(|e| format!("the heartbeat failed: {e}"))
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.block_ms < 2 * args.period_ms {
        return shared::cli::usage_error(format!(
            "--block-ms {} is shorter than two --period-ms {} ({} ms): a job that short can span as few as one tick's due time (none, if shorter than a period), too few to tell a frozen heartbeat from a late one",
            args.block_ms,
            args.period_ms,
            2 * args.period_ms
        ));
    }
    // Four jobs of --block-ms: its range keeps them to 20 s in all; a run above ten times the
    // default's says so before it starts.
    let d = Args::parse_from(["blocking_in_async"]); // the defaults, from clap
    let ms = |a: &Args| 4 * u128::from(a.block_ms);
    if let Err(refused) = shared::cli::cap_work(
        "milliseconds of jobs",
        ms(&args),
        ms(&d),
        20_000,
        "--block-ms",
    ) {
        return refused;
    }
    let (block, period) = (
        Duration::from_millis(args.block_ms),
        Duration::from_millis(args.period_ms),
    );
    // One thread for all the tasks, like asyncio's event loop.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let jobs = [
        (Job::SleepInline, "std::thread::sleep inside async"),
        (Job::CpuInline, "CPU loop inside async"),
        (Job::SleepOnBlockingPool, "spawn_blocking(sleep)"),
        (Job::CpuOnBlockingPool, "spawn_blocking(CPU loop)"),
    ];
    // Read from the runtime, so that the line stays true after the first "Try this".
    let flavor = match runtime.handle().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => "a single-threaded",
        _ => "a multi-threaded",
    };
    println!(
        "a heartbeat due every {} on {flavor} runtime, while another task runs a {} job:",
        fmt_duration(period),
        fmt_duration(block)
    );
    let mut table = Table::new(["job", "ticks while it ran", "worst lateness"]);
    let (mut worst, mut during) = (Vec::new(), Vec::new());
    for (job, name) in jobs {
        let beats = match runtime.block_on(run(job, block, period)) {
            Ok(beats) => beats,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let max = beats.late.iter().copied().max().unwrap_or_default();
        worst.push(max);
        during.push(beats.during_job);
        table.row([
            name.to_string(),
            beats.during_job.to_string(),
            fmt_duration(max),
        ]);
    }
    print!("{table}");
    println!(
        "blocking inside async: {} and {} ticks while the two jobs ran, the heartbeat up to {} late; through spawn_blocking: {} and {} ticks while they ran, at worst {} late",
        during[0],
        during[1],
        fmt_duration(worst[0].max(worst[1])),
        during[2],
        during[3],
        fmt_duration(worst[2].max(worst[3]))
    );
    ExitCode::SUCCESS
}
