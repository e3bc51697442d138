//! Web server: thousands of concurrent connections on a few threads, with tokio and hyper.
//!
//! The guide's first use case for asyncio is a web server handling many requests. Here each
//! connection is a task, not a thread: a connection waiting on a slow request costs its task
//! and hyper's buffers (about 16 KiB resident, measured with 5,000 open) and no thread, so a
//! two-thread runtime keeps ten thousand of them open. The server counts open connections and
//! requests, answers `GET /delay/{ms}` after `ms` milliseconds (the stand-in for a slow
//! database that the client programs of the suite "concurrency by example" call), and shuts
//! down gracefully on Ctrl-C or SIGTERM: it stops accepting, lets every in-flight request
//! finish, reports, and exits 0 (a second Ctrl-C stops it at once: exit 130).
//!
//! Run:
//!   cargo run --release -p examples-async --bin web_server
//!   cargo run --release -p examples-async --bin web_server -- --port 0 --workers 1
//!   (in another terminal) curl http://127.0.0.1:3000/delay/500 ; curl http://127.0.0.1:3000/stats
//!   (and the load)        cargo run --release -p examples-async --bin async_requests -- --url http://127.0.0.1:3000 --requests 10000 --delay-ms 1000
//!
//! You will see: `listening on http://127.0.0.1:PORT` first, then a line each second while
//! the counts change (open connections, peak, requests); on Ctrl-C, how many requests were
//! still in flight and that all of them were answered before exit. A closed stdout does not
//! stop it: the status lines are dropped, the requests still answered.
//!
//! Python: an aiohttp `web.Application` with `async def handler(request): await
//! asyncio.sleep(...)`, run by `web.run_app`, which also shuts down on Ctrl-C.
//!
//! Try this: run with `--workers 1` and send it 10,000 requests at once (`async_requests`, in
//! the suite "concurrency by example", does): one thread is still enough, since the requests
//! are waiting, not computing; add a CPU loop to the handler and watch the latency of every
//! other connection grow (`cpu_in_async`, in the same suite, shows why).
//!
//! Copy it out: `cargo xtask copy-out web_server DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["client", "http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["http1", "server", "server-graceful", "tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use shared::{fmt_count, fmt_duration};
use tokio::net::TcpSocket;

mod stats;
use stats::{InFlight, Open, Stats};

#[derive(Parser, Debug)]
#[command(
    about = "An async HTTP server (tokio + hyper) with /delay/{ms}, live counts and graceful shutdown"
)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (the first line says which).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Runtime worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// How long shutdown waits for in-flight requests, in seconds.
    #[arg(long, default_value_t = 70, value_parser = clap::value_parser!(u64).range(1..=3600))]
    drain_secs: u64,
}

const MAX_DELAY_MS: u64 = 60_000;

/// A status line: a write to a closed stdout fails, ignored (`println!` would panic).
macro_rules! say {
    ($($line:tt)*) => { let _ = writeln!(std::io::stdout(), $($line)*); };
}

async fn handle(
    req: Request<Incoming>,
    stats: Arc<Stats>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    stats.requests.fetch_add(1, Ordering::Relaxed);
    let path = req.uri().path();
    let (status, body) = if path == "/" {
        (
            StatusCode::OK,
            "hello from web_server; try /delay/500 or /stats\n".to_string(),
        )
    } else if path == "/stats" {
        let [open, peak, requests, in_flight] = stats.snapshot();
        let json = format!(
            "{{\"open_connections\":{open},\"peak_open_connections\":{peak},\"requests\":{requests},\"in_flight\":{in_flight}}}\n"
        );
        (StatusCode::OK, json)
    } else if let Some(ms) = path.strip_prefix("/delay/") {
        match ms.parse::<u64>() {
            Ok(ms) if ms <= MAX_DELAY_MS => {
                let in_flight = InFlight::enter(&stats);
                in_flight.gate().await; // test witness: a no-op unless WITNESS_GATE is set
                // The task parks here; its thread serves other connections meanwhile.
                tokio::time::sleep(Duration::from_millis(ms)).await;
                drop(in_flight); // answered: off the count (a client that hangs up drops it too)
                (StatusCode::OK, format!("waited {ms} ms\n"))
            }
            _ => (
                StatusCode::BAD_REQUEST,
                format!("delay must be 0..={MAX_DELAY_MS} ms\n"),
            ),
        }
    } else {
        (StatusCode::NOT_FOUND, "not found\n".to_string())
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    Ok(response)
}

/// Each connection holds a file descriptor: raise the soft limit to the hard one.
fn raise_open_file_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(_) => soft,
        },
        Ok((soft, _)) => soft,
        Err(_) => 1024,
    }
}

