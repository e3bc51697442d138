//! Process requests: the guide's scenario, N slow HTTP requests, split across worker processes.
//!
//! Each worker is this program started again in worker mode; it makes its share of the
//! requests one after another with a blocking client (ureq), then reports on its stdout how
//! many succeeded and its memory. The workers wait at the same time, so N requests on W
//! workers take about ceil(N / W) x delay. It works, and it is how Python gets around the
//! GIL, but for waiting on the network a process is the heaviest tool there is: each worker
//! is a whole program in memory to make one or two requests, where a thread or an async task
//! would do (compare `threaded_requests` and `async_requests`, or run `compare`: programs of
//! the suite "concurrency by example", as this one is).
//!
//! Memory is reported two ways. Adding up every process's peak RSS counts each page they share
//! (this program's code, the C library) once in every process, so it overstates what the
//! machine held. PSS (proportional set size, from `/proc/PID/smaps_rollup`, read by each
//! process at the end of its work) splits each shared page between the processes that map
//! it, so added up it comes close to what they use together; a worker's private pages are
//! what it alone adds. With `--json`: `peak_rss_kib` is the first total (every process's peak
//! RSS added up; the key that every program of the suite prints, which `compare` reads),
//! `pss_kib` the second (PSS added up), `workers_private_kib` the workers' private pages added
//! up, and `processes` how many processes the totals cover (this one and its workers).
//!
//! Run:
//!   cargo run --release -p examples-process --bin process_requests
//!   cargo run --release -p examples-process --bin process_requests -- --requests 20 --delay-ms 500 --workers 20
//!   cargo run --release -p examples-process --bin process_requests -- --json
//!
//! You will see: one line per worker (its pid, its share, how long it took, its peak RSS and
//! its private memory), then a table: 10 requests of 1 s on 10 workers in about 1.0 s instead
//! of 10 s, the loopback server's count of 10 requests in flight at once, and the memory both
//! ways: every process's peak RSS added up, a few times the PSS added up.
//!
//! Python: `multiprocessing.Pool(w).map(fetch, urls)`, the guide's "Multiprocessing" row of the
//! performance comparison ("~1 second", memory "High").
//!
//! Try this: `--workers 2` (five rounds: about 5 s); `--requests 100 --workers 100` and
//! compare the memory with the suite's `threaded_requests --requests 100`.
//!
//! Copy it out: `cargo xtask copy-out process_requests DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, record, table), with:
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

mod workers;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;
use shared::fixture::Fixture;
use shared::{Record, Table, fmt_count, fmt_duration, fmt_faster, fmt_kib, measure, print_json};
use workers::{Smaps, run_workers, worker};

#[derive(Parser, Debug)]
#[command(about = "N blocking HTTP requests split across W worker processes")]
struct Args {
    /// How many requests in all.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each one, in milliseconds (1 or more).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// Worker processes (at most one per request).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=512))]
    workers: u32,
    /// A server that answers GET {url}/delay/{ms} (default: one started in this process).
    #[arg(long, value_parser = shared::cli::parse_base_url)]
    url: Option<String>,
    /// Print one JSON object with the measurements instead of the report.
    #[arg(long)]
    json: bool,
    /// Internal: be a worker making this many requests to --url.
    #[arg(long, hide = true)]
    worker: Option<u32>,
}

