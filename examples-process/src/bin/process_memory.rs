//! Process memory: what one process costs, against one thread and one async task, measured
//! the same way: the time to start one and wait for it to end, and the memory one holds.
//!
//! The guide's comparison table says multiprocessing memory is "High", threading
//! "Medium-High" and asyncio "Low". First, spawn and join: one unit that does nothing is
//! started and waited for, again and again (a process: this program, exiting at once; a
//! thread: an empty closure; a task: an empty future on a one-thread tokio runtime); the
//! figure is the median of 21 batches. Then N of each are started and left waiting: N processes
//! (this program in a waiting mode, each saying `ready` on its pipe), N threads blocked on a
//! channel, N tokio tasks blocked on a `Notify`. Start time per unit is from the first spawn
//! until all N are waiting, divided by N. Memory per unit is resident memory (RSS): for
//! threads and tasks the growth of one process that holds them (each measured in a fresh
//! child process); for processes, each child's own RSS, and its PSS, which splits the pages
//! that processes share (the program's code, the C library) between them. RSS counts pages
//! in use, not the kernel's own bookkeeping (a task_struct, page tables: a few KiB more per
//! thread or process).
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_memory
//!   cargo run --release -p examples-process --bin process_memory -- --count 500
//!   cargo run --release -p examples-process --bin process_memory -- --json
//!
//! You will see: a process spawned and joined in under a millisecond and holding and a few MiB resident, of which only a
//! couple of hundred KiB are its own (PSS: the rest is code shared with its siblings); a
//! thread in tens of microseconds and about 10 KiB; a task in well under a microsecond and
//! under 1 KiB: at each step, tens of times apart.
//!
//! Python: `multiprocessing.Process(target=wait).start()` against `threading.Thread` against
//! `asyncio.create_task`; a Python process also carries the interpreter (tens of MiB).
//!
//! Try this: `--count 1000` (the per-unit figures hold still); run `ps -o pid,rss,cmd` while
//! it waits with a larger `--count` to see the children.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration, fmt_kib, fmt_kib_f64, proc_status_kib, proc_status_kib_of};

#[derive(Parser, Debug)]
#[command(about = "N waiting processes, threads and async tasks: start time and memory per unit")]
struct Args {
    /// How many of each to start and leave waiting.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=2_000))]
    count: u32,
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
    pss_kib: Option<f64>,
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
}

/// Spawn-and-join time per unit: the median over 21 batches of the batch's time divided by
/// its size (batches, because one task takes less time than reading the clock twice).
fn spawn_join(
    batch: u32,
    mut run: impl FnMut(u32) -> Result<Duration, String>,
) -> Result<f64, String> {
    let mut per_unit = Vec::new();
    for _ in 0..21 {
        per_unit.push(run(batch)?.as_secs_f64() / f64::from(batch));
    }
    per_unit.sort_by(f64::total_cmp);
    Ok(per_unit[per_unit.len() / 2])
}

/// A process: this program, which exits as soon as it finds its stdin closed.
fn spawn_join_processes(batch: u32) -> Result<Duration, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let start = Instant::now();
    for _ in 0..batch {
        let status = Command::new(&me)
            .arg("--wait")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot start a process: {e}"))?;
        if !status.success() {
            return Err(format!("a child failed: {status}"));
        }
    }
    Ok(start.elapsed())
}

fn spawn_join_threads(batch: u32) -> Result<Duration, String> {
    let start = Instant::now();
    for _ in 0..batch {
        std::thread::spawn(|| ())
            .join()
            .map_err(|_| "a thread panicked")?;
    }
    Ok(start.elapsed())
}

fn spawn_join_tasks(rt: &tokio::runtime::Runtime, batch: u32) -> Result<Duration, String> {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..batch {
            tokio::spawn(async {}).await.map_err(|e| e.to_string())?;
        }
        Ok(start.elapsed())
    })
}

