//! Inter-process communication: the same messages through a pipe, a Unix domain socket and
//! shared memory, with the latency and the throughput of each.
//!
//! Processes share no memory by default, so they talk through the kernel. A pipe and a Unix
//! socket are byte streams (`streams.rs`): every message is copied into the kernel and out
//! again, and a reader blocks until data comes. Shared memory (`shm.rs`: a file mapped into
//! both processes with memmap2, on /dev/shm when there is one) lets the data cross with no
//! copy through the kernel at all; but the processes still need a way to say "your turn", and
//! here that is a one-byte "doorbell" on a pipe. So a small message gains nothing (the
//! doorbell is itself a pipe round trip), and a stream saves one of its two copies, with a
//! ring of slots so that the sender fills one while the receiver reads another. A
//! busy-waiting flag in the mapping would cut the latency further and burn a core while it
//! waits. The stream's sender prepares its chunks before the clock starts and the receiver
//! checks them with a cheap sum (`data.rs`) whose own time is printed, so the stream's figure
//! is the transport's.
//!
//! Run:
//!   cargo run --release -p examples-process --bin ipc
//!   cargo run --release -p examples-process --bin ipc -- --size 4096 --megabytes 1024 --chunk-kib 4096
//!
//! You will see: a table with, for each transport, the round-trip time of a 64-byte message
//! (median, min, p99), the time to stream 256 MiB in 1 MiB chunks, the part of it the child
//! spent checking, the rate, and the checksum the child computed, `equal` to the parent's for
//! all three; then a line saying whether shared memory streamed faster than the faster byte
//! stream in this run.
//!
//! Python: `multiprocessing.Pipe` (on Unix a socket pair by default, the Unix socket row;
//! `Pipe(duplex=False)` is an OS pipe), `Queue` (a pipe plus pickling), `socket.AF_UNIX`, and
//! `multiprocessing.shared_memory.SharedMemory`: the guide's "inter-process communication".
//!
//! On a virtual machine the round trips can be bimodal: a few microseconds when the other
//! process's CPU is awake, tens when it has to be woken from idle; the min shows the first.
//!
//! Try this: `--size 65536` (64 KiB each way per round trip: see which transport's round trip
//! grows most); `--chunk-kib 4` (many small chunks: each costs shared memory two doorbell
//! bytes through a pipe, which then set its pace).
//!
//! Copy it out: `cargo xtask copy-out ipc DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! memmap2 = "0.9"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod data;
mod parent;
mod shm;
mod streams;

use std::io::{BufReader, BufWriter};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use shared::{Table, cli, fmt_duration, fmt_faster};

// The default sizes (also the base of the cap on run time).
const ROUND_TRIPS: u32 = 20_000;
const SIZE: u32 = 64;
const MEGABYTES: u32 = 256;

#[derive(Parser, Debug)]
#[command(
    about = "Pipes, Unix sockets and shared memory between processes: latency and throughput"
)]
pub struct Args {
    /// Round trips to time (the child echoes each message).
    #[arg(long, default_value_t = ROUND_TRIPS, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    round_trips: u32,
    /// Bytes per round-trip message.
    #[arg(long, default_value_t = SIZE, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    size: u32,
    /// MiB streamed one way for the throughput figure.
    #[arg(long, default_value_t = MEGABYTES, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    megabytes: u32,
    /// KiB per chunk of the stream.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    chunk_kib: u32,
    /// Internal: be the child end of this transport.
    #[arg(long, value_enum, hide = true)]
    child: Option<Transport>,
    /// Internal: the socket or the mapped file the child opens.
    #[arg(long, hide = true)]
    path: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Pipe,
    Socket,
    Shm,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Pipe => "pipe",
            Transport::Socket => "unix socket",
            Transport::Shm => "shared memory",
        }
    }
}

/// The sizes both ends agree on, from the command line.
#[derive(Clone, Copy)]
pub struct Plan {
    round_trips: u32,
    size: usize,
    chunk: usize,
    chunks: usize,
}

