//! Sequential requests: the baseline, N blocking HTTP requests one after another.
//!
//! The guide starts here ("begin with sequential code"), and so does every comparison in this
//! program's suite, "concurrency by example": each request waits for the server, and the next
//! one starts only when it is done, so the total is N times the latency. The program starts a
//! loopback server whose answers take `--delay-ms`, or uses yours (`--url`), and makes the
//! requests with ureq, a blocking client.
//!
//! Run:
//!   cargo run -p examples-threads --bin sequential_requests
//!   cargo run -p examples-threads --bin sequential_requests -- --requests 5 --delay-ms 200
//!   cargo run -p examples-threads --bin sequential_requests -- --json
//!
//! You will see: how long the run will take, one line per request as it ends, each taking
//! about `--delay-ms`, then the total: about N x D (10 requests of 1 s: about 10 s), with CPU
//! time near zero, since the program spends its time waiting, and the loopback server's count
//! of requests in flight at once: 1. That waiting is what threads and async tasks overlap
//! (`threaded_requests` and `async_requests` in that suite).
//!
//! Python: `for url in urls: requests.get(url)`, the guide's "Sequential (No Concurrency)"
//! row: 10 x 1 second = 10 seconds.
//!
//! Try this: compare `cpu` with `wall` in the summary (the work is waiting, not computing);
//! then run the suite's `threaded_requests` with the same flags.
//!
//! Copy it out: `cargo xtask copy-out sequential_requests DIR` writes it as a crate of its own
//! (with `src/support/`: cli, fixture, format, measure, record), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
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

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Serialize;
use shared::fixture::Fixture;
use shared::{Record, fmt_count, fmt_duration, measure, print_json};

#[derive(Parser, Debug)]
#[command(about = "N blocking HTTP requests, one after another: the baseline")]
struct Args {
    /// How many requests to make.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each one, in milliseconds (1 or more).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// A server that answers GET {url}/delay/{ms} (default: one started in this process).
    #[arg(long, value_parser = shared::cli::parse_base_url)]
    url: Option<String>,
    /// Print one JSON object with the measurements instead of the report.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    requests: u32,
    delay_ms: u64,
    ok: u32,
    /// The most requests the loopback server had in flight at once (none with --url).
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_in_flight: Option<u64>,
    #[serde(flatten)]
    measured: Record,
}

/// One GET; returns the status code, or the error as text.
fn get(agent: &ureq::Agent, url: &str) -> Result<u16, String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    // Read the body so the connection can be reused for the next request.
    response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

/// What a request costs beyond its wait, about: 1.5 to 4 ms measured on a busy machine (12 ms
/// waits took 13.5 to 16 ms each).
const PER_REQUEST_MS: u64 = 3;

/// "1 request" or "10 requests": `--requests 1` is allowed, and its lines must read right.
fn requests(n: u32) -> String {
    fmt_count(n, "request", "requests")
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.delay_ms == 0 {
        return shared::cli::usage_error(
            "--delay-ms 0: the server answers at once, so no request waits and N x D, the \
             time the lesson adds up, is zero; ask for 1 or more",
        );
    }
    // The cap on run time: the waits come one after another, so the run takes their sum, and
    // each request costs about PER_REQUEST_MS more (connection, timer granularity).
    let d = Args::parse_from(["sequential_requests"]); // the defaults, from clap
    let waits = |a: &Args| u128::from(a.requests) * u128::from(a.delay_ms + PER_REQUEST_MS);
    let (what, lower) = ("ms (estimated)", "--requests or --delay-ms");
    if let Err(refused) = shared::cli::cap_work(what, waits(&args), waits(&d), 120_000, lower) {
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(
            Duration::from_millis(args.delay_ms) + Duration::from_secs(10),
        ))
        .http_status_as_error(false)
        .build()
        .into();

    let estimate = Duration::from_millis(args.delay_ms) * args.requests;
    if !args.json {
        // The defaults take about 10 s: say so before the first wait.
        println!(
            "making {} of {} one after another: about {} in all",
            requests(args.requests),
            fmt_duration(Duration::from_millis(args.delay_ms)),
            fmt_duration(estimate)
        );
    }
    let (results, m) = measure(|| {
        (0..args.requests)
            .map(|i| {
                let start = Instant::now();
                let result = get(&agent, &url);
                if !args.json {
                    match &result {
                        Ok(status) => println!(
                            "request {:>3}: {status} in {}",
                            i + 1,
                            fmt_duration(start.elapsed())
                        ),
                        Err(e) => println!("request {:>3}: failed: {e}", i + 1),
                    }
                }
                result
            })
            .collect::<Vec<_>>()
    });
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count() as u32;
    // The server's own count of requests waiting side by side: one at a time, here.
    let peak_in_flight = fixture.as_ref().map(Fixture::peak_in_flight);

    if args.json {
        print_json(&Row {
            approach: "sequential",
            requests: args.requests,
            delay_ms: args.delay_ms,
            ok,
            peak_in_flight,
            measured: Record::from(&m),
        });
    }
    if ok < args.requests {
        // No summary for work that was not done: say what failed, and exit 1.
        let first = results.iter().find_map(|r| match r {
            Ok(200) => None,
            Ok(status) => Some(format!("status {status}")),
            Err(e) => Some(e.clone()),
        });
        eprintln!(
            "error: {} of {} failed (first: {})",
            args.requests - ok,
            requests(args.requests),
            first.unwrap_or_default()
        );
        return ExitCode::FAILURE;
    }
    if !args.json {
        println!(
            "{} of {} one after another: wall {} (N x D = {}), cpu {}, {ok} ok",
            requests(args.requests),
            fmt_duration(Duration::from_millis(args.delay_ms)),
            fmt_duration(m.wall),
            fmt_duration(estimate),
            fmt_duration(m.cpu()),
        );
        if let Some(peak) = peak_in_flight {
            let requests = fmt_count(peak, "request", "requests");
            println!("the server had at most {requests} in flight at once");
        }
    }
    ExitCode::SUCCESS
}
