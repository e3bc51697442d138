//! Thread memory: what a waiting thread really costs, by stack size.
//!
//! The guide rates threading's memory "Medium-High (thread overhead)". This program measures
//! it: it starts `--threads` threads that each wait on a gate, for each stack size in
//! `--stack-kib`, and reads the process's resident memory (VmRSS) and reserved address space
//! (VmSize) once they all wait, and the time to create each. Each stack size is measured in a
//! fresh copy of the program, so that no round inherits another's freed stacks. The result surprises most
//! people: the stack size reserves address space, but the kernel gives a thread physical pages
//! only as it touches them, so an idle thread costs about the same resident memory whatever
//! its stack size. (The kernel's own per-thread memory, its stack and task struct, about
//! 10-20 KiB, is not in VmRSS; `async` tasks avoid that too, see `task_memory`.)
//!
//! Run:
//!   cargo run --release -p examples-threads --bin thread_memory
//!   cargo run --release -p examples-threads --bin thread_memory -- --threads 5000 --stack-kib 64,8192
//!
//! You will see: per thread, a creation time of some microseconds, a resident cost of a few
//! KiB to a few tens of KiB, nearly the same for every stack size, and an address-space cost
//! that follows the stack size (2 MiB stacks: about 2 MiB each).
//!
//! Python: `threading.stack_size(64 * 1024)` before starting threads; a Python thread also
//! carries its interpreter frame state, so it costs more than a Rust one.
//!
//! Try this: make each thread touch its stack (a local `[0u8; 512 * 1024]` passed to
//! `black_box`) and watch resident memory follow the stack size after all; compare with
//! `task_memory` in examples-async.

use std::process::ExitCode;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration, fmt_kib, proc_status_kib};

#[derive(Parser, Debug)]
#[command(
    about = "Start N waiting threads per stack size; resident and reserved memory per thread"
)]
struct Args {
    /// Threads alive at once, per stack size.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    threads: u32,
    /// Stack sizes to try, in KiB, comma-separated (std's default for spawned threads: 2048).
    #[arg(long, value_delimiter = ',', default_value = "64,2048,8192", value_parser = clap::value_parser!(u64).range(16..=65_536))]
    stack_kib: Vec<u64>,
    /// Internal: measure one stack size in this process and print the figures (the program
    /// starts itself with this flag once per stack size).
    #[arg(long, hide = true)]
    one_round: bool,
}

/// One round's figures, per thread.
#[derive(Debug, PartialEq)]
struct Round {
    stack_kib: u64,
    spawn: Duration,
    rss_kib: f64,
    virtual_kib: f64,
}

/// Starts `n` threads with `stack_kib` of stack, all waiting on one gate; measures once every
/// one of them is waiting, then opens the gate and joins them.
fn round(n: u32, stack_kib: u64) -> Result<Round, String> {
    let read = |field| proc_status_kib(field).ok_or("cannot read /proc/self/status");
    // (is the gate open, how many threads wait at it), and a Condvar for each change.
    let gate = (Mutex::new((false, 0u32)), Condvar::new(), Condvar::new());
    let (rss_before, virtual_before) = (read("VmRSS")?, read("VmSize")?);
    thread::scope(|s| {
        let start = Instant::now();
        let mut started = 0;
        let mut failure = None;
        for _ in 0..n {
            let spawned = thread::Builder::new()
                .stack_size((stack_kib * 1024) as usize)
                .spawn_scoped(s, || {
                    let (state, opened, arrived) = &gate;
                    let mut state = state.lock().unwrap();
                    state.1 += 1;
                    arrived.notify_one();
                    let _guard = opened.wait_while(state, |(open, _)| !*open);
                });
            match spawned {
                Ok(_) => started += 1,
                Err(e) => {
                    failure = Some(format!("thread {} of {n} did not start: {e}", started + 1));
                    break;
                }
            }
        }
        let spawn = start.elapsed();
        // Measure only once every thread is waiting: a thread still starting up has not yet
        // touched its stack, and would make the figures depend on the timing.
        let state = gate.0.lock().unwrap();
        let mut state = gate
            .2
            .wait_while(state, |(_, waiting)| *waiting < started)
            .unwrap();
        let figures = (read("VmRSS"), read("VmSize"));
        // Open the gate; the scope joins every thread on the way out.
        state.0 = true;
        drop(state);
        gate.1.notify_all();
        if let Some(failure) = failure {
            return Err(failure);
        }
        let (rss, virt) = (figures.0?, figures.1?);
        let per = |after: u64, before: u64| after.saturating_sub(before) as f64 / f64::from(n);
        Ok(Round {
            stack_kib,
            spawn: spawn / n,
            rss_kib: per(rss, rss_before),
            virtual_kib: per(virt, virtual_before),
        })
    })
}

/// Runs one round in a fresh copy of this program, so that no round inherits another's
/// freed stacks, malloc arenas or high-water marks.
fn round_in_child(threads: u32, stack_kib: u64) -> Result<Round, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let output = std::process::Command::new(exe)
        .args(["--one-round", "--threads", &threads.to_string()])
        .args(["--stack-kib", &stack_kib.to_string()])
        .output()
        .map_err(|e| format!("cannot start a measuring copy of this program: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match (output.status.success(), fields.as_slice()) {
        (true, &[spawn_ns, rss_kib, virtual_kib]) => Ok(Round {
            stack_kib,
            spawn: Duration::from_nanos(spawn_ns as u64),
            rss_kib,
            virtual_kib,
        }),
        _ => Err(String::from_utf8_lossy(&output.stderr).trim().to_string()),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.one_round {
        // The child: one round, three numbers on stdout for the parent.
        return match round(args.threads, args.stack_kib[0]) {
            Ok(r) => {
                println!("{} {} {}", r.spawn.as_nanos(), r.rss_kib, r.virtual_kib);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut rounds = Vec::new();
    for &stack in &args.stack_kib {
        match round_in_child(args.threads, stack) {
            Ok(r) => rounds.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }

    let mut table = Table::new([
        "stack",
        "threads",
        "create each",
        "resident each",
        "reserved each",
    ]);
    for r in &rounds {
        table.row([
            fmt_kib(r.stack_kib),
            args.threads.to_string(),
            fmt_duration(r.spawn),
            format!("{:.1} KiB", r.rss_kib),
            fmt_kib(r.virtual_kib as u64),
        ]);
    }
    print!("{table}");
    let (low, high) = (&rounds[0], &rounds[rounds.len() - 1]);
    println!(
        "{} idle threads: {:.1} KiB resident each with {} stacks, {:.1} KiB with {} stacks; the stack size reserves address space ({} against {} each), not memory",
        args.threads,
        low.rss_kib,
        fmt_kib(low.stack_kib),
        high.rss_kib,
        fmt_kib(high.stack_kib),
        fmt_kib(low.virtual_kib as u64),
        fmt_kib(high.virtual_kib as u64),
    );
    ExitCode::SUCCESS
}
