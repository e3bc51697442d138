//! Thread memory: what a waiting thread really costs, by stack size.
//!
//! The guide rates threading's memory "Medium-High (thread overhead)". This program measures
//! it: for each stack size in `--stack-kib`, in a fresh copy of itself (so that no round
//! inherits another's freed stacks), it starts `--threads` threads that wait on a gate and,
//! once they all wait, reads the resident memory (VmRSS) and address space (VmSize) they added,
//! and the time to create each. The result surprises most people: the stack size reserves
//! address space, but the kernel gives a thread physical pages only as it touches them, so an
//! idle thread costs about the same resident memory whatever its stack size: the top of its
//! stack, where glibc keeps the thread's descriptor and thread-local storage, and its first
//! frames. (The kernel's own memory for each thread, a 16 KiB kernel stack on x86-64 and its
//! task structure, is not in VmRSS; `async` tasks avoid it, see `task_memory` in the suite
//! "concurrency by example".)
//!
//! A thread's address space is its stack (rounded up to the minimum glibc needs, more than
//! 16 KiB), a guard page below it, and the alternate signal stack (8 KiB here) with a guard
//! page of its own, on which Rust reports a stack overflow. The copies run with
//! `MALLOC_ARENA_MAX=1` (unless you set it): otherwise glibc gives each of the first threads
//! that allocate a malloc arena, up to 8 per core, 64 MiB of address space apiece, a cost that
//! does not grow with more threads and that dividing by the thread count would misreport.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin thread_memory
//!   cargo run --release -p examples-threads --bin thread_memory -- --threads 5000 --stack-kib 64,8192
//!
//! You will see: per thread, a creation time of some microseconds, a resident cost of a few KiB
//! to a few tens of KiB, nearly the same for every stack size, and an address-space cost that
//! follows the stack size (2 MiB stacks: about 2 MiB each, plus the 16 KiB of guard pages and
//! signal stack); then a verdict, decided from the figures, on whether resident memory followed
//! the stack size in this run.
//!
//! Python: `threading.stack_size(64 * 1024)` before starting threads; a Python thread is an OS
//! thread like this one, plus the interpreter's own state for it, so it costs more.
//!
//! Try this: make each thread touch 512 KiB of its stack (a local `[1u8; 512 * 1024]` passed to
//! `black_box`), run with `--stack-kib 2048,8192`, and watch resident memory jump to about 512
//! KiB per thread in both rounds (1 MiB in a debug build, which copies the array): a thread
//! pays for the stack it touches, not the stack it reserves; `MALLOC_ARENA_MAX=8` before the
//! command counts glibc's arenas in the address space again.
//!
//! Copy it out: `cargo xtask copy-out thread_memory DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

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
    /// Threads alive at once, per stack size (50 or more, for per-thread figures to mean much).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    threads: u32,
    /// Stack sizes to try, in KiB, comma-separated, two or more (std's default: 2048).
    #[arg(long, value_delimiter = ',', default_value = "64,2048,8192", value_parser = clap::value_parser!(u64).range(16..=65_536))]
    stack_kib: Vec<u64>,
    /// Internal: measure one stack size in this process and print the figures (the program
    /// starts itself with this flag once per stack size).
    #[arg(long, hide = true)]
    one_round: bool,
}

/// One round's figures, per thread: time to create it, resident memory (VmRSS) and address
/// space (VmSize) it added.
#[derive(Debug, PartialEq)]
struct Round {
    stack_kib: u64,
    spawn: Duration,
    rss_kib: f64,
    virtual_kib: f64,
}

/// The fewest threads per round at which the per-thread shares are mostly the threads' own.
const MIN_THREADS: u32 = 50;

/// Resident memory an idle thread adds, for the cap: a few pages of its stack.
const IDLE_THREAD_BYTES: u128 = 16 << 10;

/// Refuses, before any work, a run past the caps in `cli` or where the lesson cannot show.
fn check(args: &Args) -> Result<(), ExitCode> {
    use shared::cli;
    if args.threads < MIN_THREADS {
        return Err(cli::usage_error(format!(
            "resident memory moves by whole pages and with the process's own allocations, which \
             could swamp the shares of so few threads: use --threads {MIN_THREADS} or more"
        )));
    }
    let threads = u128::from(args.threads);
    cli::cap_count("threads", threads, cli::THREADS_CAP, "--threads")?;
    let memory = threads * IDLE_THREAD_BYTES;
    cli::cap_bytes("memory", memory, cli::MEMORY_CAP, "--threads")?;
    let mut sizes = args.stack_kib.clone();
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.len() < 2 && !args.one_round {
        return Err(cli::usage_error(
            "the lesson compares stack sizes: give --stack-kib two or more different sizes",
        ));
    }
    // The cap on run time: a process per size listed, each starting --threads (about a minute).
    let d = Args::parse_from(["thread_memory"]); // the defaults, from clap
    let (lower, cap) = ("--threads or the --stack-kib list", 1_000_000);
    cli::cap_work("thread starts", started(args), started(&d), cap, lower)
}

/// Threads started in all: --threads per round, one round per size in --stack-kib.
fn started(a: &Args) -> u128 {
    u128::from(a.threads) * a.stack_kib.len() as u128
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
    let mut copy = std::process::Command::new(exe);
    copy.args(["--one-round", "--threads", &threads.to_string()])
        .args(["--stack-kib", &stack_kib.to_string()]);
    if std::env::var_os(ARENAS).is_none() {
        copy.env(ARENAS, "1");
    }
    let output = copy
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
        _ => Err(format!(
            "the measuring copy for {stack_kib} KiB stacks failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

/// glibc's variable for how many malloc arenas it may create (see the header).
const ARENAS: &str = "MALLOC_ARENA_MAX";

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
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
    // A long run says when each round is done: the table comes at the end.
    let long = started(&args) > 10 * started(&Args::parse_from(["thread_memory"]));
    for &stack in &args.stack_kib {
        match round_in_child(args.threads, stack) {
            Ok(r) if long => {
                eprintln!("  {} stacks: done", fmt_kib(stack));
                rounds.push(r);
            }
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
        "address space each",
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
    let arenas = std::env::var(ARENAS).unwrap_or_else(|_| "1".into());
    println!("(measured with {ARENAS}={arenas}: see the header for why)");
    let low = rounds
        .iter()
        .min_by_key(|r| r.stack_kib)
        .expect("two rounds or more");
    let high = rounds
        .iter()
        .max_by_key(|r| r.stack_kib)
        .expect("two rounds or more");
    let (more_space, more_rss) = (
        high.virtual_kib - low.virtual_kib,
        high.rss_kib - low.rss_kib,
    );
    // The verdict comes from the figures: resident memory followed the stack size, or not.
    let verdict = if more_rss < 0.05 * more_space {
        "the stack size reserves address space, not memory: the kernel gives a thread pages only as it touches them"
    } else {
        "resident memory grew with the stack size in this run: these threads touched their stacks"
    };
    println!(
        "{} idle threads: {} stacks instead of {} added {} of address space per thread and {:+.1} KiB resident; {verdict}",
        args.threads,
        fmt_kib(high.stack_kib),
        fmt_kib(low.stack_kib),
        fmt_kib(more_space.max(0.0) as u64),
        // A difference that rounds to zero is printed +0.0, not -0.0.
        if more_rss.abs() < 0.05 { 0.0 } else { more_rss },
    );
    ExitCode::SUCCESS
}
