//! Runtimes: one workload on tokio, smol and async-std, side by side, each in its own process.
//!
//! Rust's `async fn` is only a state machine; a runtime (executor + I/O reactor + timers) runs
//! it, and you pick one. tokio is the most used (multi-threaded, work-stealing); smol is small
//! and composable; async-std is DISCONTINUED upstream (its README says so and recommends
//! smol): it is here because older tutorials use it, and because porting from it to smol is
//! mostly renamed calls (printed at the end) plus one change of meaning: a dropped async-std
//! `JoinHandle` lets its task run on, a dropped smol `Task` cancels it (here every task is
//! awaited, so the code is the same). The workload: `--tasks` tasks that each sleep
//! `--delay-ms` (spawning and timers), then two tasks passing `--messages` messages back and
//! forth over a channel (task switching). Each runtime runs in a fresh copy of this program,
//! so time, CPU and peak memory are its own.
//!
//! Run:
//!   cargo run --release -p examples-async --bin runtimes
//!   cargo run --release -p examples-async --bin runtimes -- --tasks 100000
//!
//! You will see: one row per runtime: the most tasks asleep at once (all of them, when
//! spawning them takes less than one delay), the time for all sleeping tasks (about one
//! delay), the ping-pong time and time per round trip, CPU time and peak RSS; then the
//! async-std to smol port.
//!
//! Python: asyncio is built in and has one event loop; uvloop is the faster drop-in
//! replacement, trio and curio are the alternatives with their own APIs.
//!
//! Try this: `SMOL_THREADS=2` gives smol's global executor a second thread; `--messages
//! 1000000` makes the switching cost dominate.
//!
//! Copy it out: `cargo xtask copy-out runtimes DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! async-std = "1.13"
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! smol = "2"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration, fmt_kib, measure};

#[derive(Parser, Debug)]
#[command(
    about = "The same async workload on tokio, smol and async-std (discontinued), each in a fresh process"
)]
struct Args {
    /// Tasks that each sleep once.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    tasks: u32,
    /// How long each sleeps, in ms.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    delay_ms: u64,
    /// Messages in the ping-pong (each way).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    messages: u32,
    /// Internal: run one runtime and print its JSON line.
    #[arg(long, hide = true)]
    one: Option<Runtime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Runtime {
    Tokio,
    Smol,
    AsyncStd,
}

#[derive(Serialize, Deserialize)]
struct Row {
    runtime: Runtime,
    sleepers: Duration,
    most_asleep: u32,
    woke: u32,
    ping_pong: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
}

/// What each runtime's run returns: tasks that woke, and the two phases' times.
type Phases = (u32, Duration, Duration);

/// Sleepers asleep now, and the most at once (each runtime runs in a process of its own).
static ASLEEP: AtomicU32 = AtomicU32::new(0);
static MOST_ASLEEP: AtomicU32 = AtomicU32::new(0);

/// One of `n` sleepers, counted from before its sleep until it wakes. Under the tests
/// (`WITNESS_DIR` set) it first waits until all `n` are spawned: "all asleep at once" is certain.
async fn sleeper(sleep: impl Future, n: u32) {
    MOST_ASLEEP.fetch_max(ASLEEP.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
    // test witness {
    if shared::witness::enabled() {
        static START: OnceLock<tokio::sync::Barrier> = OnceLock::new(); // works on any runtime
        START
            .get_or_init(|| tokio::sync::Barrier::new(n as usize))
            .wait()
            .await;
    }
    // test witness }
    sleep.await;
    ASLEEP.fetch_sub(1, Ordering::SeqCst);
}

fn on_tokio(args: &Args) -> Phases {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio starts");
    runtime.block_on(async {
        let start = Instant::now();
        let delay = Duration::from_millis(args.delay_ms);
        let tasks: Vec<_> = (0..args.tasks)
            .map(|_| tokio::spawn(sleeper(tokio::time::sleep(delay), args.tasks)))
            .collect();
        let mut woke = 0;
        for t in tasks {
            woke += u32::from(t.await.is_ok());
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let echo = tokio::spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                let _ = pong_tx.send(v).await;
            }
        });
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let messages = args.messages;
        let pinger = tokio::spawn(async move {
            for i in 0..messages {
                let _ = ping_tx.send(i).await;
                let _ = pong_rx.recv().await;
            }
        });
        let _ = pinger.await;
        let _ = echo.await;
        (woke, sleepers, start.elapsed())
    })
}

/// The ping-pong's two sides for smol and async-std (their channels are the same crate).
async fn echo(ping: smol::channel::Receiver<u32>, pong: smol::channel::Sender<u32>) {
    while let Ok(v) = ping.recv().await {
        let _ = pong.send(v).await;
    }
}

async fn ping(ping: smol::channel::Sender<u32>, pong: smol::channel::Receiver<u32>, n: u32) {
    for i in 0..n {
        let _ = ping.send(i).await;
        let _ = pong.recv().await;
    }
}

