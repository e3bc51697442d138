//! I/O-bound or CPU-bound? Measure a program before choosing how to make it concurrent.
//!
//! The guide's key concept 2 splits work into I/O-bound (waiting on the network, disks,
//! timers: use async or threads) and CPU-bound (computing: use parallel workers), and its
//! first best practice is "profile to identify bottlenecks". This program runs a workload as a
//! child process and reads what the kernel counted for it: CPU time against wall time (a
//! program that waits uses little CPU per second; one that computes uses about one core),
//! and its context switches: voluntary ones happen when it blocks waiting for something,
//! involuntary ones when the scheduler takes the core away while it still wants to run. On a
//! busy machine a computing program also spends time ready to run but waiting for a core;
//! the kernel counts that too (`/proc/PID/schedstat`), and it counts as wanting the CPU. It
//! counts it per thread, and this reads the child's main thread only: for a command that
//! computes on several threads or in children of its own, the queued time is a lower bound
//! (its CPU time counts them all). With no command it measures two of its own, each working
//! on one thread: blocking HTTP requests to a slow loopback server, and counting primes. Give
//! any command after `--` to classify that instead; a command that fails is reported, not
//! classified (exit status 1).
//!
//! Run:
//!   cargo run --release -p examples-process --bin io_or_cpu
//!   cargo run --release -p examples-process --bin io_or_cpu -- -- sleep 1
//!   cargo run --release -p examples-process --bin io_or_cpu -- -- sh -c 'i=0; while [ $i -lt 500000 ]; do i=$((i+1)); done'
//!
//! You will see: per workload its wall time, CPU time, time its main thread was queued for a
//! core, the share of the wall time it was running or ready to run, and its switches; a
//! verdict (`I/O-bound, waiting 99% of the time`, `CPU-bound, computing 100% of the time`, and
//! the time queued for a core if the machine was busy) and the guide's advice for that kind.
//!
//! Python: `time.perf_counter()` against `time.process_time()`, or `cProfile`, before picking
//! asyncio, threads or multiprocessing.
//!
//! Try this: `-- cargo build` in a project with dependencies, from clean, on an idle machine
//! (rustc on every core: more CPU time than wall time, CPU-bound; a busy machine can make it
//! read mixed, as its rustc processes' time queued for a core is not counted); `-- curl -s
//! http://example.com` (I/O-bound); `-- gzip -k` on a big file that was just read (cached:
//! compressing, CPU-bound).
//!
//! Copy it out: `cargo xtask copy-out io_or_cpu DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "net", "rt", "sync", "time"] }
//! ureq = { version = "3.5", default-features = false }
//! ```

mod profile;
mod workloads;

use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use profile::{Profile, profile};
use shared::cli::Work;
use shared::{Table, fmt_duration};
use workloads::{built_ins, cpu_workload, divisions, io_workload};

// The default sizes (also the base of the caps on run time).
const REQUESTS: u32 = 8;
const DELAY_MS: u64 = 100;
const LIMIT: u64 = 3_000_000;
/// The built-ins run one after the other, so the caps add up: 30 s of waiting at most, and
/// 20 to 50 s of counting (2.5 x 10^10 trial divisions: primes below 5 x 10^7, at 0.8 to 2 ns
/// each on one core here); a minute or so in all.
const WAIT_CAP_MS: u128 = 30_000;
const DIVISIONS_CAP: u128 = 25_000_000_000;

