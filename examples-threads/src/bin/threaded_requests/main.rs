//! Threaded requests: blocking HTTP requests on threads, one per request or a fixed pool.
//!
//! A blocking call parks only the thread that makes it, so N threads can wait for N answers
//! at once: the total drops from N x latency to about one latency. Two shapes: one thread per
//! request (simple, fine for dozens or hundreds), and a fixed pool of `--workers` threads
//! taking requests from a shared counter (the total becomes ceil(N / W) x latency, and the
//! thread count stays bounded however large N gets).
//!
//! Run:
//!   cargo run -p examples-threads --bin threaded_requests
//!   cargo run -p examples-threads --bin threaded_requests -- --requests 100 --delay-ms 500
//!   cargo run -p examples-threads --bin threaded_requests -- --requests 100 --delay-ms 500 --workers 10
//!   cargo run -p examples-threads --bin threaded_requests -- --json
//!
//! You will see: the requests finishing in a burst, on threads named `worker-N`,
//! and a total close to one delay (10 requests of 1 s: about 1.0 s against 10 s in sequence);
//! with `--workers 10` and 100 requests of 500 ms, ten waves: about 5 s. Last, the loopback
//! server's own count of requests in flight at once: at most one per thread, so 10 in both
//! cases once the threads are all waiting.
//!
//! Python: `ThreadPoolExecutor(max_workers=W).map(requests.get, urls)`, the guide's
//! "Threading" row: about 1 second. The GIL does not get in the way because Python releases
//! it while a thread waits for the network; in Rust there is no GIL to release.
//!
//! Memory: what a waiting thread holds is what its client touches. `--client ureq` (the
//! default, a kept library) reads and writes through 2 KiB buffers (`BUFFER`), sized for these
//! small answers (ureq's defaults, 128 KiB each way, held about 285 KiB a request at 1,000 in
//! flight); about 26 KiB a request is left, 20 KiB of it the stack that ureq's calls touch.
//! `--client lean` (lean.rs: std `TcpStream`, a 512-byte buffer, httparse) touches 8 KiB of
//! stack: about 10 KiB a request, 1,000 requests of 1 s in about 13 MiB, 10,000 in about
//! 97 MiB, measured against a server in another process (`--url`; BENCHMARKS.md of the suite
//! "concurrency by example"). Without `--url` the server's side of each connection is in this
//! process too, so its peak RSS is larger: at 1,000 here, about 90 MiB (ureq) and 33 MiB (lean)
//! in the debug build of the Run lines, 46 MiB and 27 MiB with `--release`. `limits.rs` uses
//! these figures to refuse, before any request, a run past the memory cap.
//!
//! Try this: `--requests 1000 --delay-ms 1000` (about 1 s), then with `--workers 50` (20
//! waves: about 20 s), then with `--client lean`, and compare the wall time and the peak
//! memory; set `BUFFER` to 128 * 1024 (ureq's default) and watch the peak memory of 1,000
//! requests grow by about 250 MiB (128 KiB each way, per connection).
//!
//! Copy it out: `cargo xtask copy-out threaded_requests DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, record), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! httparse = "1.10"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "net", "rt", "sync", "time"] }
//! ureq = { version = "3.5", default-features = false }
//! ```

mod lean;
mod limits;

use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Serialize;
use shared::fixture::Fixture;
use shared::{Record, fmt_count, fmt_duration, fmt_ratio, measure, print_json};

#[derive(Parser, Debug)]
#[command(about = "Blocking HTTP requests on threads: one per request, or a fixed pool")]
struct Args {
    /// How many requests to make.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each one, in milliseconds (1 or more).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// Use a pool of this many threads instead of one thread per request.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    workers: Option<u32>,
    /// A server that answers GET {url}/delay/{ms} (default: one started in this process).
    #[arg(long, value_parser = shared::cli::parse_base_url)]
    url: Option<String>,
    /// The blocking client: ureq (a kept library), or `lean` (std `TcpStream` and httparse).
    #[arg(long, value_enum, default_value_t = Client::Ureq)]
    client: Client,
    /// Print one JSON object with the measurements instead of the report.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Client {
    Ureq,
    Lean,
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    /// Which blocking client (`client` alone names an approach in `compare`'s rows).
    http_client: Client,
    requests: u32,
    delay_ms: u64,
    workers: u32,
    ok: u32,
    /// The most requests the loopback server had in flight at once (none with --url).
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_in_flight: Option<u64>,
    #[serde(flatten)]
    measured: Record,
}

fn get(agent: &ureq::Agent, url: &str) -> Result<u16, String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

/// The client's read and write buffers, each: see where the agent is built.
const BUFFER: usize = 2048;

