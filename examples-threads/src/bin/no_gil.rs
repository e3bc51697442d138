//! No GIL: why Python threads speed up waiting but not computing, and Rust threads do both.
//!
//! CPython's Global Interpreter Lock lets one thread run Python code at a time. A thread
//! releases it while it waits for I/O, and a thread that computes is asked to hand it over
//! every 5 ms (`sys.getswitchinterval()`). This program runs the same two workloads on 1..N
//! threads, plainly and under a simulated GIL built exactly that way: one global lock, held
//! while computing and handed over every 5 ms, released around each blocking request.
//! CPU work: counting primes below `--cpu-limit`. I/O work: `--io-requests` HTTP requests to
//! a loopback server that answers after `--delay-ms`.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin no_gil
//!   cargo run --release -p examples-threads --bin no_gil -- --gil
//!   cargo run --release -p examples-threads --bin no_gil -- --threads 1,2,4,8 --cpu-limit 5000000
//!
//! You will see: a table of wall times and speedups over one thread. Under the GIL, the CPU
//! column stays at about 1.0x however many threads (they take turns), while the I/O column
//! grows with the threads (the waits overlap). Without it, both grow: CPU up to the number of
//! cores (2 here), I/O up to the number of requests. Last, the most threads that computed at
//! the same moment: 1 under the GIL, by construction, and usually all of them without it.
//!
//! Python: `ThreadPoolExecutor(max_workers=n).map(count_primes, chunks)` takes as long as one
//! thread, and `.map(requests.get, urls)` is n times faster: the guide's "limited by GIL for
//! CPU-bound tasks" and "released during I/O operations".
//!
//! Try this: in `compute`, never call `bump()` (CPython 2's behaviour, roughly): the times stay
//! the same, but one thread runs to the end before the others start; hold the GIL across the
//! request in `fetch` instead of releasing it, and the I/O speedup disappears too.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use serde::Serialize;
use shared::fixture::Fixture;
use shared::{Table, fmt_duration, print_json};

#[derive(Parser, Debug)]
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

#[derive(Serialize)]
struct Row {
    work: &'static str,
    gil: bool,
    threads: u32,
    wall_s: f64,
    speedup: f64,
    /// CPU work only: the most threads that were computing at the same moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    most_computing: Option<u64>,
}

/// CPython's switch interval: a thread that computes is asked to hand the GIL over this often.
const SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// The simulated GIL: `None` runs without one.
type Gil = Option<Mutex<()>>;

fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// How many threads are computing at this moment, and the most that ever were at once.
#[derive(Default)]
struct Computing {
    now: AtomicU64,
    most: AtomicU64,
}

/// One thread's share of the CPU work: chunks of numbers from a shared counter, taken by
/// `threads` threads.
fn compute(gil: &Gil, next: &AtomicU64, limit: u64, computing: &Computing, threads: u32) -> u64 {
    const CHUNK: u64 = 1_000;
    let parties = limit.div_ceil(CHUNK).min(u64::from(threads)) as usize;
    let mut guard = gil.as_ref().map(Mutex::lock);
    let mut held_since = Instant::now();
    let (mut found, mut first) = (0, true);
    loop {
        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
        if start >= limit {
            return found;
        }
        // Counted while computing a chunk: under the GIL, never more than one thread at once.
        let now = computing.now.fetch_add(1, Ordering::SeqCst) + 1;
        computing.most.fetch_max(now, Ordering::SeqCst);
        if guard.is_none() && std::mem::take(&mut first) {
            shared::witness::arrive(&format!("cpu-{threads}"), parties); // test witness: without the GIL, all threads computing at once
        }
        found += (start..(start + CHUNK).min(limit))
            .filter(|&n| is_prime(n))
            .count() as u64;
        computing.now.fetch_sub(1, Ordering::SeqCst);
        // Every 5 ms, hand the GIL to a waiting thread (if any) and queue up for it again.
        if let Some(g) = guard.as_mut()
            && held_since.elapsed() >= SWITCH_INTERVAL
        {
            parking_lot::MutexGuard::bump(g);
            held_since = Instant::now();
        }
    }
}

