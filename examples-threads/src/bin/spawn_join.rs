//! Spawn and join: the basics of std::thread, each shown and checked in a few lines.
//!
//! A thread is started with a closure and joined for its result. Six scenes: a returned value,
//! which `join` waits for without using the CPU; a `move` closure that takes ownership of
//! data; a named thread (names show up in panics, debuggers and `top -H`); `thread::scope`,
//! whose threads may borrow local data because the scope joins them before it returns; a
//! panicking thread, which becomes an `Err` at `join` instead of taking the program down; and
//! a thread with a bigger stack for deep recursion.
//!
//! Run:
//!   cargo run -p examples-threads --bin spawn_join
//!   cargo run -p examples-threads --bin spawn_join -- --threads 8 --depth 1000000 --stack-mib 256
//!   cargo run -p examples-threads --bin spawn_join -- --sleep-ms 2000
//!
//! You will see: one line per scene with its checked result; in the first, how long after the
//! spawn `join` returned (never less than the thread's `--sleep-ms`) and how little CPU the
//! process used meanwhile; the panic's own message on stderr followed by main carrying on; and
//! how much stack the recursion really used.
//!
//! Python: `t = threading.Thread(target=f, name="loader-1"); t.start(); t.join()`, with the
//! result passed back through a shared variable or a `concurrent.futures.Future`, since
//! `join()` returns nothing; an exception in a Python thread is printed and lost;
//! `threading.stack_size()` sets the stack for threads started after it.
//!
//! Try this: remove `move` from the second scene and read the compiler's error (the thread
//! could outlive `numbers`); use `thread::spawn` instead of `s.spawn` in the scope scene (a
//! similar error, for the same reason); `--stack-mib 1` is refused, as the recursion would not
//! fit: delete that check at the end of `check` and run it again, and Rust aborts the whole
//! process with "has overflowed its stack" rather than corrupt memory (no join error).
//!
//! Copy it out: `cargo xtask copy-out spawn_join DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::hint::black_box;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Who, fmt_count, fmt_duration, fmt_kib, usage};

#[derive(Parser, Debug)]
#[command(about = "Spawn, join, move, names, scopes, panics and stack sizes")]
struct Args {
    /// Threads in the scope scene.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: u32,
    /// How deep the recursion in the stack scene goes.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    depth: u64,
    /// Stack size of the thread in the stack scene, in MiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4_096))]
    stack_mib: u64,
    /// How long the first scene's thread sleeps, standing in for slow work, before returning.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    sleep_ms: u64,
}

/// Refuses, before any work, a run past the caps in `cli`.
fn check(args: &Args) -> Result<(), ExitCode> {
    use shared::cli;
    cli::cap_count(
        "threads",
        u128::from(args.threads),
        cli::THREADS_CAP,
        "--threads",
    )?;
    // The cap on run time: the first scene sleeps --sleep-ms, the rest takes milliseconds.
    let d = Args::parse_from(["spawn_join"]); // the defaults, from clap
    let (this, default) = (u128::from(args.sleep_ms), u128::from(d.sleep_ms));
    cli::cap_work("ms of sleep", this, default, 120_000, "--sleep-ms")?;
    // The recursion may touch all of its thread's stack: count the whole stack as memory.
    let stack = u128::from(args.stack_mib) << 20;
    cli::cap_bytes("memory", stack, cli::MEMORY_CAP, "--stack-mib")?;
    // A stack overflow aborts the whole process (no unwinding, no Err from join): work out
    // from a short recursion here whether the deep one fits, and refuse it if not.
    let top = 0u8;
    let per_frame = stack_used(1_000, std::ptr::addr_of!(top) as usize).div_ceil(1_000);
    let needed = u128::from(args.depth) * per_frame as u128;
    // A tenth of the stack is kept for the thread's own frames and the estimate's error.
    if needed > stack / 10 * 9 {
        return Err(cli::usage_error(format!(
            "a recursion {} deep needs about {:.1} MiB of stack ({per_frame} bytes a level), \
             more than nine tenths of the {} MiB of --stack-mib (the rest is kept for the \
             thread's own frames): raise --stack-mib or lower --depth",
            args.depth,
            needed as f64 / f64::from(1 << 20),
            args.stack_mib
        )));
    }
    Ok(())
}

