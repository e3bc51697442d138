//! Async requests: the guide's scenario, N slow HTTP requests made at once, on three runtimes.
//!
//! Each request takes `--delay-ms` on the server; made one after another, N of them take N x
//! delay. Made concurrently, on one or two threads, they take about one delay: while a request
//! waits, its task is parked and the runtime runs the others. The same scenario runs on tokio
//! with reqwest (`tokio_reqwest.rs`), and on smol and async-std with hyper's low-level client
//! through smol-hyper (`hyper_client.rs`), which shows that hyper itself is runtime-agnostic:
//! the socket type and the spawn function change. async-std is discontinued upstream (its
//! README says so and points to smol); it is here because the guide's readers meet it. Its
//! port to smol changes those two names and one meaning: a dropped async-std `JoinHandle`
//! lets its task run on, a dropped smol `Task` cancels it, so the smol code must `.detach()`
//! the connection task that nobody awaits.
//!
//! Run:
//!   cargo run --release -p examples-async --bin async_requests
//!   cargo run --release -p examples-async --bin async_requests -- --runtime smol --requests 1000
//!   cargo run --release -p examples-async --bin async_requests -- --runtime async-std
//!   cargo run --release -p examples-async --bin async_requests -- --url http://127.0.0.1:3000 --requests 10000 --delay-ms 1000
//!     (with a server answering `/delay/{ms}`, such as `web_server` of the suite "concurrency by
//!     example", running in another terminal: its 10,000 sockets are then not this process's)
//!
//! You will see: the first requests with their status and time, a table with the total, CPU
//! and peak memory (of this whole process: with no `--url`, the loopback server's work is in
//! them too), a line comparing the total with the sequential estimate (100 requests of 500 ms
//! in about 0.5 s instead of 50 s), and the loopback server's own count of the most requests
//! it had in flight at once: all 100. If any request fails (a server that is down or answers
//! an error), it says how many, claims no speedup, and exits with status 1.
//!
//! Python: `asyncio.gather(*(session.get(url) for _ in range(n)))` with one
//! `aiohttp.ClientSession`, the guide's ASYNCIO example.
//!
//! Try this: `--runtime smol` and `--runtime async-std` give about the same total; `--requests
//! 5000` raises the peak memory (client and server together: `connection_memory` takes one
//! connection apart) and may show fewer than all in flight at once, when the first answers
//! come back before the last requests arrive; `--delay-ms 1` leaves almost nothing to wait for
//! and shows what the requests themselves cost (0 is refused: nothing would overlap).
//!
//! Copy it out: `cargo xtask copy-out async_requests DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, record, table), with:
//!
//! ```toml
//! [dependencies]
//! async-std = "1.13"
//! clap = { version = "4.6", features = ["derive"] }
//! futures = { version = "0.3", default-features = false, features = ["async-await", "std"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["client", "http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! smol = "2"
//! smol-hyper = "0.1.1"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

mod hyper_client;
mod server;
mod tokio_reqwest;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::Serialize;
use shared::fixture::Fixture;
use shared::{Measurement, Record, Table, fmt_duration, fmt_faster, fmt_kib, measure, print_json};

#[derive(Parser, Debug)]
#[command(about = "N concurrent HTTP requests of D ms each, on tokio, smol or async-std")]
struct Args {
    /// How many requests, all started at once (2 or more: one has nothing to overlap with).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    requests: u32,
    /// How long the server takes to answer each, in milliseconds (1 or more: the lesson is
    /// waits that overlap, and at 0 there are none).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    delay_ms: u64,
    /// A server answering `/delay/{ms}` to call (`web_server` of the suite "concurrency by
    /// example" is one); default: a loopback server started in this process.
    #[arg(long, value_parser = shared::cli::parse_base_url)]
    url: Option<String>,
    /// Which async runtime (and HTTP client) makes the requests.
    #[arg(long, value_enum, default_value_t = Runtime::Tokio)]
    runtime: Runtime,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Runtime {
    /// tokio with reqwest.
    Tokio,
    /// smol with hyper through smol-hyper.
    Smol,
    /// async-std (discontinued upstream) with hyper through smol-hyper.
    AsyncStd,
}

impl Runtime {
    fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::Smol => "smol",
            Runtime::AsyncStd => "async-std",
        }
    }
}

