//! Connection memory: where one in-flight request's bytes go, client by client.
//!
//! The guide calls asyncio "memory efficient" because a waiting task is small. In Rust a waiting
//! tokio task is half a KiB (`task_memory`, in the suite "concurrency by example", measures it),
//! yet 10,000 requests in flight through reqwest take about 200 MiB. This program holds
//! `--requests` requests of `--delay-ms` in flight at once against a loopback server in its own
//! process, with three clients: reqwest, a bare hyper connection, and a lean client (a `TcpStream`,
//! a 512-byte read buffer, httparse). Each runs in a fresh process, and a counting allocator
//! reports the heap each connection holds at the peak, by allocation size: the memory is the
//! client's buffers and state, chosen by the library, not the task.
//!
//! Run:
//!   cargo run --release -p examples-async --bin connection_memory
//!   cargo run --release -p examples-async --bin connection_memory -- --client lean --requests 10000
//!   (against web_server) cargo run --release -p examples-async --bin web_server -- --port 0
//!   cargo run --release -p examples-async --bin connection_memory -- --client lean --url http://127.0.0.1:PORT --requests 10000 --json
//!
//! You will see: per client, every answer checked, the most requests in flight at once (all,
//! unless the first answers come back before the last requests start), wall and CPU time, peak
//! RSS, and per connection in flight the resident memory, the heap and the size of the task's
//! future; then, per client, the allocations one connection holds by size (hyper's 8 KiB
//! buffers show up there).
//!
//! Python: `asyncio.gather(*(session.get(url) for _ in range(n)))` with aiohttp; its memory per
//! connection is likewise aiohttp's buffers and objects, not the coroutine.
//!
//! Try this: change `READ_BUFFER` in clients.rs to 8192 (hyper's size) and watch the lean
//! client's heap per connection grow by about 7.5 KiB; `--client lean --requests 10000`: the
//! figures per connection stay about what they were at 2,000 (runs past the open-file limit,
//! 20,000 on the machine this suite was measured on, are refused).
//!
//! Copy it out: `cargo xtask copy-out connection_memory DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! httparse = "1.10"
//! hyper = { version = "1.12", default-features = false, features = ["client", "http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["http1", "server", "server-graceful", "tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

mod clients;
mod heap;
mod plumbing;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use clap::Parser;
use clients::{Client, Counts, Target};
use plumbing::{cpu_s, in_child, kernel_tcp_kib, print, rss_kib, serve, start_server, target};
use serde::{Deserialize, Serialize};
use shared::{Who, usage};

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

#[derive(Parser, Debug)]
#[command(
    about = "Where each in-flight request's memory goes: reqwest, bare hyper and a lean client"
)]
struct Args {
    /// Which client; `all` runs each in a fresh process, one after another.
    #[arg(long, default_value = "all")]
    client: String,
    /// Requests in flight at once (2 or more: with one, the per-connection figures are the
    /// program's own memory).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(2..=50_000))]
    requests: u32,
    /// How long the server holds each request, in ms (long enough for all to be in flight).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    delay_ms: u64,
    /// A running server answering `/delay/{ms}` (such as `web_server` of the suite "concurrency
    /// by example"); by default a loopback server is started in a child process.
    #[arg(long, value_parser = shared::cli::parse_base_url)]
    url: Option<String>,
    /// Print one JSON object per client instead of the table.
    #[arg(long)]
    json: bool,
    /// Internal: run the loopback server (for the parent) until stdin closes.
    #[arg(long, hide = true)]
    serve: bool,
}