/// Recurses `n` levels and returns how many bytes of stack the deepest level is below `top`
/// (the address of a local in the first frame; stacks grow down on the usual platforms).
fn stack_used(n: u64, top: usize) -> usize {
    let here = 0u8;
    let address = std::ptr::addr_of!(here) as usize;
    if n == 0 {
        return top.abs_diff(address);
    }
    // black_box keeps the compiler from turning the recursion into a loop.
    black_box(stack_used(black_box(n - 1), top))
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
    let mut wrong = Vec::new();

    // 1. spawn returns a JoinHandle; join waits and hands back the closure's value. The thread
    // sleeps first, and join sleeps with it: the process uses next to no CPU meanwhile.
    let nap = Duration::from_millis(args.sleep_ms);
    // The clock starts before the spawn: the thread's sleep begins after it, so spawn-to-join
    // can never be shorter than the nap (a clock started after the spawn could miss a bit).
    let (cpu_before, waiting) = (usage(Who::SelfProcess), Instant::now());
    let handle = thread::spawn(move || {
        thread::sleep(nap);
        (1..=100u64).sum::<u64>()
    });
    let joined = handle.join();
    let (waited, cpu_after) = (waiting.elapsed(), usage(Who::SelfProcess));
    let cpu =
        (cpu_after.user + cpu_after.system).saturating_sub(cpu_before.user + cpu_before.system);
    let Ok(sum) = joined else {
        eprintln!("error: the first scene's thread panicked");
        return ExitCode::FAILURE;
    };
    println!(
        "spawn + join: the thread slept {} and returned {sum}; join returned {} after the spawn, and the process used {} of CPU meanwhile",
        fmt_duration(nap),
        fmt_duration(waited),
        fmt_duration(cpu)
    );
    if sum != 5050 || waited < nap {
        wrong.push("spawn + join");
    }

    // 2. `move` hands the Vec to the thread, which may outlive this function's locals.
    let numbers: Vec<u64> = (0..1000).collect();
    let handle = thread::spawn(move || numbers.iter().sum::<u64>());
    // `numbers` is gone from here: using it now would not compile.
    let Ok(sum) = handle.join() else {
        eprintln!("error: the move scene's thread panicked");
        return ExitCode::FAILURE;
    };
    println!("move: the thread took ownership of 1000 numbers and returned their sum {sum}");
    if sum != 499_500 {
        wrong.push("move");
    }

    // 3. Names: set with Builder, visible from inside the thread and in panic messages.
    let named = thread::Builder::new()
        .name("loader-1".into())
        .spawn(|| thread::current().name().map(str::to_string));
    // Builder::spawn returns an io::Result: the OS may refuse a thread (too many, no memory).
    let name = match named.map(|h| h.join()) {
        Ok(Ok(name)) => name,
        Ok(Err(_)) => {
            eprintln!("error: the named scene's thread panicked");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: cannot start the named thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shown = name
        .as_deref()
        .map_or("no name".into(), |n| format!("{n:?}"));
    println!("named: the thread calls itself {shown}");
    if name.as_deref() != Some("loader-1") {
        wrong.push("named");
    }

    // 4. Scoped threads borrow `data` directly: the scope joins them all before returning,
    // so the borrow cannot outlive the data. No Arc, no clone, no move.
    let data: Vec<u64> = (1..=1_000_000).collect();
    let chunk = data.len().div_ceil(args.threads as usize);
    let sums: Vec<thread::Result<u64>> = thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().sum::<u64>()))
            .collect();
        // Join every handle and keep each outcome: a panicked thread is an Err here, to be
        // reported, not a second panic in main (which `join().unwrap()` would make it).
        handles.into_iter().map(|h| h.join()).collect()
    });
    let panicked = sums.iter().filter(|r| r.is_err()).count();
    if panicked > 0 {
        eprintln!(
            "error: {panicked} of the scope scene's {} panicked",
            fmt_count(sums.len(), "thread", "threads")
        );
        return ExitCode::FAILURE;
    }
    let total: u64 = sums.into_iter().flatten().sum();
    let expected: u64 = data.iter().sum();
    println!(
        "scope: {} summed borrowed chunks of a local Vec: {total} (one thread: {expected})",
        fmt_count(data.chunks(chunk).count(), "thread", "threads")
    );
    if total != expected {
        wrong.push("scope");
    }

    // 5. A panic ends only its own thread; join reports it as Err with the panic's payload.
    let handle = thread::Builder::new()
        .name("doomed".into())
        .spawn(|| -> u64 { panic!("disk on fire") });
    let message = match handle.map(|h| h.join()) {
        // The payload is what panic! was given: a &str for a literal, a String for format!.
        Ok(Err(payload)) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string payload".into()),
        Ok(Ok(_)) => {
            eprintln!("error: the doomed thread returned instead of panicking");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: cannot start the doomed thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("panic: the thread panicked with {message:?}; join returned Err and main goes on");
    if message != "disk on fire" {
        wrong.push("panic");
    }

    // 6. Spawned threads get 2 MiB of stack by default (RUST_MIN_STACK changes it); deep
    // recursion needs a bigger one, asked for with Builder::stack_size.
    let depth = args.depth;
    let deep = thread::Builder::new()
        .name("deep".into())
        .stack_size((args.stack_mib << 20) as usize)
        .spawn(move || {
            let top = 0u8;
            stack_used(depth, std::ptr::addr_of!(top) as usize)
        });
    match deep.map(|h| h.join()) {
        Ok(Ok(bytes)) => {
            let default = 2 << 20;
            println!(
                "stack: recursion {depth} deep used {} of a {} stack: {} the 2 MiB a thread gets by default",
                fmt_kib(bytes as u64 / 1024),
                fmt_kib(args.stack_mib << 10),
                if bytes > default {
                    "more than"
                } else {
                    "within"
                }
            )
        }
        Ok(Err(_)) => {
            eprintln!("error: the stack scene's thread panicked");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!(
                "error: cannot start a thread with a {} MiB stack: {e}",
                args.stack_mib
            );
            return ExitCode::FAILURE;
        }
    }

    if !wrong.is_empty() {
        eprintln!("error: wrong results in: {}", wrong.join(", "));
        return ExitCode::FAILURE;
    }
    println!("all six scenes gave the expected results");
    ExitCode::SUCCESS
}
