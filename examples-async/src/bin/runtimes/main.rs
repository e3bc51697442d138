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
//! Python: asyncio is built in, with its own event loop; uvloop is the faster drop-in
//! replacement for that loop, and trio the main alternative, with its own API (anyio runs the
//! same code on either).
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
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_count, fmt_duration, fmt_kib, measure};

mod workload;
use workload::{MOST_ASLEEP, ROUND_TRIPS, WOKE, Workload};

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
    round_trips: u32,
    cpu: Duration,
    peak_rss_kib: u64,
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
    // Time, in microseconds on each runtime: the sleep, about one per round trip, and about
    // two per sleeper spawned and woken. The largest run accepted is about a minute.
    let micros = |a: &Args| {
        3 * (u128::from(a.delay_ms) * 1000 + u128::from(a.messages) + 2 * u128::from(a.tasks))
    };
    let (work, default) = (micros(&args), micros(&Args::parse_from(["runtimes"])));
    let lower = "--delay-ms, --messages or --tasks";
    if args.one.is_none()
        && let Err(code) =
            shared::cli::cap_work("estimated microseconds", work, default, 66_000_000, lower)
    {
        return code;
    }
    if let Some(runtime) = args.one {
        let w = Workload {
            tasks: args.tasks,
            delay: Duration::from_millis(args.delay_ms),
            messages: args.messages,
        };
        workload::witness_sleepers(args.tasks); // test witness
        let (phases, m) = measure(|| match runtime {
            Runtime::Tokio => workload::on_tokio(&w),
            Runtime::Smol => workload::on_smol(&w),
            Runtime::AsyncStd => workload::on_async_std(&w),
        });
        let (sleepers, ping_pong) = match phases {
            Ok(phases) => phases,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let row = Row {
            runtime,
            sleepers,
            most_asleep: MOST_ASLEEP.load(Ordering::SeqCst),
            woke: WOKE.load(Ordering::SeqCst),
            ping_pong,
            round_trips: ROUND_TRIPS.load(Ordering::SeqCst),
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
        "{} sleeping {} ms each, then {}, on each runtime in a fresh process",
        fmt_count(args.tasks, "task", "tasks"),
        args.delay_ms,
        fmt_count(
            args.messages,
            "ping-pong round trip",
            "ping-pong round trips"
        )
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
        let Some(row) = row else {
            eprintln!("error: the {} run failed", name(runtime));
            return ExitCode::FAILURE;
        };
        // A sleeper that never woke, or a round trip not made (a task that panicked), is a
        // failed run, not a shorter row.
        if row.woke < args.tasks || row.round_trips < args.messages {
            let (woke, trips) = (row.woke, row.round_trips);
            eprintln!(
                "error: {}: {woke} of {} sleepers woke, {trips} of {} round trips made",
                name(runtime),
                args.tasks,
                args.messages
            );
            return ExitCode::FAILURE;
        }
        if work > 10 * default {
            eprintln!("  {}: done", name(runtime)); // a long run's progress
        }
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
    ("async_std::channel", "smol::channel (async-channel 1 -> 2)"),
    ("drop(handle): runs on", "drop(task): cancelled; detach()"),
];
