//! No GIL: why Python threads speed up waiting but not computing, and Rust threads do both.
//!
//! CPython's Global Interpreter Lock lets one thread run Python code at a time. A thread
//! releases it while it waits for I/O, and a thread that computes is asked to hand it over once
//! another thread has waited 5 ms for it (`sys.getswitchinterval()`). This program runs the
//! same two workloads on 1..N threads, plainly and under a simulated GIL built the same way
//! (`work.rs`): one global lock, held while computing and handed to a waiting thread every
//! 5 ms, released around each blocking request. CPU work: counting primes below `--cpu-limit`.
//! I/O work: `--io-requests` HTTP requests to a loopback server that answers after
//! `--delay-ms`. Each workload runs once untimed first, so that the one-thread row, the
//! baseline of every speedup, does not pay alone for the first connection and thread starts.
//! (CPython 3.13 also comes as a free-threaded build, `python3.13t`, with no GIL: its threads
//! behave like the "no GIL" columns.)
//!
//! Run:
//!   cargo run --release -p examples-threads --bin no_gil
//!   cargo run --release -p examples-threads --bin no_gil -- --gil
//!   cargo run --release -p examples-threads --bin no_gil -- --threads 1,2,4,8 --cpu-limit 5000000
//!
//! You will see: a table of wall times and speedups over the first row (one thread, with the
//! defaults). Under the GIL, the CPU column stays at about 1.0x or below however many threads
//! (they take turns, and each hand-over costs: well below on a busy machine, where the thread
//! handed the lock may wait for a core); the I/O columns grow with the threads, GIL or not
//! (the waits overlap), up to the requests over the waves they take (8 requests on 4 threads:
//! two waves, 4x). Without the GIL, CPU grows too, up to the number of cores. Then the most
//! threads that were in the middle of a chunk of CPU work at the same moment: 1 under the GIL,
//! by construction, and usually all of them without it (with more threads than cores, the OS
//! runs them by turns, only as many as there are cores at any instant); and a verdict on each
//! CPU column, decided from this run's times: under the GIL, no faster than one thread;
//! without it, the speedup, and whether a busy machine hid it. A one-thread row slowed by a
//! busy machine makes a speedup look larger than taking turns, the cores or the waves allow,
//! and the program then says so (for the I/O columns too).
//!
//! Python: with the usual (GIL) build, `ThreadPoolExecutor(max_workers=n).map(count_primes,
//! chunks)` takes about as long as one thread, and `.map(requests.get, urls)` is up to n times
//! faster: the guide's "limited by GIL for CPU-bound tasks" and "released during I/O
//! operations".
//!
//! Try this: in `compute`, never call `bump()` (a GIL that a computing thread never hands
//! over): the times stay about the same, but one thread does all the work while the others
//! wait (print `found` before `compute` returns to see it); in `fetch`, move `drop(guard);`
//! to the line just after the `call()`, so that the GIL is held across the request, and the
//! I/O speedup disappears too.
//!
//! Copy it out: `cargo xtask copy-out no_gil DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, measure, record, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = "0.13"
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "net", "rt", "sync", "time"] }
//! ureq = { version = "3.5", default-features = false }
//! ```

mod report;
mod work;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use shared::fixture::Fixture;
use shared::{fmt_count, fmt_duration};
use work::{CHUNK, Computing, Gil, compute, fetch, run};

#[derive(Parser, Debug, Clone)]
#[command(about = "CPU and I/O work on 1..N threads, with and without a simulated GIL")]
struct Args {
    /// Which runs to make: with the simulated GIL, without it, or both side by side.
    /// `--gil` alone means `on`.
    #[arg(long, value_enum, default_value_t = GilMode::Both, num_args = 0..=1, default_missing_value = "on")]
    gil: GilMode,
    /// Thread counts to try, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4", value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: Vec<u32>,
    /// CPU work: count the primes below this number, split across the threads.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    cpu_limit: u64,
    /// I/O work: this many HTTP requests, split across the threads.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    io_requests: u32,
    /// How long the server takes to answer each request, in milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    delay_ms: u64,
    /// Print one JSON object per run instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GilMode {
    On,
    Off,
    Both,
}

