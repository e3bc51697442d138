//! Bounded concurrency: spawning everything at once against limiting how many run.
//!
//! Tasks are cheap, so it is tempting to spawn one per job and let them all run. But each job
//! in flight holds real resources: a connection, a buffer, a slot on the server. Here every
//! job fetches a page from a loopback server and holds a `--buffer-kib` buffer for it while
//! it waits. Unbounded, every job starts at once: fastest, and peak memory grows with the
//! number in flight. Three ways to keep at most `--limit` in flight: a `Semaphore` (every
//! task is spawned, but waits for a permit before it starts work), a `JoinSet` topped up as
//! tasks finish (a task exists only when there is room), and `buffer_unordered` on a stream
//! (the same idea with no spawning at all). Each variant runs in a fresh copy of this program,
//! so that each peak RSS is its own.
//!
//! Run:
//!   cargo run --release -p examples-async --bin bounded_concurrency
//!   cargo run --release -p examples-async --bin bounded_concurrency -- --jobs 5000 --limit 500
//!
//! You will see: a table with, per variant, the most jobs in flight at once, the time, and the
//! peak memory: unbounded has by far the most in flight (all of them, unless the first answers
//! come back before the last jobs have started; the server's own count is printed beside it)
//! and the highest peak; the bounded ones never exceed the limit, take at least jobs / limit x
//! delay, and peak far lower.
//!
//! Python: `asyncio.Semaphore(limit)` around the body of each coroutine, the usual way to
//! bound `asyncio.gather`.
//!
//! Try this: `--limit 1999` (one below `--jobs`; a limit of `--jobs` or more is refused, since
//! nothing would be bounded) and the bounded variants come close to the unbounded row in time
//! and peak, or pass it (`buffer_unordered` starts its futures without spawning tasks, so more
//! are in flight at once); halve `--limit` and the bounded variants take about twice as long,
//! holding half as many buffers at once.
//!
//! Copy it out: `cargo xtask copy-out bounded_concurrency DIR` writes it as a crate of its own
//! (with `src/support/`: cli, fixture, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! futures = { version = "0.3", default-features = false, features = ["async-await", "std"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use shared::fixture::Fixture;
use shared::{Table, fmt_duration, fmt_kib, measure};

mod variants;
use variants::{Variant, run};

#[derive(Parser, Debug)]
#[command(
    about = "Unbounded spawning vs Semaphore, JoinSet with a limit and buffer_unordered: time and peak memory"
)]
struct Args {
    /// Jobs to run; each fetches one page.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=8_000))]
    jobs: u32,
    /// At most this many in flight (the bounded variants).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=8_000))]
    limit: u32,
    /// How long the server takes to answer each, in ms.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    delay_ms: u64,
    /// The buffer each job holds while in flight, in KiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(0..=1_024))]
    buffer_kib: u32,
    /// Internal: run one variant against this server and print its JSON line.
    #[arg(long, hide = true, requires = "url")]
    one: Option<Variant>,
    #[arg(long, hide = true)]
    url: Option<String>,
}

/// What one variant's child process reports, as a JSON line.
#[derive(Serialize, Deserialize)]
struct VariantRun {
    variant: Variant,
    ok: u32,
    max_in_flight: usize,
    wall_s: f64,
    peak_rss_kib: u64,
}

