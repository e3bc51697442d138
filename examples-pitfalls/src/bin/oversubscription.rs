//! Oversubscription: 1,000 threads of CPU work on a machine with a few cores.
//!
//! More threads than cores cannot make CPU work faster: only as many run at once as there are
//! cores, and the rest wait their turn while the scheduler switches between them. The cost
//! shows up as context switches, memory for a thousand stacks and thread structures, and
//! creation time. The same job (counting the primes below `--limit`) runs on a pool sized to
//! the cores, then on `--threads` threads each given an equal slice; answers must match. In
//! both runs a start line (a barrier) holds every thread until the last one has started, so
//! all of them are alive, and competing for the cores, at once.
//!
//! Run:
//!   cargo run --release -p examples-pitfalls --bin oversubscription
//!   cargo run --release -p examples-pitfalls --bin oversubscription -- --threads 5000
//!
//! You will see: how many threads were alive at once (one per core in the pool, all 1,000 in
//! the other run); the 1,000 threads usually no faster than the pool, often slower (starting them
//! and switching between them costs, and the cores were busy either way: the verdict line
//! says which, from the two times); usually many times more involuntary context switches with
//! 1,000 threads (counted, and up to the scheduler), and a higher peak memory; the same prime
//! count. For waiting rather than computing, many threads do help: `threaded_requests`, in the
//! suite "concurrency by example", shows it.
//!
//! Python: `ThreadPoolExecutor(max_workers=1000)` for CPU work is no faster than one thread
//! under the GIL, and pays for the switching; `ProcessPoolExecutor(max_workers=1000)` pays for
//! up to 1,000 interpreters. The guide's "choose the right tool": size CPU pools to
//! `os.cpu_count()`.
//!
//! Try this: `--threads` equal to your core count (no oversubscription, yet usually slower
//! than the pool: equal slices are not equal work, since bigger numbers take longer to test,
//! so one thread finishes early and its core idles; the pool's small chunks balance that);
//! `--threads 10000` (more switches, several times the memory, the same answer).
//!
//! Copy it out: `cargo xtask copy-out oversubscription DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use shared::{Measurement, Table, fmt_count, fmt_duration, fmt_kib, measure};

#[derive(Parser, Debug)]
#[command(
    about = "CPU work on a pool sized to the cores against 1,000 threads: time, switches, memory"
)]
struct Args {
    /// Threads in the oversubscribed run.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    threads: u32,
    /// The work: count the primes below this number. At most 30 million: both runs then take
    /// about 7 s in all on two cores (release; twice that in a debug build), table at the end.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1_000..=30_000_000))]
    limit: u64,
}

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

fn count(range: std::ops::Range<u64>) -> u64 {
    range.filter(|&n| is_prime(n)).count() as u64
}

/// Holds every thread at the start until all of them have started, so that all are alive,
/// and competing for the cores, at once. (A `Barrier` would do, but it cannot be called off
/// when a thread fails to start, and would then hold the others for ever.)
#[derive(Default)]
struct StartLine {
    state: Mutex<(u32, bool)>, // (threads at the line, gone)
    arrived: Condvar,          // the main thread waits on this one
    gone: Condvar,             // the threads wait on this one
}

impl StartLine {
    fn wait(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 += 1;
        self.arrived.notify_one();
        while !state.1 {
            state = self.gone.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Waits until `threads` are at the line (or none will come: `threads` 0), lets them all
    /// go, and returns how many were there, alive at once.
    fn go(&self, threads: u32) -> u32 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 < threads {
            state = self.arrived.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.1 = true;
        self.gone.notify_all();
        state.0
    }
}

/// Runs each job on a thread of its own, all started at once; returns the sum of their
/// answers and how many threads were alive at once.
fn run_threads<F>(jobs: impl Iterator<Item = F>) -> Result<(u64, u32), String>
where
    F: FnOnce() -> u64 + Send,
{
    let line = StartLine::default();
    thread::scope(|s| {
        let mut handles = Vec::new();
        for job in jobs {
            let line = &line;
            match thread::Builder::new().spawn_scoped(s, move || {
                line.wait();
                job()
            }) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    line.go(0); // release those already waiting, then report
                    return Err(format!("thread {} did not start: {e}", handles.len() + 1));
                }
            }
        }
        let at_once = line.go(handles.len() as u32);
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect(); // all joined first
        let mut total = 0;
        for j in joined {
            total += j.map_err(|_| "a thread panicked".to_string())?;
        }
        Ok((total, at_once))
    })
}

/// `workers` threads taking chunks of 10,000 from a shared counter: as many threads as cores.
fn pool(limit: u64, workers: u32) -> Result<(u64, u32), String> {
    let next = AtomicU64::new(0);
    let worker = || {
        let mut found = 0;
        loop {
            let start = next.fetch_add(10_000, Ordering::Relaxed);
            if start >= limit {
                return found;
            }
            found += count(start..(start + 10_000).min(limit));
        }
    };
    run_threads((0..workers).map(|_| worker))
}