/// What one request came to: its HTTP status (or the error) and how long it took.
type Outcome = (Result<u16, String>, Duration);

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    requests: u32,
    delay_ms: u64,
    ok: u32,
    /// The most requests the in-process server had in flight at once (none with `--url`).
    peak_in_flight: Option<u64>,
    #[serde(flatten)]
    measured: Record,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // `--url` is well formed (clap checked it): http://HOST:PORT.
    let given = args.url.as_deref().map(server::base_and_host);
    // Every request in flight holds a socket, and so does the in-process server's end.
    if let Err(e) = server::ensure_open_files(u64::from(args.requests), given.is_none()) {
        return shared::cli::usage_error(e);
    }
    // About 21 KiB a client connection (measured with reqwest for the suite "concurrency by
    // example"), and the server's end.
    let memory = u128::from(args.requests) * 32 * 1024;
    if let Err(code) =
        shared::cli::cap_bytes("memory", memory, shared::cli::MEMORY_CAP, "--requests")
    {
        return code;
    }
    // The slowest answer, and about 0.2 ms to start and connect each request (0.16 ms
    // measured on two cores, client and loopback server together): 80 s at most.
    let estimate = |a: &Args| u128::from(a.delay_ms) + u128::from(a.requests) / 5;
    let default = estimate(&Args::parse_from(["async_requests"]));
    let what = "ms of waiting and connecting (estimated)";
    let lower = "--delay-ms or --requests";
    if let Err(code) = shared::cli::cap_work(what, estimate(&args), default, 80_000, lower) {
        return code;
    }
    // Keep the fixture alive until the end: dropping it stops the server.
    let mut fixture = None;
    let (base, host) = match given {
        Some(given) => given,
        None => match Fixture::start() {
            Ok(f) => (f.url(), fixture.insert(f).addr().to_string()),
            Err(e) => {
                eprintln!("error: cannot start the loopback server: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    // A server that cannot be reached (no such host, nothing listening) is work that failed
    // (status 1), not a bad argument: say so now rather than after N failed requests.
    let addr = match server::reach(&host) {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("error: {base}: {e}; 0 of {} requests made", args.requests);
            return ExitCode::FAILURE;
        }
    };

    let url = format!("{base}/delay/{}", args.delay_ms);
    let n = args.requests as usize;
    let (outcomes, m) = measure(|| match args.runtime {
        Runtime::Tokio => tokio_reqwest::requests(&url, n),
        Runtime::Smol => hyper_client::on_smol(addr, &url, n),
        Runtime::AsyncStd => hyper_client::on_async_std(addr, &url, n),
    });
    let outcomes = match outcomes {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let peak = fixture.as_ref().map(Fixture::peak_in_flight);
    report(&args, &url, &outcomes, &m, peak)
}

fn report(
    args: &Args,
    url: &str,
    outcomes: &[Outcome],
    m: &Measurement,
    peak: Option<u64>,
) -> ExitCode {
    let ok = outcomes.iter().filter(|(r, _)| *r == Ok(200)).count() as u32;
    if args.json {
        print_json(&Row {
            approach: args.runtime.name(),
            requests: args.requests,
            delay_ms: args.delay_ms,
            ok,
            peak_in_flight: peak,
            measured: m.into(),
        });
        return failed(ok, args.requests);
    }
    println!(
        "{} requests to {url} on {} ({}), all started at once",
        args.requests,
        args.runtime.name(),
        if args.runtime == Runtime::Tokio {
            "reqwest"
        } else {
            "hyper via smol-hyper"
        }
    );
    const SHOWN: usize = 10;
    for (i, (result, took)) in outcomes.iter().take(SHOWN).enumerate() {
        let status = match result {
            Ok(s) => s.to_string(),
            Err(e) => format!("failed: {e}"),
        };
        println!(
            "  request {:>3}: {status} after {}",
            i + 1,
            fmt_duration(*took)
        );
    }
    if outcomes.len() > SHOWN {
        println!("  ... and {} more", outcomes.len() - SHOWN);
    }
    if let Some((Err(e), _)) = outcomes.iter().find(|(r, _)| r.is_err()) {
        println!("first failure: {e}");
    }
    let mut table = Table::new(["runtime", "requests", "ok", "wall", "cpu", "peak RSS"]);
    table.row([
        args.runtime.name().to_string(),
        args.requests.to_string(),
        ok.to_string(),
        fmt_duration(m.wall),
        fmt_duration(m.cpu()),
        fmt_kib(m.peak_rss_kib),
    ]);
    print!("{table}");
    if ok < args.requests {
        // No speedup for work that was not done: say what failed, and exit 1.
        return failed(ok, args.requests);
    }
    let sequential = Duration::from_millis(args.delay_ms) * args.requests;
    println!(
        "{} requests of {} ms: sequential estimate {}, async on {} {} ({}); {ok} answered OK",
        args.requests,
        args.delay_ms,
        fmt_duration(sequential),
        args.runtime.name(),
        fmt_duration(m.wall),
        fmt_faster(sequential, m.wall),
    );
    if let Some(peak) = peak {
        let all = u64::from(args.requests);
        if peak == all {
            println!("the loopback server had all {peak} requests in flight at once");
        } else {
            // Started at once is not in flight at once: with thousands of connections, or
            // a short delay, the first answers can go out before the last requests arrive.
            println!(
                "the loopback server had up to {peak} of the {all} requests in flight at once: the first answers went out before the last requests arrived"
            );
        }
    }
    ExitCode::SUCCESS
}

/// Exit status 0 when every request was answered OK, else 1 with a line saying how many failed.
fn failed(ok: u32, requests: u32) -> ExitCode {
    if ok == requests {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} of {requests} requests failed", requests - ok);
    ExitCode::FAILURE
}