fn child(t: Transport, plan: Plan, path: Option<&Path>) -> ExitCode {
    let result = match (t, path) {
        (Transport::Pipe, _) => {
            streams::child(plan, std::io::stdin().lock(), std::io::stdout().lock())
        }
        (Transport::Socket, Some(p)) => UnixStream::connect(p).and_then(|s| {
            let from = BufReader::new(s.try_clone()?);
            streams::child(plan, from, BufWriter::new(s))
        }),
        (Transport::Shm, Some(p)) => shm::child(plan, p),
        _ => return cli::usage_error("--child socket and shm need --path"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: child: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    cli::setup();
    let args = Args::parse();
    let chunk = args.chunk_kib as usize * 1024;
    let total = args.megabytes as usize * 1024 * 1024;
    if chunk > total || !total.is_multiple_of(chunk) {
        return cli::usage_error(format!(
            "--megabytes {} is not a whole number of chunks of --chunk-kib {}",
            args.megabytes, args.chunk_kib
        ));
    }
    let plan = Plan {
        round_trips: args.round_trips,
        size: args.size as usize,
        chunk,
        chunks: total / chunk,
    };
    if let Some(t) = args.child {
        return child(t, plan, args.path.as_deref());
    }
    // Held at once: the sender's prepared chunks, the shared file (memory on /dev/shm), the
    // receiver's chunk buffer, and the round-trip messages on both sides.
    let memory = data::Source::bytes(chunk) as u128
        + u128::from(shm::file_len(plan))
        + chunk as u128
        + 4 * plan.size as u128;
    // Run time, in the three transports together: about 100 us per round trip plus 2 ns per
    // byte of message, 1.8 ms per MiB streamed and 5 us per chunk (1 KiB chunks: about 5 ms
    // more per MiB), measured here. Capped at about 20 s, since nothing prints until the table.
    let micros = |rt: u32, size: u32, mib: u32, chunk_kib: u32| {
        let chunks = u128::from(mib) * 1024 / u128::from(chunk_kib);
        u128::from(rt) * (100 + u128::from(size) / 500) + u128::from(mib) * 1800 + chunks * 5
    };
    let (rt, size, mib, kib) = (args.round_trips, args.size, args.megabytes, args.chunk_kib);
    let (work, cap) = (micros(rt, size, mib, kib), 20_000_000);
    // Name only the flags that bring this run under the cap, each changed alone as far as it
    // goes: the round trips, their size and the MiB (down to one chunk) lowered, the chunk
    // raised (which helps only when the per-chunk cost is what passes the cap).
    let mut lower = cli::lower_which(
        cap,
        &[
            ("--round-trips", micros(1, size, mib, kib)),
            ("--size", micros(rt, 1, mib, kib)),
            ("--megabytes", micros(rt, size, kib.div_ceil(1024), kib)),
        ],
    );
    if micros(rt, size, mib, 65_536.min(mib * 1024)) <= cap {
        lower.push_str(", or raise --chunk-kib");
    }
    if let Err(refused) =
        cli::cap_bytes("memory", memory, cli::MEMORY_CAP, "--chunk-kib").and_then(|()| {
            let default = micros(ROUND_TRIPS, SIZE, MEGABYTES, 1024);
            let what = "microseconds of transfers (estimated)";
            cli::cap_work(what, work, default, cap, &lower)
        })
    {
        return refused;
    }
    // On /dev/shm where there is one: memory (tmpfs), so the mapped file never goes to disk.
    let dir = match cli::temp_dir_in_memory() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let trips = match args.round_trips {
        1 => "1 round trip".to_string(),
        n => format!("{n} round trips"),
    };
    println!(
        "{trips} of {} bytes, then {} MiB in {} KiB chunks, parent -> child:",
        args.size, args.megabytes, args.chunk_kib
    );
    let mut source = data::Source::new(chunk);
    let expected = source.expected(plan.chunks);
    let mut table = Table::new([
        "transport",
        "round trip (median)",
        "min",
        "p99",
        "stream",
        "child checking",
        "MiB/s",
        "checksum",
    ]);
    let mut streams = Vec::new();
    for t in [Transport::Pipe, Transport::Socket, Transport::Shm] {
        let mut f = match parent::measure(t, &args, plan, &mut source, dir.path()) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {}: {e}", t.name());
                return ExitCode::FAILURE;
            }
        };
        f.round_trips.sort();
        let pick = |q: f64| f.round_trips[((f.round_trips.len() - 1) as f64 * q) as usize];
        let mib_s = args.megabytes as f64 / f.stream.as_secs_f64();
        let equal = f.child_sum == expected;
        table.row([
            t.name().to_string(),
            fmt_duration(pick(0.5)),
            fmt_duration(pick(0.0)),
            fmt_duration(pick(0.99)),
            fmt_duration(f.stream),
            fmt_duration(f.checking),
            format!("{mib_s:.0}"),
            if equal {
                "equal".into()
            } else {
                format!("DIFFERS ({:x})", f.child_sum)
            },
        ]);
        if !equal {
            print!("{table}");
            eprintln!(
                "error: {}: the child's checksum differs from the parent's",
                t.name()
            );
            return ExitCode::FAILURE;
        }
        streams.push((t.name(), pick(0.5), f.stream));
    }
    print!("{table}");
    let medians: Vec<String> = streams
        .iter()
        .map(|(name, median, _)| format!("{name} {}", fmt_duration(*median)))
        .collect();
    println!(
        "round trip medians: {}; the same bytes arrived through each",
        medians.join(", ")
    );
    let (byte_stream, fastest) = streams[..2]
        .iter()
        .map(|(name, _, stream)| (*name, *stream))
        .min_by_key(|&(_, stream)| stream)
        .unwrap_or(("pipe", streams[0].2));
    println!(
        "stream: shared memory {} against the {byte_stream}'s {} (the faster byte stream): {}",
        fmt_duration(streams[2].2),
        fmt_duration(fastest),
        fmt_faster(fastest, streams[2].2)
    );
    ExitCode::SUCCESS
}
