//! Unbounded queue: a fast producer, a slow consumer, and memory that grows without limit.
//!
//! Message passing is the guide's advice for sharing, but a queue between a producer faster
//! than its consumer fills up. An unbounded channel never says no, so every message waits in
//! memory: the backlog, and the process's memory, grow with the producer's head start. A
//! bounded channel makes `send` wait while it is full (backpressure), so the producer runs at
//! the consumer's pace and memory stays flat. Here a producer thread sends `--messages`
//! messages of `--kib` KiB as fast as it can, and the consumer checksums each one, which is
//! slower. Each variant runs in a fresh copy of this program, so that each peak RSS is its
//! own.
//!
//! Run:
//!   cargo run --release -p examples-pitfalls --bin unbounded_queue
//!   cargo run --release -p examples-pitfalls --bin unbounded_queue -- --messages 100000 --capacity 64
//!
//! You will see: the unbounded channel's largest backlog a large share of all the messages and
//! its peak RSS growing with it (up to messages x size, 78 MiB by default), against a backlog
//! of about `--capacity` and a few MiB with the bounded one; the same checksum from both; and
//! times within a small factor of each other, since the consumer sets the pace either way (the
//! bounded run pays wake-ups each time the producer waits for room, the unbounded one the
//! allocation of its backlog; the summary line says which run took longer this time).
//!
//! Python: `queue.Queue()` (unbounded) against `queue.Queue(maxsize=16)`, whose `put` blocks
//! when full; `asyncio.Queue(maxsize=...)` likewise.
//!
//! Try this: slow the producer below the consumer's pace (a
//! `thread::sleep(Duration::from_micros(100))` before each message) and run `--messages 2000`:
//! the unbounded backlog stays at a few messages, and its memory flat: the danger is a rate
//! mismatch, not the channel itself. (A consumer that hashes only the first byte is not
//! enough: the producer still fills 4 KiB a message, and on two busy cores its backlog still
//! reached thousands.)
//!
//! Copy it out: `cargo xtask copy-out unbounded_queue DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::{Table, fmt_duration, fmt_kib, peak_rss_kib};