/// What one client's run measured, in its own process.
#[derive(Serialize, Deserialize)]
struct Report {
    client: String,
    requests: usize,
    ok: usize,
    errors: Vec<String>,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_kib: u64,
    /// Resident memory added per request in flight: (peak RSS - RSS before) / in flight.
    kib_per_connection: f64,
    /// Live heap per request in flight, at the heap's peak.
    heap_bytes_per_connection: f64,
    /// The size of one request's future: what its task holds while waiting.
    future_bytes: usize,
    in_flight_at_peak: usize,
    /// The kernel's TCP memory per connection (both ends, on loopback): not in any RSS.
    kernel_tcp_kib_per_connection: f64,
    /// (size class upper bound, bytes, allocations) per connection, largest first.
    allocations: Vec<(u64, f64, f64)>,
    /// The lean client only: heap bytes of one connection's task, socket registration and
    /// read buffer, measured step by step.
    anatomy: Option<[i64; 3]>,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.serve {
        return serve();
    }
    let clients = match args.client.as_str() {
        "all" => vec![Client::Reqwest, Client::Hyper, Client::Lean],
        name => match <Client as clap::ValueEnum>::from_str(name, true) {
            Ok(client) => vec![client],
            Err(_) => {
                return shared::cli::usage_error(format!(
                    "--client must be reqwest, hyper, lean or all, not {name:?}"
                ));
            }
        },
    };
    if let Err(code) = plumbing::check_sizes(&args, clients.len()) {
        return code;
    }
    let mut server = None;
    let url = match &args.url {
        Some(url) => url.clone(),
        None => match start_server() {
            Ok((child, url)) => {
                server = Some(child);
                url
            }
            Err(e) => {
                eprintln!("error: cannot start the loopback server: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    // `--url` is well formed (clap checked it); a host that does not resolve is work failed.
    let Some(target) = target(&url, args.delay_ms) else {
        eprintln!("error: cannot resolve the host of {url}");
        return ExitCode::FAILURE;
    };
    let reports: Vec<Report> = if let [client] = clients[..]
        && args.url.is_some()
    {
        match measure(client, target, args.requests as usize) {
            Ok(report) => vec![report],
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        clients
            .iter()
            .filter_map(|c| in_child(*c, &url, &args))
            .collect()
    };
    drop(server);
    let failed: usize = reports.iter().map(|r| r.requests - r.ok).sum();
    let complete = reports.len() == clients.len() && failed == 0;
    // No figures per connection, and no conclusion, from connections that did not happen (the
    // JSON records still say what each client got, `ok` included).
    if complete || args.json {
        print(&reports, &args);
    }
    if !complete {
        // A client whose process ended without a report (it crashed) is a failure too.
        let missing = match clients.len() - reports.len() {
            0 => String::new(),
            n => format!(
                ", and {n} of {} clients ended without a report",
                clients.len()
            ),
        };
        eprintln!(
            "error: {failed} requests failed{missing}{}",
            reports
                .iter()
                .flat_map(|r| r.errors.first())
                .map(|e| format!("; first: {e}"))
                .next()
                .unwrap_or_default()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// One client's run, in this process: RSS and heap before, the peak, CPU and wall time.
fn measure(client: Client, target: Target, requests: usize) -> Result<Report, String> {
    let anatomy = (client == Client::Lean)
        .then(|| clients::anatomy(&target))
        .flatten();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    let (rss_before, heap_before, tcp_before) = (rss_kib(), heap::snapshot(), kernel_tcp_kib());
    let counts = Arc::new(Counts::default());
    let sampler = Sampler::start(counts.clone());
    let (cpu_before, start) = (usage(Who::SelfProcess), Instant::now());
    let (errors, future_bytes) =
        runtime.block_on(clients::run_all(client, Arc::new(target), requests, counts));
    let (wall, cpu) = (
        start.elapsed(),
        cpu_s(usage(Who::SelfProcess)) - cpu_s(cpu_before),
    );
    let peak = sampler.stop()?;
    let n = peak.in_flight.max(1);
    Ok(Report {
        client: format!("{client:?}").to_lowercase(),
        requests,
        ok: requests - errors.len(),
        errors: errors.into_iter().take(3).collect(),
        wall_s: wall.as_secs_f64(),
        cpu_s: cpu,
        peak_rss_kib: shared::peak_rss_kib(),
        kib_per_connection: (shared::peak_rss_kib().saturating_sub(rss_before)) as f64 / n as f64,
        heap_bytes_per_connection: (peak.heap.total() - heap_before.total()) as f64 / n as f64,
        future_bytes,
        in_flight_at_peak: peak.in_flight,
        kernel_tcp_kib_per_connection: peak.tcp_kib.saturating_sub(tcp_before) as f64 / n as f64,
        allocations: peak.heap.per_connection(&heap_before, n),
        anatomy,
    })
}

/// A thread outside the runtime that reads the heap every millisecond and keeps the reading
/// taken with the most requests in flight (the largest heap among those), with the kernel's
/// TCP memory then.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Peak>,
}

struct Peak {
    heap: heap::Snapshot,
    in_flight: usize,
    tcp_kib: u64,
}

impl Sampler {
    fn start(counts: Arc<Counts>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let done = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = Peak {
                heap: heap::snapshot(),
                in_flight: 0,
                tcp_kib: 0,
            };
            while !done.load(Relaxed) {
                // The reading with the most requests in flight, and the largest heap among
                // those: the heap alone can peak after the answers (buffers not yet freed,
                // requests counted done), and dividing that by 0 in flight says nothing.
                let (now, in_flight) = (heap::snapshot(), counts.in_flight());
                if (in_flight, now.total()) > (peak.in_flight, peak.heap.total()) {
                    peak = Peak {
                        heap: now,
                        in_flight,
                        tcp_kib: kernel_tcp_kib(),
                    };
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        });
        Sampler { stop, thread }
    }

    fn stop(self) -> Result<Peak, String> {
        self.stop.store(true, Relaxed);
        (self.thread.join()).map_err(|_| "the heap sampler thread panicked".to_string())
    }
}