/// Refuses, before any work, a run past the caps in `cli` or where the lesson cannot show.
fn check(args: &Args) -> Result<(), ExitCode> {
    use shared::cli::{self, Work};
    let most = args.threads.iter().copied().max().unwrap_or(0);
    cli::cap_count("threads", u128::from(most), cli::THREADS_CAP, "--threads")?;
    let refuse = |why: String| Err(cli::usage_error(why));
    if most < 2 {
        return refuse(
            "one thread has nobody to take turns with: give --threads a count of 2 or more".into(),
        );
    }
    if args.io_requests < 2 {
        return refuse(
            "one request has no other to overlap with: use --io-requests 2 or more".into(),
        );
    }
    if args.cpu_limit < CHUNK * u64::from(most) {
        return refuse(format!(
            "the CPU work is handed out in chunks of {CHUNK} numbers, so {most} threads need a \
             --cpu-limit of at least {} to all compute",
            CHUNK * u64::from(most)
        ));
    }
    // The caps on run time, one per workload (each about a minute at most in release): CPU,
    // every number below --cpu-limit once per row; I/O, ceil(requests / threads) waits a row.
    let (this, d) = (work(args), work(&Args::parse_from(["no_gil"]))); // d: the defaults
    // A refusal names each change that, made alone at its least, brings the run under its cap.
    let changed = |change: &dyn Fn(&mut Args)| {
        let mut a = args.clone();
        change(&mut a);
        work(&a)
    };
    let least_limit = (CHUNK * u64::from(most)).max(1_000); // all `most` threads compute
    let wide = (args.cpu_limit / CHUNK).min(64) as u32; // the largest count --cpu-limit allows
    let gil = "the columns with --gil on or off";
    let lower = cli::lower_which(
        150_000_000,
        &[
            ("--cpu-limit", changed(&|a| a.cpu_limit = least_limit).0),
            (
                &format!("the rows with --threads {most}"),
                changed(&|a| a.threads = vec![most]).0,
            ),
            (gil, changed(&|a| a.gil = GilMode::On).0),
        ],
    );
    let cpu = Work::new("numbers tested", this.0, d.0, 150_000_000, &lower);
    let lower = cli::lower_which(
        60_000,
        &[
            ("--io-requests", changed(&|a| a.io_requests = 2).1),
            ("--delay-ms", changed(&|a| a.delay_ms = 1).1),
            (
                &format!("the waves with --threads {wide}"),
                changed(&|a| a.threads = vec![wide]).1,
            ),
            (gil, changed(&|a| a.gil = GilMode::On).1),
        ],
    );
    let io = Work::new("ms of waiting", this.1, d.1, 60_000, &lower);
    cli::cap_all(&[cpu, io]).map(|_long| ())
}

/// A run's work: numbers tested (CPU) and milliseconds of waiting one after another (I/O),
/// summed over its rows.
fn work(a: &Args) -> (u128, u128) {
    let gils = if a.gil == GilMode::Both { 2 } else { 1 };
    let rows = a.threads.len() as u128 * gils;
    let waves: u128 = a
        .threads
        .iter()
        .map(|&t| u128::from(a.io_requests.div_ceil(t)))
        .sum();
    (
        rows * u128::from(a.cpu_limit),
        waves * gils * u128::from(a.delay_ms),
    )
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Err(refused) = check(&args) {
        return refused;
    }
    let (now, default) = (work(&args), work(&Args::parse_from(["no_gil"])));
    let long = now.0 > 10 * default.0 || now.1 > 10 * default.1;
    let fixture = match Fixture::start() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the loopback server: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.json {
        println!(
            "cpu: primes below {}; io: {} requests of {} ms; speedup over the first row",
            args.cpu_limit, args.io_requests, args.delay_ms
        );
    }
    let url = fixture.delay_url(Duration::from_millis(args.delay_ms));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(
            Duration::from_millis(args.delay_ms) + Duration::from_secs(10),
        ))
        .build()
        .into();
    let gils: &[bool] = match args.gil {
        GilMode::On => &[true],
        GilMode::Off => &[false],
        GilMode::Both => &[true, false],
    };

    // Per (work, gil), per thread count: the wall time and the most threads mid-chunk at once.
    let mut columns: Vec<report::Column> = Vec::new();
    let requests = u64::from(args.io_requests);
    // One run of `work` (`size`: numbers for "cpu", requests for "io") on `threads` threads.
    let one_run = |work: &str, gil: &Gil, threads: u32, size: u64, computing: &Computing| {
        match work {
            "cpu" => run(threads, |next| {
                compute(
                    gil, next, size, computing,
                    // test witness {
                    threads,
                    // test witness }
                )
            }),
            _ => run(threads, |next| {
                fetch(
                    gil, next, size, &agent, &url,
                    // test witness {
                    threads,
                    // test witness }
                )
            }),
        }
    };
    let mut primes = None;
    for work in ["cpu", "io"] {
        // Numbers or requests per run; first an untimed one: no row pays for the first start.
        let (size, warm) = if work == "cpu" {
            (args.cpu_limit, CHUNK)
        } else {
            (requests, 1)
        };
        let warm_up = one_run(work, &None, 1, warm, &Computing::default());
        if let Err(e) = warm_up {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        for &with_gil in gils {
            let gil: Gil = with_gil.then(|| Mutex::new(()));
            let (mut times, mut most) = (Vec::new(), Vec::new());
            for &threads in &args.threads {
                let computing = Computing::default();
                let ran = one_run(work, &gil, threads, size, &computing);
                let (wall, done) = match ran {
                    Ok(ran) => ran,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                if work == "io" && done != requests {
                    eprintln!("error: {} of {requests} requests failed", requests - done);
                    return ExitCode::FAILURE;
                }
                // Every CPU run must find the same primes, GIL or not, however many threads.
                if work == "cpu" {
                    let first = *primes.get_or_insert(done);
                    if first != done {
                        eprintln!("error: one run counted {first} primes, another {done}");
                        return ExitCode::FAILURE;
                    }
                }
                if long {
                    let gil = if with_gil { "GIL" } else { "no GIL" };
                    let (on, took) = (fmt_count(threads, "thread", "threads"), fmt_duration(wall));
                    eprintln!("  {work}, {gil}, {on}: done in {took}");
                }
                times.push(wall);
                most.push(computing.most.into_inner());
            }
            columns.push((work, with_gil, times, most));
        }
    }

    if args.json {
        report::json(&args.threads, &columns);
    } else {
        report::table(&args.threads, &columns, args.io_requests);
    }
    ExitCode::SUCCESS
}
