//! Start simple: write it sequentially, time the stages, and add concurrency only where the
//! time goes.
//!
//! The guide's first best practice: "begin with sequential code, profile to identify
//! bottlenecks, add concurrency only where needed". A small pipeline fetches pages from a slow
//! loopback server and then does real CPU work on each (counting primes, standing in for
//! parsing and analysis). Version 1 is sequential and times its two stages. Version 2 makes
//! the stage that dominated concurrent: when it is fetching, one thread per page (the waits
//! overlap); when it is computing, rayon across the cores. Version 3 does the opposite, making
//! the *other* stage concurrent, and gains next to nothing: Amdahl's law, in two lines of a
//! table. The program reads its own profile to decide which stage is which.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin start_simple
//!   cargo run --release -p examples-threads --bin start_simple -- --delay-ms 5 --work 3000000
//!
//! You will see: the profile of version 1 and the stage that dominated it (with the defaults,
//! fetching: ten waits of 200 ms against some milliseconds of primes per page, 6 to 13 here,
//! in a release build); version 2, with that stage concurrent, faster by up to the number of pages
//! (for fetching) or of cores (for computing); version 3, with the other stage concurrent,
//! barely faster than version 1; and a closing line, decided from this run's figures, saying
//! which change was worth making (or, on a busy machine, that this run did not show it).
//!
//! Python: `time.perf_counter()` around each stage, then `ThreadPoolExecutor` for the fetches,
//! before reaching for anything else.
//!
//! Try this: `--delay-ms 5 --work 3000000` (now computing dominates, and the program
//! parallelises that instead); `--pages 40` (concurrent fetching gains more: forty waits
//! overlap instead of ten, while parallel computing still gains next to nothing).
//!
//! Copy it out: `cargo xtask copy-out start_simple DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rayon = "1.12"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "net", "rt", "sync", "time"] }
//! ureq = { version = "3.5", default-features = false }
//! ```

use std::panic::catch_unwind;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use rayon::prelude::*;
use shared::cli::{Work, lower_which};
use shared::fixture::Fixture;
use shared::{Table, fmt_duration, fmt_ratio};

#[derive(Parser, Debug)]
#[command(about = "Time a sequential pipeline's stages, then make the dominant one concurrent")]
struct Args {
    /// Pages to fetch and process (2 or more: one page has nothing to overlap with and nothing
    /// to split).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=500))]
    pages: u32,
    /// How long the server takes to answer each page, in milliseconds.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    delay_ms: u64,
    /// CPU work per page: count the primes below this.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    work: u64,
}

/// Trial division by odd numbers up to the square root: slow enough to stand for real work.
fn is_prime(n: u64) -> bool {
    let mut odd = (3..).step_by(2).take_while(|d| d * d <= n);
    n >= 2 && (n < 4 || !n.is_multiple_of(2) && !odd.any(|d| n.is_multiple_of(d)))
}

/// The CPU stage for one page: its length plus the primes below `work`, a checkable figure.
fn analyse(page: &str, work: u64) -> u64 {
    page.len() as u64 + (0..work).filter(|&n| is_prime(n)).count() as u64
}

fn fetch(agent: &ureq::Agent, url: &str) -> Result<String, String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())
}

/// One version of the pipeline: how long each stage took and the answer.
struct Timed {
    fetch: Duration,
    compute: Duration,
    answer: u64,
}

fn fetch_sequential(agent: &ureq::Agent, urls: &[String]) -> Result<Vec<String>, String> {
    urls.iter().map(|u| fetch(agent, u)).collect()
}

fn fetch_concurrent(agent: &ureq::Agent, urls: &[String]) -> Result<Vec<String>, String> {
    let n = urls.len(); // test witness
    // One scoped thread per page: each blocks on its own request, the waits overlap.
    thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| {
                s.spawn(move || {
                    shared::witness::arrive(&format!("fetch-{n}"), n); // test witness: every fetch thread inside at once
                    fetch(agent, u)
                })
            })
            .collect();
        // Join every thread before looking at any result: stopping at the first error would
        // leave the rest to the scope, which panics if one of them panicked.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        let each =
            |r: std::thread::Result<_>| r.unwrap_or_else(|_| Err("a fetch thread panicked".into()));
        joined.into_iter().map(each).collect()
    })
}

fn compute_sequential(pages: &[String], work: u64) -> u64 {
    // exercise start_simple {
    pages.iter().map(|p| analyse(p, work)).sum()
    // exercise start_simple }
}

fn compute_parallel(pages: &[String], work: u64) -> u64 {
    // test witness {: every busy thread inside at once, then the page's own work
    let busy = rayon::current_num_threads().min(pages.len());
    let analyse = |page: &str, work| {
        shared::witness::arrive(&format!("rayon-{busy}"), busy);
        analyse(page, work)
    };
    // test witness }
    // exercise start_simple_parallel {
    pages.par_iter().map(|p| analyse(p, work)).sum()
    // exercise start_simple_parallel }
}

