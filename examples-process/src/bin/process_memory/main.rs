//! Process memory: what one process costs, against one thread and one async task, measured
//! the same way: the time to start one and wait for it to end, and the memory one holds.
//!
//! The guide's comparison table says multiprocessing memory is "High", threading
//! "Medium-High" and asyncio "Low-Medium". First, spawn and join: one unit that does nothing
//! is started and waited for, again and again (a process: this program, exiting at once; a
//! thread: an empty closure; a task: an empty future on a one-thread tokio runtime); the
//! figure is the median of 21 batches. Then N of each are started and left waiting: N
//! processes (this program in a waiting mode, each saying `ready` on its pipe), N threads
//! blocked on a channel, N tokio tasks blocked on a `Notify`. Start time per unit is from the
//! first spawn until all N are waiting, divided by N. Memory per unit is resident memory
//! (RSS): for threads and tasks the growth of one process that holds them (each measured in a
//! fresh child process); for a process, its own RSS, most of which is pages it shares with
//! its siblings (the program's code, the C library). So two more figures for processes, from
//! `/proc/PID/smaps_rollup` while all N wait: its private pages (no other process maps them:
//! what one more process adds) and its PSS (its private pages plus its share of each shared
//! page, split between the processes that map it). RSS counts the pages a process maps, not
//! the kernel's own memory for each unit: a kernel stack (16 KiB on x86-64) and a task_struct
//! (about 6 KiB on this kernel) per thread or process, and page tables per process: for a
//! thread, more than its RSS. Each process runs `shared::cli::setup` first, whose thread
//! waiting for signals is a part of its figures (about as much as one thread in the table).
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_memory
//!   cargo run --release -p examples-process --bin process_memory -- --count 250
//!   cargo run --release -p examples-process --bin process_memory -- --json
//!
//! You will see: in a release build, a process spawned and joined in a millisecond or two,
//! holding a few MiB resident, of which a couple of hundred KiB are its own (private; its
//! PSS is a little more); a thread in 10 to 30 microseconds and about 10 KiB; a task in
//! under a microsecond and under 1 KiB. Each step down is tens to hundreds of times cheaper in
//! time, and several to tens of times cheaper in the memory a unit holds of its own (for a
//! process, its private pages); a process's whole RSS is a few hundred times a thread's. The
//! times grow on a busy machine; the memory does not.
//!
//! Python: `multiprocessing.Process(target=wait).start()` against `threading.Thread` against
//! `asyncio.create_task`; a Python process also carries the interpreter (a bare CPython 3.11
//! is about 13 MiB resident).
//!
//! Try this: `--count 50`, then `--count 250`: a process's RSS and private pages hold still,
//! while its PSS falls towards the private figure, its shared pages split between more
//! siblings. Fewer than 50 are refused: memory grows by whole 4 KiB pages, and a task's figure
//! per unit would rest on a few of them. `--hold-ms 30000` keeps the waiting processes for
//! half a minute after they are measured: `ps --ppid PID -o pid,rss,cmd` in another terminal
//! lists them (PID from `pgrep -o process_memory`).
//!
//! Copy it out: `cargo xtask copy-out process_memory DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, record, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["rt", "sync"] }
//! ```

mod units;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration, fmt_kib_f64};
use units::{
    hold_processes, hold_tasks, hold_threads, in_fresh_process, spawn_join, spawn_join_processes,
    spawn_join_tasks, spawn_join_threads,
};

/// Fewer units than this (tasks above all) grow memory by few whole pages: the figures per
/// unit would rest on the rounding to pages (from 50 on, a page moves them under 0.1 KiB).
const MIN_COUNT: u32 = 50;

