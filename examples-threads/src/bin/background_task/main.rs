//! Background task: keep the front responsive while a worker thread computes.
//!
//! The guide's third threading use case: "background tasks while maintaining UI
//! responsiveness". The front here is a status line redrawn every `--frame-ms`, like a
//! progress display or a UI's event loop. First the front does the work itself, as naive code
//! does: no frame is drawn until the work ends. Then a worker thread does the same work while
//! the front keeps drawing, reading the worker's progress from an atomic, and able to cancel
//! it through an atomic flag (press Enter on a terminal, or `--cancel-after-ms`). The gaps
//! between frames are measured in both cases (the status line: `front.rs`).
//!
//! Run:
//!   cargo run -p examples-threads --bin background_task
//!   cargo run -p examples-threads --bin background_task -- --limit 20000000
//!   cargo run -p examples-threads --bin background_task -- --limit 20000000 --cancel-after-ms 300
//!
//! You will see: for the inline run, no frame drawn mid-work and one long gap as long as the
//! whole computation; for the threaded run, frames every `--frame-ms` (on a terminal, a
//! status line with the percentage climbing), nearly all of them mid-work, a largest gap
//! close to the frame interval on an idle machine, and the same answer. With a cancel, the
//! worker stops within one chunk of work and the program says how far it got and how many
//! numbers the worker checked after the request.
//!
//! Python: `threading.Thread(target=work, daemon=True).start()` and a loop that polls
//! progress, with a `threading.Event` for cancellation (`tkinter`'s `after()` plays the
//! redraw loop). Under the GIL a pure-Python worker still slows the front, which must wait
//! for the GIL, up to the 5 ms switch interval, each time it wakes to draw; here the two run
//! on two cores at once.
//!
//! Try this: `--frame-ms 5`: the threaded gaps stay near 5 ms on an idle machine (a busy one
//! may wake the sleeping front late); make the worker check the cancel flag only at the end,
//! and see a cancel take as long as the whole job.
//!
//! Copy it out: `cargo xtask copy-out background_task DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod front;
mod primes;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use front::Front;
use primes::is_prime;
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "A responsive front while a worker thread computes, with frame gaps measured")]
struct Args {
    /// The work: count the primes below this number (at least two chunks of 20000; at most
    /// 50,000,000 without a cancel, as the inline run draws nothing until it ends).
    #[arg(long, default_value_t = 4_000_000, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000))]
    limit: u64,
    /// How often the front redraws, in milliseconds.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    frame_ms: u64,
    /// Cancel the worker after this many milliseconds, as if the user pressed Enter (refused
    /// where the work would still go on past about 90 s).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=120_000))]
    cancel_after_ms: Option<u64>,
}

/// Progress and cancellation, shared between the front and the worker.
#[derive(Default)]
struct Shared {
    done_below: AtomicU64,
    cancel: AtomicBool,
}

/// Numbers per chunk of work: progress is published, and the cancel flag read, once per chunk.
const CHUNK: u64 = 20_000;

/// The work, in chunks: publishes progress after each and stops early if cancelled.
/// Returns the primes found, or None if cancelled.
fn count_primes(limit: u64, shared: &Shared) -> Option<u64> {
    // test witness {: the worker thread's second chunk waits until the front has drawn the
    // first (the inline run has no front drawing meanwhile, so it does not wait)
    let is_prime = |n: u64| {
        if n == CHUNK && thread::current().name() == Some("worker") {
            shared::witness::arrive("drawn-mid-work", 2);
        }
        is_prime(n)
    };
    // test witness }
    // exercise background_worker {
    let mut found = 0;
    let mut start = 0;
    while start < limit {
        if shared.cancel.load(Ordering::Relaxed) {
            return None;
        }
        let end = (start + CHUNK).min(limit);
        found += (start..end).filter(|&n| is_prime(n)).count() as u64;
        shared.done_below.store(end, Ordering::Relaxed);
        start = end;
    }
    Some(found)
    // exercise background_worker }
}

/// Set by the stdin thread when the user presses Enter.
static ENTER_PRESSED: AtomicBool = AtomicBool::new(false);

/// What the threaded run saw.
struct Outcome {
    /// The worker's answer, or None if it was cancelled.
    answer: Option<u64>,
    work_time: Duration,
    /// Frames drawn in all, and while the work was under way.
    frames: (usize, usize),
    max_gap: Duration,
    /// When the cancel was asked for (since the start), how long the worker took to stop, and
    /// how many numbers it checked after the request.
    cancel: Option<(Duration, Duration, u64)>,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.limit < 2 * CHUNK {
        // One chunk: progress jumps from 0 to done, and no frame can ever show it mid-work.
        return shared::cli::usage_error(format!(
            "the worker publishes its progress once per chunk of {CHUNK} numbers: a --limit \
             below {} leaves nothing to draw mid-work",
            2 * CHUNK
        ));
    }
    let default = Args::parse_from(["background_task"]).limit; // from clap
    let long = match primes::check(args.limit, args.cancel_after_ms, default) {
        Ok(long) => long,
        Err(refused) => return refused,
    };
    let frame = Duration::from_millis(args.frame_ms);
    println!(
        "front: redraw every {}; work: primes below {}",
        fmt_duration(frame),
        args.limit
    );
    let mut table = Table::new(["run", "work took", "frames", "largest gap", "answer"]);