fn on_smol(args: &Args) -> Phases {
    // smol::spawn: the global executor (SMOL_THREADS threads, default 1) plus the reactor.
    smol::block_on(async {
        let start = Instant::now();
        let delay = Duration::from_millis(args.delay_ms);
        let tasks: Vec<_> = (0..args.tasks)
            .map(|_| smol::spawn(sleeper(smol::Timer::after(delay), args.tasks)))
            .collect();
        let woke = tasks.len() as u32; // a sleeper's panic would resume here, in `t.await`
        for t in tasks {
            t.await;
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, ping_rx) = smol::channel::bounded::<u32>(1);
        let (pong_tx, pong_rx) = smol::channel::bounded::<u32>(1);
        let echo = smol::spawn(echo(ping_rx, pong_tx));
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let pinger = smol::spawn(ping(ping_tx, pong_rx, args.messages));
        pinger.await;
        echo.await;
        (woke, sleepers, start.elapsed())
    })
}

/// DISCONTINUED upstream. The smol version above is this one with the names changed (see the
/// port printed by `main`); async-std's channels are smol's `async-channel` already.
fn on_async_std(args: &Args) -> Phases {
    async_std::task::block_on(async {
        let start = Instant::now();
        let delay = Duration::from_millis(args.delay_ms);
        let tasks: Vec<_> = (0..args.tasks)
            .map(|_| async_std::task::spawn(sleeper(async_std::task::sleep(delay), args.tasks)))
            .collect();
        let woke = tasks.len() as u32; // a sleeper's panic would resume here, in `t.await`
        for t in tasks {
            t.await;
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, ping_rx) = smol::channel::bounded::<u32>(1);
        let (pong_tx, pong_rx) = smol::channel::bounded::<u32>(1);
        let echo = async_std::task::spawn(echo(ping_rx, pong_tx));
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let pinger = async_std::task::spawn(ping(ping_tx, pong_rx, args.messages));
        pinger.await;
        echo.await;
        (woke, sleepers, start.elapsed())
    })
}

fn name(r: Runtime) -> String {
    r.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    shared::cli::setup(); // before the `--one` branch: the children get it too
    let args = Args::parse();
    // One runtime at a time holds every sleeper: at most 1 KiB each (0.85 KiB measured).
    let memory = u128::from(args.tasks) * 1024;
    if let Err(code) = shared::cli::cap_bytes("memory", memory, shared::cli::MEMORY_CAP, "--tasks")
    {
        return code;
    }
    if let Some(runtime) = args.one {
        let ((woke, sleepers, ping_pong), m) = measure(|| match runtime {
            Runtime::Tokio => on_tokio(&args),
            Runtime::Smol => on_smol(&args),
            Runtime::AsyncStd => on_async_std(&args),
        });
        let row = Row {
            runtime,
            sleepers,
            most_asleep: MOST_ASLEEP.load(Ordering::SeqCst),
            woke,
            ping_pong,
            cpu: m.cpu(),
            peak_rss_kib: m.peak_rss_kib,
        };
        println!("{}", serde_json::to_string(&row).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let Ok(me) = std::env::current_exe() else {
        eprintln!("error: cannot find this program's own executable");
        return ExitCode::FAILURE;
    };
    println!(
        "{} tasks sleeping {} ms each, then {} ping-pong round trips, on each runtime in a fresh process",
        args.tasks, args.delay_ms, args.messages
    );
    let mut table = Table::new([
        "runtime",
        "sleepers woke",
        "asleep at once",
        "all slept in",
        "ping-pong",
        "per round trip",
        "cpu",
        "peak RSS",
    ]);
    for runtime in [Runtime::Tokio, Runtime::Smol, Runtime::AsyncStd] {
        // The child gets this run's flags, and which runtime to run.
        let output = Command::new(&me)
            .args(std::env::args_os().skip(1))
            .args(["--one", &name(runtime)])
            .stderr(std::process::Stdio::inherit()) // its errors, if any, reach the user
            .output();
        let row = output
            .ok()
            .and_then(|o| serde_json::from_slice::<Row>(&o.stdout).ok());
        // A sleeper that never woke (it panicked) is a failed run, not a shorter row.
        let Some(row) = row.filter(|r| r.woke == args.tasks) else {
            eprintln!("error: the {} run failed", name(runtime));
            return ExitCode::FAILURE;
        };
        let label = if runtime == Runtime::AsyncStd {
            "async-std (discontinued)".to_string()
        } else {
            name(runtime)
        };
        table.row([
            label,
            row.woke.to_string(),
            row.most_asleep.to_string(),
            fmt_duration(row.sleepers),
            fmt_duration(row.ping_pong),
            fmt_duration(row.ping_pong / args.messages),
            fmt_duration(row.cpu),
            fmt_kib(row.peak_rss_kib),
        ]);
    }
    print!("{table}");
    println!("porting async-std to smol (the first three: the code above, line for line):");
    for (from, to) in PORT {
        println!("  {from:<30} -> {to}");
    }
    ExitCode::SUCCESS
}

/// The port, with the one change of meaning last: on smol, a task nobody awaits must be
/// `.detach()`ed.
const PORT: [(&str, &str); 6] = [
    ("async_std::task::block_on(f)", "smol::block_on(f)"),
    ("async_std::task::spawn(f)", "smol::spawn(f)"),
    ("async_std::task::sleep(d)", "smol::Timer::after(d)"),
    ("async_std::net::TcpStream", "smol::net::TcpStream"),
    ("async_std::channel", "smol::channel (same crate)"),
    ("drop(handle): runs on", "drop(task): cancelled; detach()"),
];