type Fetcher = fn(&ureq::Agent, &[String]) -> Result<Vec<String>, String>;
type Computer = fn(&[String], u64) -> u64;
/// A version of the pipeline: its name and how it does each stage.
type Version = (&'static str, Fetcher, Computer);

fn pipeline(
    agent: &ureq::Agent,
    urls: &[String],
    work: u64,
    f: Fetcher,
    c: Computer,
) -> Result<Timed, String> {
    let start = Instant::now();
    let pages = f(agent, urls)?;
    let fetched = Instant::now();
    let answer = catch_unwind(|| c(&pages, work)).map_err(|_| "a computing thread panicked")?;
    Ok(Timed {
        fetch: fetched - start,
        compute: fetched.elapsed(),
        answer,
    })
}

/// Refuses a run past a minute of waits or half a minute of dividing; Ok(true): a long run.
fn check(a: &Args) -> Result<bool, ExitCode> {
    // Below n: about n^1.5 / (3 ln n) divisions (sqrt(p) / 2 per prime p), 1 per composite.
    let divisions = |n: u64| (n as f64).powf(1.5) / (3.0 * (n.max(3) as f64).ln()) + n as f64;
    let divided = |pages: u32, n: u64| 3 * u128::from(pages) * divisions(n) as u128; // 3 times
    let work = |a: &Args| {
        let (pages, delay) = (u128::from(a.pages), u128::from(a.delay_ms));
        ((2 * pages + 1) * delay, divided(a.pages, a.work))
    };
    let (t, d) = (work(a), work(&Args::parse_from(["start_simple"]))); // d: the defaults
    // Named: each flag that, lowered alone to its least (2), brings the dividing under the cap.
    let (cap, what) = (15_000_000_000, "trial divisions (estimated)"); // at 500 M/s, 30 s
    let (work_least, pages_least) = (divided(a.pages, 2), divided(2, a.work));
    let lower = lower_which(cap, &[("--work", work_least), ("--pages", pages_least)]);
    let waiting = Work::new("ms of waiting", t.0, d.0, 60_000, "--pages or --delay-ms");
    shared::cli::cap_all(&[waiting, Work::new(what, t.1, d.1, cap, &lower)])
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let long = match check(&args) {
        Ok(long) => long,
        Err(refused) => return refused,
    };
    let Ok(fixture) =
        Fixture::start().inspect_err(|e| eprintln!("error: cannot start the loopback server: {e}"))
    else {
        return ExitCode::FAILURE;
    };
    let url = fixture.delay_url(Duration::from_millis(args.delay_ms));
    let urls = vec![url; args.pages as usize];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_idle_connections_per_host(args.pages as usize)
        .build()
        .into();
    println!(
        "{} pages, each fetched from a server that answers in {} ms, then analysed by counting the primes below {}",
        args.pages, args.delay_ms, args.work
    );
    let done = |v: &str, t: &Timed| {
        let (f, c) = (fmt_duration(t.fetch), fmt_duration(t.compute));
        long.then(|| eprintln!("  version {v} done: fetching {f}, computing {c}"));
    };
    let result = (|| {
        // Version 1: sequential, with a stopwatch on each stage. This is the profile.
        let (f, c): (Fetcher, Computer) = (fetch_sequential, compute_sequential);
        let v1 = pipeline(&agent, &urls, args.work, f, c)?;
        done("1", &v1);
        // Version 2: concurrency where the time went. Version 3: where it did not.
        let fetching: Version = (
            "concurrent fetching (threads)",
            fetch_concurrent,
            compute_sequential,
        );
        let computing: Version = (
            "parallel computing (rayon)",
            fetch_sequential,
            compute_parallel,
        );
        let (dominant, other, dominates) = if v1.fetch >= v1.compute {
            (fetching, computing, "fetching")
        } else {
            (computing, fetching, "computing")
        };
        let v2 = pipeline(&agent, &urls, args.work, dominant.1, dominant.2)?;
        done("2", &v2);
        let v3 = pipeline(&agent, &urls, args.work, other.1, other.2)?;
        done("3", &v3);
        Ok::<_, String>((v1, dominates, [(dominant.0, v2), (other.0, v3)]))
    })();
    let Ok((v1, dominates, versions)) = result.inspect_err(|e| eprintln!("error: {e}")) else {
        return ExitCode::FAILURE;
    };
    let total = |t: &Timed| t.fetch + t.compute;
    let share = v1.fetch.as_secs_f64() / total(&v1).as_secs_f64().max(1e-9);
    println!(
        "profile of version 1: fetching {} ({:.0}%), computing {} ({:.0}%): {dominates} dominates",
        fmt_duration(v1.fetch),
        share * 100.0,
        fmt_duration(v1.compute),
        (1.0 - share) * 100.0,
    );
    let mut table = Table::new([
        "version",
        "fetch",
        "compute",
        "total",
        "vs version 1",
        "answer",
    ]);
    let rows: [(String, &Timed); 3] = [
        ("1: sequential".into(), &v1),
        (format!("2: {}", versions[0].0), &versions[0].1),
        (format!("3: {}", versions[1].0), &versions[1].1),
    ];
    for (name, t) in rows {
        table.row([
            name,
            fmt_duration(t.fetch),
            fmt_duration(t.compute),
            fmt_duration(total(t)),
            fmt_ratio(total(&v1), total(t)),
            t.answer.to_string(),
        ]);
    }
    print!("{table}");
    let same = versions.iter().all(|(_, t)| t.answer == v1.answer);
    // This run's figures: the dominant stage's speedup is 1.2x or more, and 1.1 times the other's.
    let (dominant, other) = (total(&versions[0].1), total(&versions[1].1));
    let shown = dominant.mul_f64(1.2) <= total(&v1) && dominant.mul_f64(1.1) <= other;
    println!(
        "concurrency on the dominant stage: {}; on the other stage: {}; {}",
        fmt_ratio(total(&v1), dominant),
        fmt_ratio(total(&v1), other),
        match (same, shown) {
            (false, _) => "BUT THE ANSWERS DIFFER",
            (true, true) => {
                "same answer each way: profile first, then change the part that takes the time"
            }
            (true, false) => {
                "same answer each way, but this run did not show concurrency on the dominant \
                 stage gaining a fifth or more, and clearly more than on the other (a busy \
                 machine, or stages too short to time?); run again with nothing else running"
            }
        }
    );
    if !same {
        eprintln!("error: the three versions did not compute the same answer");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