    // 1. Inline: the front calls the work directly, so nothing is drawn until it returns. It
    // could not notice a cancel either, so a run that will cancel skips it.
    let mut inline = None;
    if args.cancel_after_ms.is_none() {
        let shared = Shared::default();
        let mut front = Front::new();
        front.draw("inline", 0, args.limit);
        let start = Instant::now();
        let answer = count_primes(args.limit, &shared);
        let took = start.elapsed();
        front.draw("inline", args.limit, args.limit);
        long.then(|| eprintln!("  inline run done in {}", fmt_duration(took)));
        table.row([
            "inline".to_string(),
            fmt_duration(took),
            format!("{} ({} mid-work)", front.gaps.len(), front.during),
            fmt_duration(front.max_gap()),
            answer.map_or("cancelled".into(), |p| p.to_string()),
        ]);
        inline = Some((answer, front.max_gap()));
    }

    // 2. A worker thread computes; the front keeps drawing and can cancel it.
    if std::io::stdin().is_terminal() {
        // A thread of its own, because reading stdin blocks; it is not joined (it may wait
        // for a line forever) and ends with the process.
        let _ = thread::Builder::new().name("stdin".into()).spawn(|| {
            if std::io::stdin().lock().lines().next().is_some() {
                ENTER_PRESSED.store(true, Ordering::Relaxed);
            }
        });
        eprintln!("(press Enter to cancel the worker)");
    }
    let shared = Shared::default();
    let Some(threaded) = run_threaded(&args, frame, &shared, long) else {
        return ExitCode::FAILURE;
    };
    table.row([
        "thread".to_string(),
        fmt_duration(threaded.work_time),
        format!("{} ({} mid-work)", threaded.frames.0, threaded.frames.1),
        fmt_duration(threaded.max_gap),
        threaded
            .answer
            .map_or("cancelled".into(), |p| p.to_string()),
    ]);
    print!("{table}");

    match (threaded.answer, threaded.cancel, inline) {
        (None, Some((asked, stopped_in, after)), _) => {
            let done = shared.done_below.load(Ordering::Relaxed);
            println!(
                "cancelled after {} at {}% (numbers below {done} checked); the worker stopped {} after the request, {after} numbers later (chunks of {CHUNK}); largest frame gap {}",
                fmt_duration(asked),
                done * 100 / args.limit,
                fmt_duration(stopped_in),
                fmt_duration(threaded.max_gap),
            );
            ExitCode::SUCCESS
        }
        (Some(primes), _, Some((Some(expected), inline_gap))) if primes == expected => {
            println!(
                "with a worker thread the largest frame gap was {} against {} when the front did the work itself; same answer, {primes} primes",
                fmt_duration(threaded.max_gap),
                fmt_duration(inline_gap)
            );
            if threaded.frames.1 == 0 {
                println!(
                    "the work ended before the front's next frame, so no frame showed it under way: raise --limit"
                );
            }
            ExitCode::SUCCESS
        }
        // With --cancel-after-ms (no inline run), a worker that finished all the same: the
        // cancel came in its last chunk, or never (the front asks for it only at a frame).
        (Some(primes), asked, None) => {
            let due = Duration::from_millis(args.cancel_after_ms.unwrap_or(0));
            let when = match asked {
                Some(_) => "it saw the cancel",
                None if threaded.work_time < due => "the cancel was due",
                None => "the front's next frame, where it would have asked for the cancel",
            };
            println!("the worker finished before {when}: {primes} primes");
            ExitCode::SUCCESS
        }
        (answer, _, inline) => {
            eprintln!(
                "error: the worker's answer {answer:?} differs from the inline run's {inline:?}"
            );
            ExitCode::FAILURE
        }
    }
}

/// Runs the worker and the drawing loop (with `long`, a line of progress every 5 s where
/// stderr is not a terminal); None if the worker could not start.
fn run_threaded(args: &Args, frame: Duration, shared: &Shared, long: bool) -> Option<Outcome> {
    let mut front = Front::new();
    front.lines = long.then(|| (Duration::from_secs(5), Instant::now()));
    let start = Instant::now();
    let mut cancelled_at = None;
    let done = || shared.done_below.load(Ordering::Relaxed);
    let (answer, finished_at) = thread::scope(|s| {
        let worker = thread::Builder::new()
            .name("worker".into())
            .spawn_scoped(s, || (count_primes(args.limit, shared), Instant::now()));
        let Ok(worker) = worker.inspect_err(|e| eprintln!("error: cannot start the worker: {e}"))
        else {
            return None;
        };
        while !worker.is_finished() {
            front.draw("thread", done(), args.limit);
            // test witness {: drawn while the worker waits mid-work
            if front.during == 1 {
                shared::witness::arrive("drawn-mid-work", 2);
            }
            // test witness }
            let wants_cancel = ENTER_PRESSED.load(Ordering::Relaxed)
                || args
                    .cancel_after_ms
                    .is_some_and(|ms| start.elapsed() >= Duration::from_millis(ms));
            if wants_cancel && cancelled_at.is_none() {
                shared.cancel.store(true, Ordering::Relaxed);
                cancelled_at = Some((Instant::now(), done()));
            }
            // Sleep until the next frame is due.
            thread::sleep(frame.saturating_sub(front.last.elapsed()));
        }
        front.draw("thread", done(), args.limit);
        let joined = worker.join();
        if joined.is_err() {
            eprintln!("error: the worker thread panicked");
        }
        joined.ok()
    })?;
    if front.terminal {
        eprintln!();
    }
    Some(Outcome {
        answer,
        work_time: finished_at - start,
        frames: (front.gaps.len(), front.during),
        max_gap: front.max_gap(),
        cancel: cancelled_at.map(|(at, then)| {
            let after = done() - then;
            (at - start, finished_at.saturating_duration_since(at), after)
        }),
    })
}