/// One thread per slice, all started at once.
fn thread_per_slice(limit: u64, threads: u32) -> Result<(u64, u32), String> {
    let slice = limit.div_ceil(u64::from(threads));
    run_threads((0..u64::from(threads)).map(|i| {
        let range = (i * slice).min(limit)..((i + 1) * slice).min(limit);
        move || count(range)
    }))
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    if let Err(refused) = shared::cli::cap_count(
        "threads",
        u128::from(args.threads.max(cores)),
        shared::cli::THREADS_CAP,
        "--threads",
    ) {
        return refused;
    }
    // Trial division: the work grows as --limit times its square root, and --limit's range
    // keeps both runs to about 7 s (15 s in debug); past ten times the default, a note first.
    let d = Args::parse_from(["oversubscription"]); // the defaults, from clap
    let max = Args::parse_from(["oversubscription", "--limit", "30000000"]);
    let work = |a: &Args| (a.limit as f64).powf(1.5) as u128 / 2;
    let what = "divisions at most (--limit x its square root / 2)";
    if let Err(refused) = shared::cli::cap_work(what, work(&args), work(&d), work(&max), "--limit")
    {
        return refused;
    }
    let threads = fmt_count(args.threads, "thread", "threads");
    println!(
        "counting the primes below {} on a pool of {cores}, then on {threads}:",
        args.limit
    );
    // The pool first: peak RSS is a high-water mark, so the second run's figure includes the
    // first's, and the pool is the smaller.
    let (pooled, pool_m) = measure(|| pool(args.limit, cores));
    let (spread, many_m) = measure(|| thread_per_slice(args.limit, args.threads));
    let ((pooled, pool_at_once), (spread, many_at_once)) = match (pooled, spread) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut table = Table::new([
        "run",
        "threads at once",
        "primes",
        "wall",
        "cpu",
        "involuntary switches",
        "peak RSS so far",
    ]);
    let row = |name: String, at_once: u32, primes: u64, m: &Measurement| {
        [
            name,
            at_once.to_string(),
            primes.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            m.involuntary_switches.to_string(),
            fmt_kib(m.peak_rss_kib),
        ]
    };
    table.row(row(
        format!("pool of {cores} (one per core)"),
        pool_at_once,
        pooled,
        &pool_m,
    ));
    table.row(row(threads.clone(), many_at_once, spread, &many_m));
    print!("{table}");
    if pooled != spread {
        eprintln!("error: the two runs counted {pooled} and {spread} primes");
        return ExitCode::FAILURE;
    }
    println!(
        "{threads}, {many_at_once} alive at once: {} against {} on {cores} pool threads: {}; {} involuntary context switches against {}",
        fmt_duration(many_m.wall),
        fmt_duration(pool_m.wall),
        verdict(many_m.wall, pool_m.wall, cores, args.threads),
        many_m.involuntary_switches,
        pool_m.involuntary_switches
    );
    ExitCode::SUCCESS
}

/// Within this share of each other, two walls are "about the same".
const SAME: f64 = 0.1;

/// Decided from this run: more threads than cores cannot compute more at once, and starting
/// and switching between them costs.
fn verdict(many: Duration, pool: Duration, cores: u32, threads: u32) -> String {
    let ratio = many.as_secs_f64() / pool.as_secs_f64().max(1e-9);
    if threads < cores {
        // Fewer threads than cores: nothing was oversubscribed, and some cores had no thread.
        return format!(
            "{ratio:.1}x the pool's time, with fewer threads than cores: not oversubscribed, so this run shows nothing of the cost of switching ({} could use at most {threads} of the {cores} cores)",
            fmt_count(threads, "thread", "threads")
        );
    }
    if ratio > 1.0 + SAME && threads == cores {
        // No more threads than cores: nothing waited for a core, so switching is not the cause.
        format!(
            "{ratio:.1}x the pool's time, slower, though not oversubscribed: equal slices are not equal work (the last, with the biggest numbers, finishes last while the other cores idle), where the pool's small chunks keep every core busy"
        )
    } else if ratio > 1.0 + SAME {
        format!(
            "{ratio:.1}x the pool's time, slower: starting the threads and switching between them cost time and gained nothing"
        )
    } else if ratio >= 1.0 - SAME {
        format!("{ratio:.1}x the pool's time, about the same: {cores} cores were busy either way")
    } else if threads == cores {
        format!(
            "{ratio:.1}x the pool's time, faster this run, not oversubscribed: the pool met a busier machine"
        )
    } else {
        format!(
            "{ratio:.1}x the pool's time, faster this run, though {cores} cores still ran at most {cores} at once: the pool's run met a busier machine, or, on a machine shared with other programs, {threads} threads won a bigger share of the cores from them (the scheduler shares out time per thread)"
        )
    }
}