#[derive(Parser, Debug)]
#[command(about = "Classify a workload as I/O-bound or CPU-bound from its resource usage")]
struct Args {
    /// Requests made by the built-in I/O-bound workload.
    #[arg(long, default_value_t = REQUESTS, value_parser = clap::value_parser!(u32).range(1..=1000))]
    requests: u32,
    /// How long the loopback server takes to answer each request, in milliseconds.
    #[arg(long, default_value_t = DELAY_MS, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    delay_ms: u64,
    /// The built-in CPU-bound workload counts the primes below this.
    #[arg(long, default_value_t = LIMIT, value_parser = clap::value_parser!(u64).range(1000..=1_000_000_000))]
    limit: u64,
    /// Internal: be a built-in workload.
    #[arg(long, value_enum, hide = true)]
    workload: Option<Workload>,
    /// Internal: the server the I/O workload calls.
    #[arg(long, hide = true)]
    url: Option<String>,
    /// A command to classify instead of the built-in workloads (after `--`).
    #[arg(last = true)]
    command: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Workload {
    Io,
    Cpu,
}

// exercise profile_first {
/// The share of the wall time it was running or ready to run: what it asked of the CPU,
/// whether or not a busy machine gave it a core. The rest it spent blocked, waiting.
fn wanted(p: &Profile) -> f64 {
    (p.cpu + p.queued.unwrap_or_default()).as_secs_f64() / p.wall.as_secs_f64().max(1e-9)
}

/// The verdict and the guide's advice, from the share of the time it wanted the CPU.
fn classify(p: &Profile) -> (&'static str, &'static str) {
    let busy = wanted(p);
    if busy < 0.3 {
        (
            "I/O-bound",
            "it mostly waits: overlap the waits with async tasks or threads; more cores would not help",
        )
    } else if busy > 0.7 {
        (
            "CPU-bound",
            "it mostly computes: split it across cores with rayon, threads or processes; async alone would not help",
        )
    } else {
        (
            "mixed",
            "it waits and computes: profile the parts separately and treat each by its kind",
        )
    }
}
// exercise profile_first }

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    match args.workload {
        Some(Workload::Io) => {
            let Some(url) = &args.url else {
                return shared::cli::usage_error("the I/O workload needs --url");
            };
            return match io_workload(url, args.requests) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Workload::Cpu) => {
            println!("{} primes", cpu_workload(args.limit));
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    if args.command.is_empty() {
        let wait = |requests: u32, delay: u64| u128::from(requests) * u128::from(delay);
        let lower = "--requests or --delay-ms";
        if let Err(refused) = shared::cli::cap_all(&[
            Work::new(
                "ms of waiting",
                wait(args.requests, args.delay_ms),
                wait(REQUESTS, DELAY_MS),
                WAIT_CAP_MS,
                lower,
            ),
            Work::new(
                "trial divisions (estimated)",
                divisions(args.limit),
                divisions(LIMIT),
                DIVISIONS_CAP,
                "--limit",
            ),
        ]) {
            return refused;
        }
    }
    // The built-in I/O workload calls a server in this process; the child's usage is its own.
    let mut _server = None;
    let runs = if let Some((program, rest)) = args.command.split_first() {
        let mut cmd = Command::new(program);
        cmd.args(rest);
        vec![(args.command.join(" "), cmd)]
    } else {
        match built_ins(&args) {
            Ok((fixture, runs)) => {
                _server = Some(fixture);
                runs
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    let mut table = Table::new([
        "workload",
        "wall",
        "cpu",
        "queued (main thread)",
        "(cpu+queued)/wall",
        "voluntary sw",
        "involuntary sw",
        "verdict",
    ]);
    let (mut advice, mut failed) = (Vec::new(), Vec::new());
    for (name, cmd) in runs {
        eprintln!("  {name} ..."); // progress: the table comes once all have run
        let p = match profile(cmd) {
            Ok(p) => p,
            Err(e) => {
                return shared::cli::usage_error(format!("cannot run {name:?}: {e}"));
            }
        };
        if !p.succeeded {
            // Work that failed is not classified: its usage says nothing about the real job.
            failed.push(format!("{name:?} ended with {}", p.status));
            continue;
        }
        let (verdict, why) = classify(&p);
        let busy = wanted(&p);
        table.row([
            name.clone(),
            fmt_duration(p.wall),
            fmt_duration(p.cpu),
            p.queued.map_or("-".into(), fmt_duration),
            format!("{busy:.2}"),
            p.voluntary.to_string(),
            p.involuntary.to_string(),
            verdict.to_string(),
        ]);
        let of_wall = |d: Duration| d.as_secs_f64() / p.wall.as_secs_f64().max(1e-9) * 100.0;
        let mut share = if verdict == "CPU-bound" {
            format!("computing {:.0}% of the time", of_wall(p.cpu).min(100.0))
        } else {
            format!("waiting {:.0}% of the time", (1.0 - busy).max(0.0) * 100.0)
        };
        match p.queued {
            // A busy machine: cpu/wall alone would have called this less CPU-bound than it is.
            Some(q) if of_wall(q) >= 5.0 => {
                share += &format!(
                    ", queued for a core {:.0}%: the machine was busy",
                    of_wall(q)
                );
            }
            None if verdict == "mixed" => {
                share +=
                    ", or it computed on a busy machine: its time queued for a core is unknown";
            }
            _ => {}
        }
        advice.push(format!("{name}: {verdict}, {share}; {why}"));
    }
    if !advice.is_empty() {
        print!("{table}");
    }
    for a in &advice {
        println!("{a}");
    }
    if !failed.is_empty() {
        let (n, of) = (failed.len(), failed.len() + advice.len());
        let which = if of == 1 {
            "the workload".to_string()
        } else {
            format!("{n} of {of} workloads")
        };
        eprintln!("error: {which} failed: {}", failed.join("; "));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
