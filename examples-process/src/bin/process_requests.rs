//! Process requests: the guide's scenario, N slow HTTP requests, split across worker processes.
//!
//! Each worker is this program started again in worker mode; it makes its share of the
//! requests one after another with a blocking client (ureq), then reports on its stdout how
//! many succeeded and its own peak memory. The workers wait at the same time, so N requests
//! on W workers take about ceil(N / W) x delay. It works, and it is how Python gets around the
//! GIL, but for waiting on the network a process is the heaviest tool there is: each worker
//! is a whole program in memory to make one or two requests, where a thread or an async task
//! would do (compare `threaded_requests` and `async_requests`, or run `compare`).
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_requests
//!   cargo run --release -p examples-process --bin process_requests -- --requests 20 --delay-ms 500 --workers 20
//!   cargo run --release -p examples-process --bin process_requests -- --json
//!
//! You will see: one line per worker (its pid, its share, how long it took), then a table:
//! 10 requests of 1 s on 10 workers in about 1.0 s instead of 10 s, the loopback server's
//! count of 10 requests in flight at once, and a peak memory that adds up every worker's own.
//!
//! Python: `multiprocessing.Pool(w).map(fetch, urls)`, the guide's "Multiprocessing" row of the
//! performance comparison ("~1 second", memory "High").
//!
//! Try this: `--workers 2` (five rounds: about 5 s); `--requests 100 --workers 100` and
//! compare the peak memory with `threaded_requests --requests 100`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::fixture::Fixture;
use shared::{Record, Table, fmt_duration, fmt_faster, fmt_kib, measure, peak_rss_kib, print_json};

#[derive(Parser, Debug)]
#[command(about = "N blocking HTTP requests split across W worker processes")]
struct Args {
    /// How many requests in all.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each one, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// Worker processes (at most one per request).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=512))]
    workers: u32,
    /// A server that answers GET {url}/delay/{ms} (default: one started in this process).
    #[arg(long, value_parser = parse_base_url)]
    url: Option<String>,
    /// Print one JSON object with the measurements instead of the report.
    #[arg(long)]
    json: bool,
    /// Internal: be a worker making this many requests to --url.
    #[arg(long, hide = true)]
    worker: Option<u32>,
}

fn parse_base_url(s: &str) -> Result<String, String> {
    match s.strip_prefix("http://") {
        Some(rest) if !rest.is_empty() => Ok(s.trim_end_matches('/').to_string()),
        _ => Err("expected http://HOST:PORT (plain HTTP on loopback)".into()),
    }
}

/// What a worker prints on its stdout when it is done: one JSON line.
#[derive(Serialize, Deserialize)]
struct Report {
    ok: u32,
    first_error: Option<String>,
    took_s: f64,
    peak_rss_kib: u64,
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
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

/// Worker mode: make `count` requests to `url` in turn, then report. `workers` run at once.
fn worker(count: u32, url: &str, delay_ms: u64, workers: u32) -> ExitCode {
    shared::witness::arrive(&format!("process-requests-{workers}"), workers as usize); // test witness: all workers alive at once
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(
            Duration::from_millis(delay_ms) + Duration::from_secs(10),
        ))
        .build()
        .into();
    let start = Instant::now();
    let (mut ok, mut first_error) = (0, None);
    for _ in 0..count {
        let result = agent
            .get(url)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string());
        match result {
            Ok(_) => ok += 1,
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    let report = Report {
        ok,
        first_error,
        took_s: start.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
    };
    print_json(&report);
    ExitCode::SUCCESS
}

/// Starts the workers, each with its share of the requests; waits for all of them.
/// Returns each worker's pid, share and report.
fn run_workers(args: &Args, url: &str, workers: u32) -> Result<Vec<(u32, u32, Report)>, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children: Vec<(Child, u32)> = Vec::new();
    for i in 0..workers {
        // Shares differ by at most one: 10 requests on 4 workers are 3, 3, 2, 2.
        let share = args.requests / workers + u32::from(i < args.requests % workers);
        let spawned = Command::new(&me)
            .args(["--worker", &share.to_string(), "--url", url])
            .args(["--delay-ms", &args.delay_ms.to_string()])
            .args(["--workers", &workers.to_string()])
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => children.push((child, share)),
            Err(e) => {
                reap(children);
                return Err(format!("cannot start worker {i}: {e}"));
            }
        }
    }
    // Every worker is running now; read each one's report and wait for it (no zombies).
    let mut reports = Vec::new();
    let mut failure = None;
    for (mut child, share) in children {
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        match serde_json::from_str::<Report>(&line) {
            Ok(r) if status.success() => reports.push((child.id(), share, r)),
            _ => failure = Some(format!("worker {} ended with {status}", child.id())),
        }
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(reports),
    }
}

/// Exit status 0 when every request was answered OK, else 1 with a line saying how many failed.
fn failed(ok: u32, requests: u32) -> ExitCode {
    if ok == requests {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} of {requests} requests failed", requests - ok);
    ExitCode::FAILURE
}

/// Kills and waits for workers already started, when a later one could not be.
fn reap(children: Vec<(Child, u32)>) {
    for (mut c, _) in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(count) = args.worker {
        let Some(base) = &args.url else {
            eprintln!("error: a worker needs --url");
            return ExitCode::from(2);
        };
        let url = format!("{base}/delay/{}", args.delay_ms);
        return worker(count, &url, args.delay_ms, args.workers);
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
    let workers = args.workers.min(args.requests);
    let (result, mut m) = measure(|| run_workers(&args, &base, workers));
    let reports = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The parent's own peak plus every worker's: that is what the machine had to hold.
    m.peak_rss_kib += reports.iter().map(|r| r.2.peak_rss_kib).sum::<u64>();
    let ok: u32 = reports.iter().map(|r| r.2.ok).sum();
    // The server's own count: how many requests were really waiting side by side.
    let peak_in_flight = fixture.as_ref().map(Fixture::peak_in_flight);
    if args.json {
        print_json(&Row {
            approach: "processes",
            requests: args.requests,
            delay_ms: args.delay_ms,
            workers,
            ok,
            peak_in_flight,
            measured: (&m).into(),
        });
        return failed(ok, args.requests);
    }
    const SHOWN: usize = 10;
    for (pid, share, r) in reports.iter().take(SHOWN) {
        println!(
            "  worker pid {pid}: {share} request(s), {} OK, in {}, peak {}",
            r.ok,
            fmt_duration(Duration::from_secs_f64(r.took_s)),
            fmt_kib(r.peak_rss_kib)
        );
    }
    if reports.len() > SHOWN {
        println!("  ... and {} more workers", reports.len() - SHOWN);
    }
    if let Some(e) = reports.iter().find_map(|r| r.2.first_error.as_ref()) {
        println!("first failure: {e}");
    }
    let mut table = Table::new([
        "approach", "workers", "requests", "ok", "wall", "cpu", "peak RSS",
    ]);
    table.row([
        "processes".to_string(),
        workers.to_string(),
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
        "{} requests of {} ms on {workers} worker processes: sequential estimate {}, processes {} ({}); peak memory {} across {} processes",
        args.requests,
        args.delay_ms,
        fmt_duration(sequential),
        fmt_duration(m.wall),
        fmt_faster(sequential, m.wall),
        fmt_kib(m.peak_rss_kib),
        workers + 1,
    );
    if let Some(peak) = peak_in_flight {
        println!("the server had at most {peak} requests in flight at once");
    }
    ExitCode::SUCCESS
}