/// Calls `request(0)` to `request(requests - 1)` on `threads` threads named `worker-N`, each
/// taking the next request number until none is left; the results come back thread by
/// thread, not in request order.
fn on_threads<T: Send>(
    requests: u32,
    threads: u32,
    request: impl Fn(u32) -> T + Sync,
) -> Result<Vec<T>, String> {
    // exercise threaded_fetch {
    let (next, request) = (&AtomicU32::new(0), &request);
    thread::scope(|s| {
        let work = move || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    return done;
                }
                done.push(request(i));
            }
        };
        let handles = (0..threads)
            .map(|w| {
                thread::Builder::new()
                    .name(format!("worker-{}", w + 1))
                    .spawn_scoped(s, work)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        // Join every thread before looking at any: one left unjoined that panicked too would
        // make the scope panic instead of returning this error.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        let mut results = Vec::new();
        for j in joined {
            results.extend(j.map_err(|_| "a request thread panicked".to_string())?);
        }
        Ok(results)
    })
    // exercise threaded_fetch }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let threads = args.workers.unwrap_or(args.requests).min(args.requests);
    if let Err(refused) = limits::check(&args, threads) {
        return refused;
    }
    let mut fixture = None;
    let base = match &args.url {
        Some(url) => url.clone(),
        None => match Fixture::start() {
            Ok(f) => fixture.insert(f).url(),
            Err(e) => {
                eprintln!("error: cannot start the loopback server: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let url = format!("{base}/delay/{}", args.delay_ms);
    let timeout = Duration::from_millis(args.delay_ms) + Duration::from_secs(10);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_idle_connections(threads as usize)
        .max_idle_connections_per_host(threads as usize)
        // Sized for what is read and written: a request line and a few headers out, a status
        // line, a few headers and `waited 1000 ms` in. ureq's defaults (128 KiB each way)
        // were 256 KiB a thread, most of a thread's memory here (see the header).
        .input_buffer_size(BUFFER)
        .output_buffer_size(BUFFER)
        .build()
        .into();

    // One request, with its report line; called from many threads at once.
    let request = |i: u32| {
        let start = Instant::now();
        let result = match args.client {
            Client::Ureq => get(&agent, &url),
            Client::Lean => lean::get(&url, timeout),
        };
        if !args.json {
            let me = thread::current();
            let name = me.name().unwrap_or("?");
            match &result {
                Ok(status) => println!(
                    "request {:>4} on {name:>11}: {status} in {}",
                    i + 1,
                    fmt_duration(start.elapsed())
                ),
                Err(e) => println!("request {:>4} on {name:>11}: failed: {e}", i + 1),
            }
        }
        result
    };

    // One thread per request is a pool as large as the list, so one loop serves both shapes.
    let (results, m) = measure(|| on_threads(args.requests, threads, request));
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count() as u32;
    // The server's own count: how many requests were really waiting side by side.
    let peak_in_flight = fixture.as_ref().map(Fixture::peak_in_flight);

    if args.json {
        print_json(&Row {
            approach: "threads",
            http_client: args.client,
            requests: args.requests,
            delay_ms: args.delay_ms,
            workers: threads,
            ok,
            peak_in_flight,
            measured: Record::from(&m),
        });
    }
    if ok < args.requests {
        // No speedup for work that was not done: say what failed, and exit 1.
        let first = results.iter().find_map(|r| match r {
            Ok(200) => None,
            Ok(status) => Some(format!("status {status}")),
            Err(e) => Some(e.clone()),
        });
        eprintln!(
            "error: {} of {} failed (first: {})",
            args.requests - ok,
            fmt_count(args.requests, "request", "requests"),
            first.unwrap_or_default()
        );
        return ExitCode::FAILURE;
    }
    if !args.json {
        let estimate = Duration::from_millis(args.delay_ms) * args.requests;
        let shape = match args.workers {
            None => format!(
                "{}, one per request",
                fmt_count(threads, "thread", "threads")
            ),
            Some(_) => format!("a pool of {}", fmt_count(threads, "thread", "threads")),
        };
        println!(
            "{} of {} on {shape}: {} against N x D = {} in sequence ({}), cpu {}, peak RSS {}, {ok} ok",
            fmt_count(args.requests, "request", "requests"),
            fmt_duration(Duration::from_millis(args.delay_ms)),
            fmt_duration(m.wall),
            fmt_duration(estimate),
            fmt_ratio(estimate, m.wall),
            fmt_duration(m.cpu()),
            shared::fmt_kib(m.peak_rss_kib),
        );
        if let Some(peak) = peak_in_flight {
            let requests = fmt_count(peak, "request", "requests");
            println!("the server had at most {requests} in flight at once");
        }
    }
    ExitCode::SUCCESS
}
