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
//! the kernel counts that too (`/proc/PID/schedstat`), and it counts as wanting the CPU. With
//! no command it measures two of its own: blocking HTTP requests to a slow loopback server,
//! and counting primes. Give any command after `--` to classify that instead.
//!
//! Run:
//!   cargo run --release -p examples-process --bin io_or_cpu
//!   cargo run --release -p examples-process --bin io_or_cpu -- -- sleep 1
//!   cargo run --release -p examples-process --bin io_or_cpu -- -- sh -c 'i=0; while [ $i -lt 500000 ]; do i=$((i+1)); done'
//!
//! You will see: for each workload its wall time, CPU time, time queued for a core, the share
//! of the wall time it was running or ready to run, and its switches; a verdict
//! (`I/O-bound, waiting 99% of the time`, `CPU-bound, computing 100% of the time`, with the
//! time it waited for a core when the machine was busy) and the guide's advice for that kind.
//!
//! Python: `time.perf_counter()` against `time.process_time()`, or `cProfile`, before picking
//! asyncio, threads or multiprocessing.
//!
//! Try this: `-- cargo build` in a project (mixed: compiling is CPU, waiting on the linker is
//! not); `-- curl -s http://example.com` where the network is reachable; `-- gzip -k` on a big file.

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::fixture::Fixture;
use shared::{Table, Usage, Who, fmt_duration, usage};

#[derive(Parser, Debug)]
#[command(about = "Classify a workload as I/O-bound or CPU-bound from its resource usage")]
struct Args {
    /// Requests made by the built-in I/O-bound workload.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    requests: u32,
    /// How long the loopback server takes to answer each request, in milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    delay_ms: u64,
    /// The built-in CPU-bound workload counts the primes below this.
    #[arg(long, default_value_t = 3_000_000, value_parser = clap::value_parser!(u64).range(1000..=1_000_000_000))]
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

fn io_workload(url: &str, requests: u32) -> Result<(), String> {
    let agent = ureq::Agent::new_with_defaults();
    for _ in 0..requests {
        agent
            .get(url)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn cpu_workload(limit: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (0..limit).filter(|&n| is_prime(n)).count() as u64
}

/// What the kernel counted for one child process.
struct Profile {
    wall: Duration,
    cpu: Duration,
    /// Ready to run but waiting for a core (the child's main thread); `None` without /proc.
    queued: Option<Duration>,
    voluntary: u64,
    involuntary: u64,
    status: String,
}

/// Runs `cmd` to the end and takes the difference in the children's resource usage. Only one
/// child runs at a time, so the difference is that child's (with anything it waited for).
fn profile(mut cmd: Command) -> Result<Profile, std::io::Error> {
    let before: Usage = usage(Who::Children);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let queued = queued_for_a_core(child.id());
    let status = child.wait()?;
    let wall = start.elapsed();
    let after = usage(Who::Children);
    Ok(Profile {
        wall,
        cpu: (after.user + after.system).saturating_sub(before.user + before.system),
        queued,
        voluntary: after.voluntary_switches - before.voluntary_switches,
        involuntary: after.involuntary_switches - before.involuntary_switches,
        status: status.to_string(),
    })
}

/// How long process `pid` was ready to run but had no core, once it has ended. An ended
/// child stays a zombie until it is waited for, and /proc still shows its counts until then.
fn queued_for_a_core(pid: u32) -> Option<Duration> {
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The state follows the name in parentheses; Z: it has ended.
        if stat.rsplit(')').next()?.trim_start().starts_with('Z') {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let schedstat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let ns = schedstat.split_whitespace().nth(1)?.parse().ok()?; // ns on a core, ns queued
    Some(Duration::from_nanos(ns))
}

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

fn main() -> ExitCode {
    let args = Args::parse();
    match args.workload {
        Some(Workload::Io) => {
            let Some(url) = &args.url else {
                eprintln!("error: the I/O workload needs --url");
                return ExitCode::from(2);
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
    // The built-in I/O workload calls a server in this process; the child's usage is its own.
    let fixture;
    let mut runs: Vec<(String, Command)> = Vec::new();
    if let Some((program, rest)) = args.command.split_first() {
        let mut cmd = Command::new(program);
        cmd.args(rest);
        runs.push((args.command.join(" "), cmd));
    } else {
        fixture = match Fixture::start() {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: cannot start the loopback server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let me = match std::env::current_exe() {
            Ok(me) => me,
            Err(e) => {
                eprintln!("error: cannot find this program: {e}");
                return ExitCode::FAILURE;
            }
        };
        let url = fixture.delay_url(Duration::from_millis(args.delay_ms));
        let mut io = Command::new(&me);
        io.args([
            "--workload",
            "io",
            "--url",
            &url,
            "--requests",
            &args.requests.to_string(),
        ]);
        let mut cpu = Command::new(&me);
        cpu.args(["--workload", "cpu", "--limit", &args.limit.to_string()]);
        cpu.stdout(std::process::Stdio::null());
        runs.push((
            format!("{} HTTP requests of {} ms", args.requests, args.delay_ms),
            io,
        ));
        runs.push((format!("primes below {}", args.limit), cpu));
    }
    let mut table = Table::new([
        "workload",
        "wall",
        "cpu",
        "queued",
        "(cpu+queued)/wall",
        "voluntary sw",
        "involuntary sw",
        "verdict",
    ]);
    let mut advice = Vec::new();
    for (name, cmd) in runs {
        let p = match profile(cmd) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: cannot run {name:?}: {e}");
                return ExitCode::from(2);
            }
        };
        let (verdict, why) = classify(&p);
        let busy = wanted(&p);
        let queued = p.queued.map_or("-".into(), fmt_duration);
        table.row([
            name.clone(),
            fmt_duration(p.wall),
            fmt_duration(p.cpu),
            queued,
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
        advice.push(format!("{name}: {verdict}, {share} ({}); {why}", p.status));
    }
    print!("{table}");
    for a in advice {
        println!("{a}");
    }
    ExitCode::SUCCESS
}
