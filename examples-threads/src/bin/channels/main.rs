//! Channels: message passing between threads with std mpsc, crossbeam and flume.
//!
//! The guide's advice is to prefer message passing over shared memory. Four scenes: a
//! fan-out/fan-in pipeline (a producer, `--workers` workers, a collector) on each library, with
//! the answer checked (`pipelines.rs`); backpressure, where a bounded channel holds a fast
//! producer to a slow consumer's pace and an unbounded one lets the backlog grow
//! (`backpressure.rs`); crossbeam's `select!` waiting on two channels and a timeout at once;
//! and a throughput table.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin channels
//!   cargo run --release -p examples-threads --bin channels -- --messages 1000000 --workers 4
//!
//! You will see: the same sum from the three pipelines; the bounded channel's backlog never
//! above its capacity (plus the message being sent and the one being received) while the
//! unbounded one's grows to nearly every message; `select!` taking messages from both producers
//! as they come, then timing out once both are done; and messages per second for each library,
//! bounded and unbounded.
//!
//! Python: `queue.Queue()` between `threading.Thread`s (`queue.Queue(maxsize=8)` for
//! backpressure); Python has no `select` over queues, so programs poll with timeouts.
//!
//! Try this: give the std pipeline's workers one `Receiver` each without the `Mutex` (it will
//! not compile: std's receiver has a single owner); raise `--capacity` (below half of the
//! backpressure scene's 2000 messages) and watch the bounded backlog follow it.
//!
//! Copy it out: `cargo xtask copy-out channels DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! crossbeam = "0.8.4"
//! flume = "0.12"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod backpressure;
mod pipelines;

use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use backpressure::backlog;
use clap::Parser;
use crossbeam::channel as cb;
use pipelines::{pipeline_crossbeam, pipeline_flume, pipeline_std, work};
use shared::{Table, fmt_count, fmt_duration};

#[derive(Parser, Debug)]
#[command(
    about = "Pipelines, backpressure, select! and throughput with std, crossbeam and flume channels"
)]
struct Args {
    /// Messages through each pipeline and each throughput run (a throughput run sends at least
    /// 100000: fewer would time the producer thread's start, not the channel).
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    messages: u64,
    /// Worker threads in the pipelines.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Capacity of the bounded channel in the backpressure scene (below half its messages).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    capacity: u32,
}

/// Messages per second from one producer to one consumer, and how many arrived (None if the
/// producer panicked).
fn throughput(messages: u64, run: impl FnOnce(u64) -> Option<u64>) -> (f64, Option<u64>) {
    let start = Instant::now();
    let received = run(messages);
    (messages as f64 / start.elapsed().as_secs_f64(), received)
}

macro_rules! one_to_one {
    ($tx:ident, $rx:ident, $make:expr) => {
        |n: u64| {
            let ($tx, $rx) = $make;
            let producer =
                thread::spawn(move || (0..n).try_for_each(|x| $tx.send(x).map_err(drop)));
            let count = $rx.iter().count() as u64;
            // A panicked producer is reported as one, not counted as lost messages.
            producer.join().ok().map(|_| count)
        }
    };
}

/// Refuses, before any work, a run past the caps in `cli` or where a scene cannot show.
fn check(args: &Args) -> Result<(), ExitCode> {
    use shared::cli;
    // An unbounded channel may hold every message at once, if its producer runs ahead: in a
    // pipeline, the jobs and the results (8 bytes each, plus the slot's own 8 bytes).
    let queued = u128::from(args.messages) * 2 * 16;
    cli::cap_bytes("memory", queued, cli::MEMORY_CAP, "--messages")?;
    let few = args.messages.min(BACKLOG_MESSAGES);
    if let Some(why) = backpressure::too_roomy(args.capacity.into(), few, BACKLOG_MESSAGES) {
        return Err(cli::usage_error(why));
    }
    // The cap on run time: --messages go through three pipelines (a job and a result each)
    // and six throughput runs (at least THROUGHPUT_MESSAGES each; with 64 workers, flume's
    // pipeline takes about 4 s a million on two cores).
    let d = Args::parse_from(["channels"]); // the defaults, from clap
    let work = |a: &Args| 6 * u128::from(a.messages + a.messages.max(THROUGHPUT_MESSAGES));
    let (what, cap) = ("messages sent", 12 * 20_000_000);
    cli::cap_work(what, work(args), work(&d), cap, "--messages")
}

/// A long run says when each pipeline is done: the table comes at the end of the scene.
fn long(args: &Args) -> bool {
    args.messages > 10 * Args::parse_from(["channels"]).messages
}

