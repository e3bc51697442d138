//! Timeouts and cancellation: stopping async work that takes too long, and stopping cleanly.
//!
//! In async Rust a future does nothing unless polled, so cancelling one is simply dropping it:
//! it stops at the `.await` where it was waiting, and its destructors run. That one idea is
//! behind all five parts here. The first two make real requests to a loopback HTTP server:
//! `timeout` gives up on a slow request; `select!` takes whichever of two requests answers
//! first and drops the other. The last three wait on timers, which stand in for any work:
//! `abort` cancels a spawned task (its cleanup runs); a `CancellationToken` tells a group of
//! workers to stop, each at the `.await` where it waits; and graceful shutdown on Ctrl-C (or
//! SIGTERM) stops taking new jobs, finishes the ones in flight, and loses none.
//!
//! Run:
//!   cargo run -p examples-async --bin timeouts
//!   cargo run -p examples-async --bin timeouts -- --part shutdown --shutdown-after-ms 60000
//!     (then press Ctrl-C)
//!
//! You will see: a 1 s request abandoned after 200 ms; select! returning the fast mirror after
//! about 100 ms; an aborted task whose cleanup still ran; four workers each stopping as soon
//! as the token is cancelled, in the middle of its sleep (how soon is printed); and a shutdown
//! report in which accepted = finished, lost 0. A part that does not show what it should (a
//! request that fails, a task that is not cancelled) is an error, and so are jobs abandoned
//! after `--drain-ms`: they are counted, and then the exit status is 1.
//!
//! Python: `asyncio.wait_for(coro, timeout)`, `asyncio.wait(..., return_when=FIRST_COMPLETED)`,
//! `task.cancel()` with `try/finally`, an `asyncio.Event` as the stop flag, and
//! `loop.add_signal_handler(SIGINT, ...)` for shutdown.
//!
//! Try this: give the shutdown's jobs longer than `--drain-ms` (`--job-ms 2000 --drain-ms
//! 500`) and see the jobs it had to abandon counted; swap the two delays in `MIRRORS` and the
//! other branch of the `select!` wins.
//!
//! Copy it out: `cargo xtask copy-out timeouts DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! tokio-util = { version = "0.7", features = ["rt"] }
//! ```

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::fixture::Fixture;
use shared::{fmt_count, fmt_duration};
use tokio_util::sync::CancellationToken;

mod shutdown;

#[derive(Parser, Debug)]
#[command(about = "timeout, select!, abort, CancellationToken and graceful shutdown on Ctrl-C")]
struct Args {
    /// Which part to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Shutdown part: if no Ctrl-C comes within this many ms, shut down as if it had.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    shutdown_after_ms: u64,
    /// Shutdown part: how long each job takes, in ms.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    job_ms: u64,
    /// Shutdown part: how long to wait for jobs in flight before abandoning them, in ms.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    drain_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    Timeout,
    Select,
    Abort,
    Token,
    Shutdown,
    All,
}

async fn get(client: &reqwest::Client, url: String) -> Result<String, reqwest::Error> {
    client.get(url).send().await?.text().await
}

fn main() -> ExitCode {
    // The shutdown part handles SIGINT and SIGTERM itself. The other parts leave nothing
    // behind (no files, no children), so a signal's default action is a clean end for them.
    shared::cli::setup_keep_signals();
    let args = Args::parse();
    // The shutdown part waits for Ctrl-C up to --shutdown-after-ms, then for its jobs in
    // flight: two minutes of waiting at most.
    let waited = |after: u64, job: u64, drain: u64| u128::from(after + job.min(drain));
    const WAITING: &str = "ms of waiting in the shutdown part at most (Ctrl-C ends it sooner)";
    let (a, d) = (&args, Args::parse_from(["timeouts"]));
    let work = waited(a.shutdown_after_ms, a.job_ms, a.drain_ms);
    let default = waited(d.shutdown_after_ms, d.job_ms, d.drain_ms);
    let cap = 120_000; // a refusal names the flags that, lowered alone to 1 ms, fit under it
    let least = [
        ("--shutdown-after-ms", waited(1, a.job_ms, a.drain_ms)),
        ("--job-ms", waited(a.shutdown_after_ms, 1, a.drain_ms)),
        ("--drain-ms", waited(a.shutdown_after_ms, a.job_ms, 1)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    if matches!(args.part, Part::Shutdown | Part::All)
        && let Err(code) = shared::cli::cap_work(WAITING, work, default, cap, &lower)
    {
        return code;
    }
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let fixture = match Fixture::start() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the loopback server: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let run = |p: Part| args.part == p || args.part == Part::All;
        // Each part says whether it showed what it teaches; the first that did not ends the run.
        let shown = async {
            if run(Part::Timeout) {
                timeout(&client, &fixture).await?;
            }
            if run(Part::Select) {
                select(&client, &fixture).await?;
            }
            if run(Part::Abort) {
                abort().await?;
            }
            if run(Part::Token) {
                token().await?;
            }
            Ok::<_, String>(())
        };
        if let Err(e) = shown.await {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        if run(Part::Shutdown) {
            return shutdown::run(&args).await;
        }
        ExitCode::SUCCESS
    })
}

/// 1. `timeout`: the request is a future; after 200 ms it is dropped, mid-wait.
async fn timeout(client: &reqwest::Client, fixture: &Fixture) -> Result<(), String> {
    println!("== 1. timeout: a 1 s request, given 200 ms");
    let start = Instant::now();
    let url = fixture.delay_url(Duration::from_secs(1));
    match within(Duration::from_millis(200), get(client, url)).await {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => println!(
            "timed out after {}: the request was dropped, not awaited",
            fmt_duration(start.elapsed())
        ),
        Ok(body) => {
            return Err(format!(
                "timeout: a 1 s request answered in 200 ms: {body:?}"
            ));
        }
        Err(e) => return Err(format!("timeout: the request failed before its time: {e}")),
    }
    Ok(())
}

/// `work`, given `limit`: unfinished by then, it is dropped (cancelled where it waits) and the
/// answer is an error of kind `TimedOut`; an error of its own comes back as an error too.
async fn within<T, E>(limit: Duration, work: impl Future<Output = Result<T, E>>) -> io::Result<T>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // exercise timeout {
    match tokio::time::timeout(limit, work).await {
        Ok(answer) => answer.map_err(io::Error::other),
        Err(_elapsed) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no answer within {limit:?}"),
        )),
    }
    // exercise timeout }
}