#[derive(Parser, Debug)]
#[command(about = "N waiting processes, threads and async tasks: start time and memory per unit")]
struct Args {
    /// How many of each to start and leave waiting (50 or more; processes: at most 256 at once).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2_000))]
    count: u32,
    /// Keep the waiting processes this long after measuring them, to look at them with `ps`.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    hold_ms: u64,
    /// Print one JSON object per unit instead of the table.
    #[arg(long)]
    json: bool,
    /// Internal: be one waiting process (say ready, wait for stdin to close).
    #[arg(long, hide = true)]
    wait: bool,
    /// Internal: hold `--count` threads or tasks and report.
    #[arg(long, value_enum, hide = true)]
    hold: Option<Unit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Unit {
    Threads,
    Tasks,
}

/// What N waiting units cost, averaged over N.
#[derive(Serialize, Deserialize)]
struct PerUnit {
    start_s: f64,
    rss_kib: f64,
    /// Processes only: PSS and private pages.
    pss_kib: Option<f64>,
    private_kib: Option<f64>,
}

/// One row of `--json`.
#[derive(Serialize)]
struct Row {
    unit: &'static str,
    count: u32,
    spawn_join_s: f64,
    start_s: f64,
    rss_kib: f64,
    pss_kib: Option<f64>,
    private_kib: Option<f64>,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.wait {
        println!("ready");
        let _ = std::io::stdout().flush();
        // Block until the parent closes our stdin.
        let _ = std::io::read_to_string(std::io::stdin());
        return ExitCode::SUCCESS;
    }
    if let Some(unit) = args.hold {
        let result = match unit {
            Unit::Threads => hold_threads(args.count),
            Unit::Tasks => hold_tasks(args.count),
        };
        return match result {
            Ok(r) => {
                shared::print_json(&r);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.count < MIN_COUNT {
        return shared::cli::usage_error(format!(
            "--count {}: memory grows by whole 4 KiB pages, so below {MIN_COUNT} units the \
             figures per unit, a task's above all, rest on few pages (5 tasks read 0 KiB, 2 \
             threads 48 KiB); from {MIN_COUNT} on, a page more or less moves them by under \
             0.1 KiB: use {MIN_COUNT} or more",
            args.count
        ));
    }
    // N processes wait at once (the threads and tasks are in one process).
    let cap = shared::cli::PROCESSES_CAP;
    if let Err(refused) = shared::cli::cap_count("processes", args.count.into(), cap, "--count") {
        return refused;
    }
    if !args.json {
        println!(
            "spawning and joining 10 processes, 100 threads and 10,000 tasks, 21 times each; \
             then {} of each left waiting...",
            args.count
        );
    }
    match measure_all(args.count, Duration::from_millis(args.hold_ms)) {
        Ok(rows) if args.json => rows.iter().for_each(shared::print_json),
        Ok(rows) => report(&rows),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Every unit measured both ways: spawn and join, then N waiting (the processes kept `hold`).
fn measure_all(count: u32, hold: Duration) -> Result<Vec<Row>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let process = spawn_join(10, spawn_join_processes).map_err(|e| format!("process: {e}"))?;
    let thread = spawn_join(100, spawn_join_threads).map_err(|e| format!("thread: {e}"))?;
    let task =
        spawn_join(10_000, |b| spawn_join_tasks(&rt, b)).map_err(|e| format!("task: {e}"))?;
    let waiting = [
        ("process", process, hold_processes(count, hold)),
        ("thread", thread, in_fresh_process("threads", count)),
        ("async task", task, in_fresh_process("tasks", count)),
    ];
    waiting
        .into_iter()
        .map(|(unit, spawn_join_s, held)| {
            let held = held.map_err(|e| format!("{unit}: {e}"))?;
            Ok(Row {
                unit,
                count,
                spawn_join_s,
                start_s: held.start_s,
                rss_kib: held.rss_kib,
                pss_kib: held.pss_kib,
                private_kib: held.private_kib,
            })
        })
        .collect()
}

fn report(rows: &[Row]) {
    let mut table = Table::new([
        "unit",
        "spawn + join",
        "waiting",
        "start per unit",
        "RSS per unit",
        "private per unit",
        "PSS per unit",
    ]);
    let mut parts = Vec::new();
    for r in rows {
        let rss = fmt_kib_f64(r.rss_kib);
        let spawn_join = fmt_duration(Duration::from_secs_f64(r.spawn_join_s));
        table.row([
            r.unit.to_string(),
            spawn_join.clone(),
            r.count.to_string(),
            fmt_duration(Duration::from_secs_f64(r.start_s)),
            rss.clone(),
            r.private_kib.map_or("-".into(), fmt_kib_f64),
            r.pss_kib.map_or("-".into(), fmt_kib_f64),
        ]);
        let article = if r.unit.starts_with('a') { "an" } else { "a" };
        let own = r.private_kib.map_or(String::new(), |p| {
            format!(" ({} of it private)", fmt_kib_f64(p))
        });
        parts.push(format!("{article} {} {spawn_join} and {rss}{own}", r.unit));
    }
    print!("{table}");
    println!(
        "measured the same way: {}; pick by what you need to isolate, not by habit",
        parts.join(", ")
    );
}