/// Hold N threads, each blocked on a channel, and report per-thread start time and RSS.
fn hold_threads(n: u32) -> Result<PerUnit, String> {
    let before = proc_status_kib("VmRSS").ok_or("no /proc")?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let mut stops = Vec::new();
    let mut handles = Vec::new();
    let start = Instant::now();
    for _ in 0..n {
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let ready = ready_tx.clone();
        let h = std::thread::Builder::new()
            .spawn(move || {
                let _ = ready.send(());
                let _ = stop_rx.recv(); // waits here until the sender is dropped
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        stops.push(stop_tx);
        handles.push(h);
    }
    for _ in 0..n {
        ready_rx.recv().map_err(|e| e.to_string())?;
    }
    let took = start.elapsed();
    let after = proc_status_kib("VmRSS").ok_or("no /proc")?;
    drop(stops);
    for h in handles {
        h.join().map_err(|_| "a thread panicked")?;
    }
    Ok(per_unit(n, took, before, after))
}

/// Hold N tokio tasks, each waiting on a `Notify`, on one thread, and report the same.
fn hold_tasks(n: u32) -> Result<PerUnit, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let before = proc_status_kib("VmRSS").ok_or("no /proc")?;
        let stop = Arc::new(tokio::sync::Notify::new());
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (stop, ready) = (Arc::clone(&stop), ready_tx.clone());
                tokio::spawn(async move {
                    let stopped = stop.notified();
                    let _ = ready.send(());
                    stopped.await;
                })
            })
            .collect();
        for _ in 0..n {
            ready_rx.recv().await.ok_or("a task vanished")?;
        }
        let took = start.elapsed();
        let after = proc_status_kib("VmRSS").ok_or("no /proc")?;
        stop.notify_waiters();
        for t in tasks {
            t.await.map_err(|e| e.to_string())?;
        }
        Ok(per_unit(n, took, before, after))
    })
}

fn per_unit(n: u32, took: Duration, before: u64, after: u64) -> PerUnit {
    PerUnit {
        start_s: took.as_secs_f64() / f64::from(n),
        rss_kib: after.saturating_sub(before) as f64 / f64::from(n),
        pss_kib: None,
    }
}

/// A process's proportional set size: its pages, shared ones split between their sharers.
fn pss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Start N waiting processes, read their memory while they all wait, then let them go.
fn hold_processes(n: u32) -> Result<PerUnit, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children: Vec<Child> = Vec::new();
    let result = (|| {
        let start = Instant::now();
        for _ in 0..n {
            let child = Command::new(&me)
                .arg("--wait")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start a process: {e}"))?;
            children.push(child);
        }
        for c in &mut children {
            let mut line = String::new();
            let out = c.stdout.as_mut().ok_or("no pipe")?;
            BufReader::new(out)
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            if line.trim() != "ready" {
                return Err(format!("a child said {line:?}"));
            }
        }
        let took = start.elapsed();
        let (mut rss, mut pss) = (0, 0);
        for c in &children {
            rss += proc_status_kib_of(c.id(), "VmRSS").ok_or("cannot read a child's RSS")?;
            pss += pss_kib(c.id()).ok_or("cannot read a child's PSS")?;
        }
        Ok(PerUnit {
            start_s: took.as_secs_f64() / f64::from(n),
            rss_kib: rss as f64 / f64::from(n),
            pss_kib: Some(pss as f64 / f64::from(n)),
        })
    })();
    // Whatever happened: close every stdin (the children exit) and reap them all.
    for c in &mut children {
        drop(c.stdin.take());
    }
    for mut c in children {
        if result.is_err() {
            let _ = c.kill();
        }
        let _ = c.wait();
    }
    result
}

/// Runs `--hold UNIT` in a fresh child process, so that nothing else is in its memory.
fn in_fresh_process(unit: &str, n: u32) -> Result<PerUnit, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let out = Command::new(me)
        .args(["--hold", unit, "--count", &n.to_string()])
        .output()
        .map_err(|e| format!("cannot start the measuring process: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "measuring {unit} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
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
    match measure_all(args.count) {
        Ok(rows) if args.json => rows.iter().for_each(shared::print_json),
        Ok(rows) => report(&rows),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Every unit measured both ways: spawn and join, then N waiting.
fn measure_all(count: u32) -> Result<Vec<Row>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let process = spawn_join(10, spawn_join_processes).map_err(|e| format!("process: {e}"))?;
    let thread = spawn_join(100, spawn_join_threads).map_err(|e| format!("thread: {e}"))?;
    let task =
        spawn_join(10_000, |b| spawn_join_tasks(&rt, b)).map_err(|e| format!("task: {e}"))?;
    let waiting = [
        ("process", process, hold_processes(count)),
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
            r.pss_kib.map_or("-".into(), |p| fmt_kib(p.round() as u64)),
        ]);
        let article = if r.unit.starts_with('a') { "an" } else { "a" };
        parts.push(format!("{article} {} {spawn_join} and {rss}", r.unit));
    }
    print!("{table}");
    println!(
        "measured the same way: {}; pick by what you need to isolate, not by habit",
        parts.join(", ")
    );
}