/// How long each of the two mirrors takes to answer, in ms: the first is the first branch.
const MIRRORS: [u64; 2] = [100, 800];

/// 2. `select!`: two mirrors, first answer wins, the loser is dropped.
async fn select(client: &reqwest::Client, fixture: &Fixture) -> Result<(), String> {
    let [a, b] = MIRRORS;
    println!("== 2. select!: the same page from two mirrors, of {a} ms and {b} ms");
    let start = Instant::now();
    let first = get(client, fixture.delay_url(Duration::from_millis(a)));
    let second = get(client, fixture.delay_url(Duration::from_millis(b)));
    let (winner, answer) = tokio::select! {
        r = first => (a, r),
        r = second => (b, r),
    };
    let body = answer.map_err(|e| format!("select!: the {winner} ms mirror failed: {e}"))?;
    println!(
        "select! returned the {winner} ms mirror ({:?}) after {}; the other request was dropped",
        body.trim(),
        fmt_duration(start.elapsed())
    );
    Ok(())
}

// exercise cancel_cleanup {
/// Runs its cleanup when dropped, which is exactly what cancellation does to a task's locals.
struct Cleanup(&'static str, Arc<AtomicU64>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
        println!("cleanup ran for {} (Drop)", self.0);
    }
}
// exercise cancel_cleanup }

/// Waits 10 s, then counts its end in `reached_end`; however it ends, finished or cancelled at
/// its `.await`, its guard's `Drop` counts one cleanup in `cleaned`.
async fn upload(cleaned: Arc<AtomicU64>, reached_end: Arc<AtomicU64>) {
    // exercise cancel_cleanup_upload {
    let _guard = Cleanup("the upload task", cleaned);
    tokio::time::sleep(Duration::from_secs(10)).await; // cancelled here
    reached_end.fetch_add(1, Ordering::SeqCst);
    // exercise cancel_cleanup_upload }
}

/// 3. `abort`: a spawned task is cancelled at its next `.await`; its destructors run.
async fn abort() -> Result<(), String> {
    println!("== 3. abort: cancelling a spawned task that holds a resource");
    let cleaned = Arc::new(AtomicU64::new(0));
    let reached_end = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn(upload(Arc::clone(&cleaned), Arc::clone(&reached_end)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    task.abort();
    let cancelled = matches!(task.await, Err(e) if e.is_cancelled());
    let (cleaned, ended) = (
        cleaned.load(Ordering::SeqCst),
        reached_end.load(Ordering::SeqCst),
    );
    let result = if cancelled {
        "cancelled"
    } else {
        "not cancelled"
    };
    let [c, e] = [cleaned, ended].map(|n| fmt_count(n, "time", "times"));
    println!("task result: {result}; cleanup ran {c}; the code after the await ran {e}");
    if !cancelled || cleaned != 1 || ended != 0 {
        return Err("abort: the task was not cancelled at its await, cleanup once".into());
    }
    Ok(())
}

/// 4. `CancellationToken`: one signal, many workers, each stopping where it waits.
async fn token() -> Result<(), String> {
    println!("== 4. CancellationToken: four workers, cancelled after 300 ms");
    let token = CancellationToken::new();
    let workers: Vec<_> = (0..4u64)
        .map(|id| {
            let token = token.child_token();
            tokio::spawn(async move {
                let mut rounds = 0u64;
                loop {
                    tokio::select! {
                        _ = token.cancelled() => break (id, rounds, Instant::now()),
                        _ = tokio::time::sleep(Duration::from_millis(20 + 10 * id)) => rounds += 1,
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancelled_at = Instant::now();
    token.cancel();
    for w in workers {
        // A worker that panicked never stopped at the token: say so, never skip it.
        let (id, rounds, stopped) = w
            .await
            .map_err(|e| format!("token: a worker failed: {e}"))?;
        println!(
            "worker {id}: {rounds} rounds, stopped {} after the cancel",
            fmt_duration(stopped.saturating_duration_since(cancelled_at))
        );
    }
    Ok(())
}