fn one(variant: Variant, args: &Args, url: &str) -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let url: Arc<str> = format!("{url}/delay/{}", args.delay_ms).into();
    let ((ok, max_in_flight), m) = measure(|| runtime.block_on(run(variant, args, url)));
    let result = VariantRun {
        variant,
        ok,
        max_in_flight,
        wall_s: m.wall.as_secs_f64(),
        peak_rss_kib: m.peak_rss_kib,
    };
    println!("{}", serde_json::to_string(&result).unwrap_or_default());
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    shared::cli::setup(); // before the `--one` branch: the children get it too
    let args = Args::parse();
    if let (Some(variant), Some(url)) = (args.one, &args.url) {
        return one(variant, &args, url);
    }
    if args.limit >= args.jobs {
        let (limit, jobs) = (args.limit, args.jobs);
        return shared::cli::usage_error(format!(
            "--limit {limit} is not below --jobs {jobs}: nothing would be bounded"
        ));
    }
    // The unbounded run holds every job at once: its buffer, and a connection of about 21 KiB
    // in the child with the server's end of it in this process; 32 KiB covers both.
    // Checked first: the time estimate's note must not come before a refusal.
    let memory = u128::from(args.jobs) * (u128::from(args.buffer_kib) + 32) * 1024;
    let lower = "--jobs or --buffer-kib";
    if let Err(code) = shared::cli::cap_bytes("memory", memory, shared::cli::MEMORY_CAP, lower) {
        return code;
    }
    // The run's time: one delay unbounded, jobs / limit delays in a row for each bounded
    // variant, each round costing up to 4 ms more than its delay (tokio's timers round up to
    // the next millisecond; the request, and the task woken after it), and about 0.2 ms a job
    // in each of the four variants (its task, connection and buffer). 90 s of it at most.
    let estimate = |jobs: u32, limit: u32, delay_ms: u64| {
        let round = u128::from(delay_ms) + 4;
        (3 * u128::from(jobs.div_ceil(limit)) + 1) * round + 4 * u128::from(jobs) / 5
    };
    let defaults = Args::parse_from(["bounded_concurrency"]);
    let work = estimate(args.jobs, args.limit, args.delay_ms);
    let default = estimate(defaults.jobs, defaults.limit, defaults.delay_ms);
    // Fewer --jobs or a higher --limit always fits (two rounds); a shorter --delay-ms only
    // where these jobs fit with no delay at all (a limit of 1 makes thousands of rounds).
    let (cap, mut lower) = (90_000, "--jobs, or raise --limit");
    if estimate(args.jobs, args.limit, 0) <= cap {
        lower = "--delay-ms or --jobs, or raise --limit";
    }
    let what = "ms of waiting and running jobs (estimated)";
    if let Err(code) = shared::cli::cap_work(what, work, default, cap, lower) {
        return code;
    }
    // One server for all variants, in this process: each child's memory is its client's only.
    let fixture = match Fixture::start() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the loopback server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(me) = std::env::current_exe() else {
        eprintln!("error: cannot find this program's own executable");
        return ExitCode::FAILURE;
    };
    println!(
        "{} jobs of {} ms, each holding {} KiB while in flight; bounded variants: at most {}",
        args.jobs, args.delay_ms, args.buffer_kib, args.limit
    );
    let mut table = Table::new(["variant", "ok", "most in flight", "time", "peak RSS"]);
    let (mut results, mut server_saw) = (Vec::new(), 0);
    for variant in [
        Variant::Unbounded,
        Variant::Semaphore,
        Variant::JoinSet,
        Variant::BufferUnordered,
    ] {
        let name = variant
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        // The child gets this run's flags, the variant, and the server to call.
        let output = Command::new(&me)
            .args(std::env::args_os().skip(1))
            .args(["--one", &name, "--url", &fixture.url()])
            .stderr(std::process::Stdio::inherit()) // its errors, if any, reach the user
            .output();
        let parsed = output
            .ok()
            .and_then(|o| serde_json::from_slice::<VariantRun>(&o.stdout).ok());
        let Some(r) = parsed else {
            eprintln!("error: the {name} run failed");
            return ExitCode::FAILURE;
        };
        if r.ok < args.jobs {
            // No comparison for work that was not done.
            eprintln!(
                "error: {name}: {} of {} jobs failed",
                args.jobs - r.ok,
                args.jobs
            );
            return ExitCode::FAILURE;
        }
        if work > 20_000 {
            let took = Duration::from_secs_f64(r.wall_s);
            eprintln!("  {name}: done in {}", fmt_duration(took)); // progress of a long run
        }
        if variant == Variant::Unbounded {
            server_saw = fixture.peak_in_flight(); // it runs first: the peak so far is its own
        }
        table.row([
            name,
            r.ok.to_string(),
            r.max_in_flight.to_string(),
            fmt_duration(Duration::from_secs_f64(r.wall_s)),
            fmt_kib(r.peak_rss_kib),
        ]);
        results.push(r);
    }
    print!("{table}");
    let unbounded = &results[0];
    let bounded = &results[1..];
    let bounded_peak = bounded.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    let bounded_wall = bounded
        .iter()
        .map(|r| r.wall_s)
        .fold(f64::INFINITY, f64::min);
    println!(
        "unbounded: {} of {} in flight at once (the server saw up to {}), peak {} in {}; bounded to {}: peak at most {}, in {} or more",
        unbounded.max_in_flight,
        args.jobs,
        server_saw,
        fmt_kib(unbounded.peak_rss_kib),
        fmt_duration(Duration::from_secs_f64(unbounded.wall_s)),
        args.limit,
        fmt_kib(bounded_peak),
        fmt_duration(Duration::from_secs_f64(bounded_wall)),
    );
    ExitCode::SUCCESS
}