#[derive(Serialize)]
struct Row {
    approach: &'static str,
    requests: u32,
    delay_ms: u64,
    workers: u32,
    ok: u32,
    /// The processes whose memory the totals below add up: this one and its workers.
    processes: u32,
    /// The most requests the loopback server had in flight at once (none with --url).
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_in_flight: Option<u64>,
    /// `peak_rss_kib` (in `measured`) adds the parent's peak RSS to every worker's, so a page
    /// they share is counted in each of them. `pss_kib` splits each shared page between the
    /// processes that map it: the parent's PSS plus every worker's, each read at the end of
    /// its work.
    pss_kib: u64,
    /// The pages that no other process maps, of every worker, added up: what the workers add.
    workers_private_kib: u64,
    #[serde(flatten)]
    measured: Record,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Some(count) = args.worker {
        let Some(base) = &args.url else {
            return shared::cli::usage_error("a worker needs --url");
        };
        let url = format!("{base}/delay/{}", args.delay_ms);
        // test witness {: all workers alive at once
        let w = args.workers;
        shared::witness::arrive(&format!("process-requests-{w}"), w as usize);
        // test witness }
        return worker(count, &url, args.delay_ms);
    }
    if args.delay_ms == 0 {
        return shared::cli::usage_error(
            "--delay-ms 0: the server answers at once, so no request waits and there is no wait \
             for the workers to overlap (ceil(N / W) x delay is zero); ask for 1 or more",
        );
    }
    // A worker per request at most: one more would have nothing to do.
    let workers = args.workers.min(args.requests);
    if workers < 2 {
        return shared::cli::usage_error(if args.requests < 2 {
            "--requests 1 has nothing to wait beside it: use 2 or more"
        } else {
            "--workers 1 makes every request in turn, so nothing waits side by side: use 2 or more"
        });
    }
    if workers < args.workers {
        eprintln!(
            "note: {} workers for {} requests: starting {workers}, one per request",
            args.workers, args.requests
        );
    }
    // The workers wait side by side, in rounds of one delay: capped at 20 s, since nothing
    // prints until every worker has finished.
    let waits = |requests: u32, workers: u32, delay: u64| {
        u128::from(requests.div_ceil(workers)) * u128::from(delay)
    };
    let d = Args::parse_from(["process_requests"]);
    let default = waits(d.requests, d.workers.min(d.requests), d.delay_ms);
    let processes = shared::cli::PROCESSES_CAP;
    // More workers help only if the most this run may start (one per request, up to the cap)
    // would bring the wait under the cap.
    let (cap_ms, most) = (20_000, args.requests.min(processes as u32));
    let lower = if workers < most && waits(args.requests, most, args.delay_ms) <= cap_ms {
        "--requests or --delay-ms, or raise --workers"
    } else {
        "--requests or --delay-ms"
    };
    if let Err(refused) =
        shared::cli::cap_count("processes", workers.into(), processes, "--workers").and_then(|()| {
            let work = waits(args.requests, workers, args.delay_ms);
            shared::cli::cap_work("ms of waiting", work, default, cap_ms, lower)
        })
    {
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
    let (result, mut m) = measure(|| run_workers(&args, &base, workers));
    let reports = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Two totals: every peak RSS added up (a shared page counted in every process), and PSS
    // added up (each shared page split between its sharers: what they use together).
    let Some(parent) = Smaps::of_self() else {
        eprintln!("error: cannot read /proc/self/smaps_rollup");
        return ExitCode::FAILURE;
    };
    m.peak_rss_kib += reports.iter().map(|r| r.2.peak_rss_kib).sum::<u64>();
    let pss = parent.pss_kib + reports.iter().map(|r| r.2.smaps.pss_kib).sum::<u64>();
    let private: u64 = reports.iter().map(|r| r.2.smaps.private_kib).sum();
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
            processes: workers + 1,
            peak_in_flight,
            pss_kib: pss,
            workers_private_kib: private,
            measured: (&m).into(),
        });
        return failed(ok, args.requests);
    }
    const SHOWN: usize = 10;
    for (pid, share, r) in reports.iter().take(SHOWN) {
        println!(
            "  worker pid {pid}: {}, {} OK, in {}, peak RSS {}, private {}",
            fmt_count(*share, "request", "requests"),
            r.ok,
            fmt_duration(Duration::from_secs_f64(r.took_s)),
            fmt_kib(r.peak_rss_kib),
            fmt_kib(r.smaps.private_kib),
        );
    }
    if reports.len() > SHOWN {
        println!("  ... and {} more workers", reports.len() - SHOWN);
    }
    if let Some(e) = reports.iter().find_map(|r| r.2.first_error.as_ref()) {
        println!("first failure: {e}");
    }
    let mut table = Table::new([
        "approach",
        "workers",
        "requests",
        "ok",
        "wall",
        "cpu",
        "peak RSS, summed",
        "PSS, summed",
    ]);
    table.row([
        "processes".to_string(),
        workers.to_string(),
        args.requests.to_string(),
        ok.to_string(),
        fmt_duration(m.wall),
        fmt_duration(m.cpu()),
        fmt_kib(m.peak_rss_kib),
        fmt_kib(pss),
    ]);
    print!("{table}");
    if ok < args.requests {
        // No speedup for work that was not done: say what failed, and exit 1.
        return failed(ok, args.requests);
    }
    let sequential = Duration::from_millis(args.delay_ms) * args.requests;
    println!(
        "{} of {} ms on {}: sequential estimate {}, processes {} ({})",
        fmt_count(args.requests, "request", "requests"),
        args.delay_ms,
        fmt_count(workers, "worker process", "worker processes"),
        fmt_duration(sequential),
        fmt_duration(m.wall),
        fmt_faster(sequential, m.wall),
    );
    println!(
        "memory of the {} processes: {} adding up their peak RSS (every shared page counted in \
         each process that maps it), {} adding up their PSS (each shared page split between the \
         processes that map it); of that, the workers' private pages: {}",
        workers + 1,
        fmt_kib(m.peak_rss_kib),
        fmt_kib(pss),
        fmt_kib(private),
    );
    if let Some(peak) = peak_in_flight {
        let requests = fmt_count(peak, "request", "requests");
        println!("the server had at most {requests} in flight at once");
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