#[derive(Parser, Debug)]
#[command(
    about = "An unbounded channel's memory grows under a fast producer; a bounded one pushes back"
)]
struct Args {
    /// Messages the producer sends.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    messages: u32,
    /// Size of each message, in KiB.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1_024))]
    kib: u32,
    /// Capacity of the bounded channel, in messages.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    capacity: u32,
    #[arg(long, value_enum, hide = true)] // internal: one variant here, printing its figures
    one: Option<Variant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Variant {
    Unbounded,
    Bounded,
}

/// Bytes each queued message costs besides its payload: the Vec's header and the channel's
/// slot for it (crossbeam's list blocks, which std's mpsc uses), rounded up.
const MESSAGE_OVERHEAD: u128 = 64;

/// One variant's figures, as its measuring copy printed them.
struct Figures {
    peak_rss_kib: u64,
    largest_backlog: usize,
    took: Duration,
    checksum: u64,
}

/// Both kinds of std sender behind one `send`, so that the producer is the same code.
enum Sender {
    Unbounded(mpsc::Sender<Vec<u8>>),
    /// `send` blocks while `capacity` messages wait: the producer is held back.
    Bounded(mpsc::SyncSender<Vec<u8>>),
}

impl Sender {
    /// False once the consumer is gone.
    fn send(&self, message: Vec<u8>) -> bool {
        match self {
            Sender::Unbounded(tx) => tx.send(message).is_ok(),
            Sender::Bounded(tx) => tx.send(message).is_ok(),
        }
    }
}

/// FNV-1a: the consumer's real, per-byte work, slower than the producer's fill.
fn checksum(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn run(args: &Args, variant: Variant) -> Figures {
    let size = args.kib as usize * 1024;
    let (backlog, largest) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let start = Instant::now();
    let (tx, rx) = match variant {
        Variant::Unbounded => {
            let (tx, rx) = mpsc::channel();
            (Sender::Unbounded(tx), rx)
        }
        Variant::Bounded => {
            let (tx, rx) = mpsc::sync_channel(args.capacity as usize);
            (Sender::Bounded(tx), rx)
        }
    };
    // test witness {
    // A no-op unless WITNESS_DIR is set: the consumer starts only once the producer has sent
    // all that the channel takes without waiting: every message, or capacity.
    let (witness, head_start) = match variant {
        Variant::Unbounded => ("unbounded-head-start", args.messages),
        Variant::Bounded => ("bounded-head-start", args.capacity.min(args.messages)),
    };
    // test witness }
    let hash = thread::scope(|s| {
        s.spawn(|| {
            for i in 0..args.messages {
                let message = vec![i as u8; size];
                let now = backlog.fetch_add(1, Ordering::SeqCst) + 1;
                largest.fetch_max(now, Ordering::SeqCst);
                if !tx.send(message) {
                    return;
                }
                // test witness {: sent without waiting
                if i + 1 == head_start {
                    shared::witness::arrive(witness, 2);
                }
                // test witness }
            }
            drop(tx); // closes the channel: the consumer's loop ends
        });
        let mut hash = 0xcbf2_9ce4_8422_2325;
        shared::witness::arrive(witness, 2); // test witness: the producer's head start
        for message in rx.iter() {
            backlog.fetch_sub(1, Ordering::SeqCst);
            hash = checksum(&message, hash);
        }
        hash
    });
    Figures {
        peak_rss_kib: peak_rss_kib(),
        largest_backlog: largest.load(Ordering::SeqCst),
        took: start.elapsed(),
        checksum: hash,
    }
}

/// Runs one variant in a fresh copy of this program and reads its figures back.
fn run_in_child(args: &Args, variant: Variant) -> Result<Figures, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let name = format!("{variant:?}").to_lowercase();
    let (kib, capacity) = (args.kib.to_string(), args.capacity.to_string());
    let output = Command::new(exe)
        .args(["--one", &name, "--messages", &args.messages.to_string()])
        .args(["--kib", &kib, "--capacity", &capacity])
        .output()
        .map_err(|e| format!("cannot start a measuring copy of this program: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match (output.status.success(), numbers.as_slice()) {
        (true, &[peak, backlog, nanos, hash]) => Ok(Figures {
            peak_rss_kib: peak,
            largest_backlog: backlog as usize,
            took: Duration::from_nanos(nanos),
            checksum: hash,
        }),
        _ => Err(format!(
            "the {name} run failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn main() -> ExitCode {
    // Before the worker branch: a measuring copy also dies with its parent.
    shared::cli::setup();
    let args = Args::parse();
    // Below ten times the capacity, the bounded channel holds a large share of the messages,
    // and the unbounded backlog cannot grow far past it (2 messages: a backlog of 1 against 2).
    if u64::from(args.messages) < 10 * u64::from(args.capacity) {
        return shared::cli::usage_error(format!(
            "--messages {} is less than ten times --capacity {}: the bounded channel holds too many of them for the unbounded backlog to outgrow it",
            args.messages, args.capacity
        ));
    }
    // The unbounded run may hold every message at once (a Vec and a queue node each). --messages
    // is named only where its least (ten times --capacity) fits; the least --kib always does.
    let size = u128::from(args.kib) * 1024;
    let backlog = u128::from(args.messages) * (size + MESSAGE_OVERHEAD);
    let least = 10 * u128::from(args.capacity) * (size + MESSAGE_OVERHEAD);
    let lower = if least <= u128::from(shared::cli::MEMORY_CAP) {
        "--messages or --kib"
    } else {
        "--kib"
    };
    if let Err(exit) = shared::cli::cap_bytes("memory", backlog, shared::cli::MEMORY_CAP, lower) {
        return exit;
    }
    if let Some(variant) = args.one {
        let f = run(&args, variant);
        let (took, hash) = (f.took.as_nanos(), f.checksum);
        println!("{} {} {took} {hash}", f.peak_rss_kib, f.largest_backlog);
        return ExitCode::SUCCESS;
    }
    // Past ten times the default's data, a note first (the memory cap keeps it under 30x).
    let d = Args::parse_from(["unbounded_queue"]); // the defaults, from clap
    let kib = |a: &Args| u128::from(a.messages) * u128::from(a.kib);
    if let Err(refused) =
        shared::cli::cap_work("KiB of messages", kib(&args), kib(&d), u128::MAX, lower)
    {
        return refused;
    }
    println!(
        "{} messages of {} KiB, from a producer thread to a consumer that checksums each:",
        args.messages, args.kib
    );
    let (unbounded, bounded) = match (
        run_in_child(&args, Variant::Unbounded),
        run_in_child(&args, Variant::Bounded),
    ) {
        (Ok(u), Ok(b)) => (u, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut table = Table::new(["channel", "largest backlog", "peak RSS", "time", "checksum"]);
    for (name, f) in [
        ("unbounded".to_string(), &unbounded),
        (format!("bounded({})", args.capacity), &bounded),
    ] {
        table.row([
            name,
            f.largest_backlog.to_string(),
            fmt_kib(f.peak_rss_kib),
            fmt_duration(f.took),
            format!("{:016x}", f.checksum),
        ]);
    }
    print!("{table}");
    if unbounded.checksum != bounded.checksum {
        eprintln!("error: the two consumers saw different data");
        return ExitCode::FAILURE;
    }
    // From this run's times; the reason from its backlogs (grown: peak memory doubled).
    let ratio = unbounded.took.as_secs_f64() / bounded.took.as_secs_f64().max(1e-9);
    let slower = if ratio > 1.0 { "unbounded" } else { "bounded" };
    let grew = unbounded.peak_rss_kib >= 2 * bounded.peak_rss_kib;
    let (held, peak) = (unbounded.largest_backlog, fmt_kib(unbounded.peak_rss_kib));
    let why = if ratio > 1.0 && grew {
        format!("it allocated and held a backlog of up to {held} messages (peak memory {peak})")
    } else if ratio > 1.0 {
        "not from a backlog: the unbounded run's memory did not double".to_string()
    } else if bounded.largest_backlog > args.capacity as usize {
        // Counted before its send, a message that waits for room makes the backlog capacity + 1.
        "its producer waited for room, and each wait is a sleep and a wake-up, the price of flat memory".to_string()
    } else {
        "not from waiting for room: its backlog never passed the channel's capacity".to_string()
    };
    let x = ratio.max(1.0 / ratio); // how many times as long the slower run took
    let time = match (0.9..=1.1).contains(&ratio) {
        true if grew => "about the same: the consumer set the pace either way".to_string(),
        true => "about the same: the unbounded backlog never doubled its memory".to_string(),
        false => format!("the {slower} run {x:.1}x as long: {why}"),
    };
    println!(
        "same data through both; peak memory {} unbounded against {} bounded, backlog {} against {}; time {} against {} ({time})",
        fmt_kib(unbounded.peak_rss_kib),
        fmt_kib(bounded.peak_rss_kib),
        unbounded.largest_backlog,
        bounded.largest_backlog,
        fmt_duration(unbounded.took),
        fmt_duration(bounded.took),
    );
    ExitCode::SUCCESS
}