fn main() -> ExitCode {
    // It drains in-flight requests on SIGINT and SIGTERM itself (see `serve`); no files.
    shared::cli::setup_keep_signals();
    let args = Args::parse();
    let files = raise_open_file_limit();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(w) = args.workers {
        builder.worker_threads(w.into());
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args, files))
}

async fn serve(args: Args, files: u64) -> ExitCode {
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    // TcpSocket rather than TcpListener::bind, for a listen backlog above tokio's 1,024: with
    // thousands of clients connecting at once, a short backlog drops SYNs and the clients
    // retry a second later: measured for the suite "concurrency by example", 1,000 requests of
    // 1 s took 2.04 s with tokio's backlog and 1.05 s with this one.
    let listener = TcpSocket::new_v4().and_then(|s| {
        s.set_reuseaddr(true)?;
        s.bind(addr)?;
        s.listen(65_535)
    });
    let listener = match listener {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    let Ok(local) = listener.local_addr() else {
        eprintln!("error: cannot read the listening address");
        return ExitCode::FAILURE;
    };
    say!("listening on http://{local}");
    say!(
        "open-file limit {files} (about that many connections); Ctrl-C or SIGTERM stops gracefully"
    );

    let stats = Arc::new(Stats::default());
    let graceful = GracefulShutdown::new();
    let start = Instant::now();
    let mut report = tokio::time::interval(Duration::from_secs(1));
    let mut last = stats.snapshot();
    // Registered now, so that no Ctrl-C is missed: the first drains, a second stops at once.
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot watch for signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors, usually: back off instead of spinning.
                        let _ = writeln!(std::io::stderr(), "accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let stats = Arc::clone(&stats);
                let open = stats.open.fetch_add(1, Ordering::Relaxed) + 1;
                stats.peak_open.fetch_max(open, Ordering::Relaxed);
                stats.connections.fetch_add(1, Ordering::Relaxed);
                let service = {
                    let stats = Arc::clone(&stats);
                    service_fn(move |req| handle(req, Arc::clone(&stats)))
                };
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                // The watcher tells the connection to finish its request and close on shutdown.
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _open = Open(stats); // off the count however it ends, a panic included
                    let _ = conn.await; // a client hanging up early is not the server's error
                });
            }
            _ = report.tick() => {
                let now = stats.snapshot();
                if now != last {
                    let [open, peak, requests, in_flight] = now;
                    say!("open connections {open} (peak {peak}), requests {requests}, in flight {in_flight}");
                    last = now;
                }
            }
            signal = signals.next() => {
                say!("{signal}: no new connections; finishing {} in flight", fmt_count(stats.in_flight.load(Ordering::Relaxed), "request", "requests"));
                break;
            }
        }
    }
    drop(listener);
    // Drain, unless a second signal says not to wait (as a second Ctrl-C does in most tools).
    let drain = tokio::time::timeout(Duration::from_secs(args.drain_secs), graceful.shutdown());
    let cut_short = tokio::select! {
        drained = drain => drained.err().map(|_| (format!("gave up after {} s", args.drain_secs), 1)),
        signal = signals.next() => {
            let code = if signal == "SIGTERM" { 143 } else { 130 };
            Some((format!("a second {signal}: stopped at once"), code))
        }
    };
    let [_, peak, requests, in_flight] = stats.snapshot();
    say!(
        "served {} on {} (peak {peak} open) in {}",
        fmt_count(requests, "request", "requests"),
        fmt_count(
            stats.connections.load(Ordering::Relaxed),
            "connection",
            "connections"
        ),
        fmt_duration(start.elapsed())
    );
    if let Some((why, code)) = cut_short {
        let _ = writeln!(
            std::io::stderr(),
            "error: {why}, {} unanswered",
            fmt_count(in_flight, "request", "requests")
        );
        return ExitCode::from(code);
    }
    say!("shut down cleanly: every request in flight was answered");
    ExitCode::SUCCESS
}

/// Ctrl-C (SIGINT) and SIGTERM, watched from the moment they are made.
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    /// The next signal's name (cancel-safe: a signal that came meanwhile is kept).
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}