/// Messages through the backpressure scene, where the consumer takes 100 us per message.
const BACKLOG_MESSAGES: u64 = 2_000;
/// The fewest messages through each throughput run: some milliseconds of sending.
const THROUGHPUT_MESSAGES: u64 = 100_000;

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
    let (n, workers) = (args.messages, args.workers);
    let expected: u64 = (1..=n).map(work).sum();

    let workers_n = fmt_count(workers, "worker", "workers"); // `--workers 1` is allowed
    println!("1. fan-out/fan-in: 1 producer -> {workers_n} -> 1 collector, {n} messages");
    let mut table = Table::new(["library", "sum", "correct", "wall"]);
    let mut wrong = Vec::new();
    for (name, pipeline) in [
        ("std mpsc", pipeline_std as fn(u64, u32) -> u64),
        ("crossbeam", pipeline_crossbeam),
        ("flume", pipeline_flume),
    ] {
        let start = Instant::now();
        let (sum, wall) = (pipeline(n, workers), start.elapsed());
        if sum != expected {
            wrong.push(name);
        }
        let ok = if sum == expected { "yes" } else { "NO" };
        if long(&args) {
            eprintln!("  {name} pipeline done in {}", fmt_duration(wall));
        }
        table.row([name.into(), sum.to_string(), ok.into(), fmt_duration(wall)]);
    }
    print!("{table}");

    let few = n.min(BACKLOG_MESSAGES);
    println!(
        "\n2. backpressure: a producer that never waits, a consumer at 100 us per message, {few} messages"
    );
    let (bounded, unbounded) = (cb::bounded(args.capacity as usize), cb::unbounded());
    let backlogs = backlog(bounded.0, bounded.1, few)
        .and_then(|b| backlog(unbounded.0, unbounded.1, few).map(|u| (b, u)));
    let ((bounded_max, bounded_time), (unbounded_max, unbounded_time)) = match backlogs {
        Ok(figures) => figures,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut table = Table::new(["channel", "largest backlog", "producer done after"]);
    table.row([
        format!("bounded({})", args.capacity),
        bounded_max.to_string(),
        fmt_duration(bounded_time),
    ]);
    table.row([
        "unbounded".into(),
        unbounded_max.to_string(),
        fmt_duration(unbounded_time),
    ]);
    print!("{table}");
    println!(
        "backlog: bounded {bounded_max} (at most its capacity {} + the message being sent + the one being received), unbounded {unbounded_max}",
        args.capacity
    );

    println!("\n3. select!: two producers and a timeout, served in one loop");
    let (fast_tx, fast_rx) = cb::unbounded::<&str>();
    let (slow_tx, slow_rx) = cb::unbounded::<&str>();
    let fast_producer = thread::spawn(move || (0..10).try_for_each(|_| fast_tx.send("fast")));
    let slow_producer = thread::spawn(move || {
        (0..3).try_for_each(|_| {
            thread::sleep(Duration::from_millis(20));
            slow_tx.send("slow")
        })
    });
    let (mut fast, mut slow) = (0, 0);
    let (mut fast_open, mut slow_open) = (true, true);
    let (mut timeouts, mut done) = (0, false);
    // A finished producer's channel reports "disconnected" at once, every time: swap it for
    // one that never delivers, so that select! waits on the other.
    let never = cb::never::<&str>();
    // Stop once both producers are finished and a timeout confirms nothing else is coming (a
    // slow producer late on a busy machine costs an extra timeout, not a lost message).
    while !done {
        cb::select! {
            recv(if fast_open { &fast_rx } else { &never }) -> msg => match msg {
                Ok(_) => fast += 1,
                Err(_) => fast_open = false,
            },
            recv(if slow_open { &slow_rx } else { &never }) -> msg => match msg {
                Ok(_) => slow += 1,
                Err(_) => slow_open = false,
            },
            default(Duration::from_millis(100)) => {
                timeouts += 1;
                done = !fast_open && !slow_open;
            }
        }
    }
    let timeouts = fmt_count(timeouts, "timeout", "timeouts");
    println!(
        "select: {fast} fast and {slow} slow messages, then a timeout with both producers done ({timeouts} in all)"
    );
    // A producer that panicked sent fewer: an error at the end, not a lesson.
    let joined = [fast_producer, slow_producer].map(|p| p.join().is_ok());
    let mut lost = Vec::new();
    if joined != [true; 2] || (fast, slow) != (10, 3) {
        lost.push(format!("select! got {fast}/10 fast, {slow}/3 slow"));
    }

    // At least THROUGHPUT_MESSAGES, whatever --messages: a few messages would time the
    // producer thread's start (tens of microseconds), not the channel.
    let n = n.max(THROUGHPUT_MESSAGES);
    println!(
        "\n4. throughput: 1 producer -> 1 consumer, {n} messages (--messages, but at least {THROUGHPUT_MESSAGES})"
    );
    let cap = 1024;
    let mut table = Table::new(["channel", "messages/s"]);
    let runs: [(&str, (f64, Option<u64>)); 6] = [
        (
            "std mpsc unbounded",
            throughput(n, one_to_one!(tx, rx, mpsc::channel::<u64>())),
        ),
        (
            "std sync_channel(1024)",
            throughput(n, one_to_one!(tx, rx, mpsc::sync_channel::<u64>(cap))),
        ),
        (
            "crossbeam unbounded",
            throughput(n, one_to_one!(tx, rx, cb::unbounded::<u64>())),
        ),
        (
            "crossbeam bounded(1024)",
            throughput(n, one_to_one!(tx, rx, cb::bounded::<u64>(cap))),
        ),
        (
            "flume unbounded",
            throughput(n, one_to_one!(tx, rx, flume::unbounded::<u64>())),
        ),
        (
            "flume bounded(1024)",
            throughput(n, one_to_one!(tx, rx, flume::bounded::<u64>(cap))),
        ),
    ];
    for (name, (rate, received)) in runs {
        table.row([name.to_string(), format!("{:.2} M", rate / 1e6)]);
        match received {
            Some(received) if received == n => {}
            Some(received) => lost.push(format!("{name} delivered {received} of {n}")),
            None => lost.push(format!("{name}: the producer panicked")),
        }
    }
    print!("{table}");

    if !wrong.is_empty() {
        // A worker that panicked (its message is above) sends no result for its message.
        let which = if wrong.len() == 1 {
            "pipeline"
        } else {
            "pipelines"
        };
        eprintln!(
            "error: wrong sum from the {} {which}, expected {expected}: a worker panicked or a \
             message was lost",
            wrong.join(", ")
        );
        return ExitCode::FAILURE;
    }
    if !lost.is_empty() {
        eprintln!("error: scenes failed: {}", lost.join(", "));
        return ExitCode::FAILURE;
    }
    println!(
        "\nall three pipelines summed {} messages to {expected}",
        args.messages
    );
    ExitCode::SUCCESS
}