/// One thread's share of the I/O work: `n` requests numbered from a shared counter, taken by
/// `threads` threads.
fn fetch(gil: &Gil, next: &AtomicU64, n: u64, agent: &ureq::Agent, url: &str, threads: u32) -> u64 {
    let section = format!("io-{}-{threads}", gil.is_some());
    let parties = n.min(u64::from(threads)) as usize;
    let mut ok = 0;
    loop {
        // Deciding what to do next is Python code: it runs under the GIL.
        let guard = gil.as_ref().map(Mutex::lock);
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return ok;
        }
        // A blocking call releases the GIL while it waits, as CPython's socket code does.
        drop(guard);
        shared::witness::arrive(&section, parties); // test witness: the threads wait at once, GIL or not
        let response = agent.get(url).call();
        let _guard = gil.as_ref().map(Mutex::lock);
        if let Ok(mut r) = response
            && r.status() == 200
            && r.body_mut().read_to_string().is_ok()
        {
            ok += 1;
        }
    }
}

/// Runs `work` on `threads` threads sharing one counter; returns the wall time and the sum of
/// what the threads returned.
fn run(threads: u32, work: impl Fn(&AtomicU64) -> u64 + Sync) -> (Duration, u64) {
    let next = AtomicU64::new(0);
    let start = Instant::now();
    let total = thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| work(&next))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (start.elapsed(), total)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let fixture = match Fixture::start() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the loopback server: {e}");
            return ExitCode::FAILURE;
        }
    };
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

    // Per (work, gil): the wall time and the most threads computing at once, per thread count
    // in the order of args.threads.
    let mut columns: Vec<(&'static str, bool, Vec<Duration>, Vec<u64>)> = Vec::new();
    let requests = u64::from(args.io_requests);
    for work in ["cpu", "io"] {
        for &with_gil in gils {
            let gil: Gil = with_gil.then(|| Mutex::new(()));
            let (mut times, mut most) = (Vec::new(), Vec::new());
            for &threads in &args.threads {
                let computing = Computing::default();
                let (wall, done) = match work {
                    "cpu" => run(threads, |next| {
                        compute(&gil, next, args.cpu_limit, &computing, threads)
                    }),
                    _ => run(threads, |next| {
                        fetch(&gil, next, requests, &agent, &url, threads)
                    }),
                };
                if work == "io" && done != requests {
                    eprintln!(
                        "error: only {done} of {} requests succeeded",
                        args.io_requests
                    );
                    return ExitCode::FAILURE;
                }
                times.push(wall);
                most.push(computing.most.into_inner());
            }
            columns.push((work, with_gil, times, most));
        }
    }

    let speedup = |times: &[Duration], i: usize| times[0].as_secs_f64() / times[i].as_secs_f64();
    if args.json {
        for (work, gil, times, most) in &columns {
            for (i, &threads) in args.threads.iter().enumerate() {
                print_json(&Row {
                    work,
                    gil: *gil,
                    threads,
                    wall_s: times[i].as_secs_f64(),
                    speedup: speedup(times, i),
                    most_computing: (*work == "cpu").then_some(most[i]),
                });
            }
        }
        return ExitCode::SUCCESS;
    }

    let heading = |work: &str, gil: bool| format!("{work} {}", if gil { "GIL" } else { "no GIL" });
    let mut headers = vec!["threads".to_string()];
    headers.extend(columns.iter().map(|(w, g, _, _)| heading(w, *g)));
    let mut table = Table::new(headers);
    for (i, threads) in args.threads.iter().enumerate() {
        let mut row = vec![threads.to_string()];
        for (_, _, times, _) in &columns {
            row.push(format!(
                "{} {:.1}x",
                fmt_duration(times[i]),
                speedup(times, i)
            ));
        }
        table.row(row);
    }
    println!(
        "cpu: primes below {}; io: {} requests of {} ms; speedup over the first row",
        args.cpu_limit, args.io_requests, args.delay_ms
    );
    print!("{table}");
    let last = args.threads.len() - 1;
    let summary: Vec<String> = columns
        .iter()
        .map(|(w, g, times, _)| format!("{} {:.1}x", heading(w, *g), speedup(times, last)))
        .collect();
    let most: Vec<String> = columns
        .iter()
        .filter(|(w, ..)| *w == "cpu")
        .map(|(w, g, _, most)| format!("{} {}", heading(w, *g), most[last]))
        .collect();
    println!(
        "on {} threads: {} ({} cores here); most threads computing at once: {}",
        args.threads[last],
        summary.join(", "),
        thread::available_parallelism().map_or(1, |n| n.get()),
        most.join(", ")
    );
    ExitCode::SUCCESS
}
