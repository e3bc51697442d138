//! Oversubscription: 1,000 threads of CPU work on a machine with a few cores.
//!
//! More threads than cores cannot make CPU work faster: only as many run at once as there are
//! cores, and the rest wait their turn while the scheduler switches between them. The cost
//! shows up as context switches, memory for a thousand stacks and thread structures, and
//! creation time. The same job (counting the primes below `--limit`) runs on a pool sized to
//! the cores, then on `--threads` threads each given an equal slice; answers must match.
//!
//! Run:
//!   cargo run --release -p examples-pitfalls --bin oversubscription
//!   cargo run --release -p examples-pitfalls --bin oversubscription -- --threads 5000
//!
//! You will see: how many threads were alive at once (one per core in the pool; of the 1,000,
//! those started before the first ones finished), about the same wall time for both (the cores
//! were busy either way; the verdict is decided from the run), many times more involuntary
//! context switches with 1,000 threads, and a higher peak memory; the same prime count. For
//! waiting rather than computing, many threads do help: see `threaded_requests`.
//!
//! Python: `ThreadPoolExecutor(max_workers=1000)` for CPU work is slower than one thread under
//! the GIL; `ProcessPoolExecutor(max_workers=1000)` pays 1,000 interpreters. The guide's
//! "choose the right tool": size CPU pools to `os.cpu_count()`.
//!
//! Try this: `--threads 2` (about equal to the pool); count primes below 20,000,000 and
//! compare the context switches per second.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::thread;

use clap::Parser;
use shared::{Measurement, Table, fmt_duration, fmt_kib, measure};

#[derive(Parser, Debug)]
#[command(
    about = "CPU work on a pool sized to the cores against 1,000 threads: time, switches, memory"
)]
struct Args {
    /// Threads in the oversubscribed run.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    threads: u32,
    /// The work: count the primes below this number.
    #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
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

/// Counts the threads alive at once: each calls `enter` first and `leave` last.
#[derive(Default)]
struct Alive {
    now: AtomicU32,
    peak: AtomicU32,
}

impl Alive {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `workers` threads taking chunks of 10,000 from a shared counter: as many threads as cores.
fn pool(limit: u64, workers: u32, alive: &Alive) -> u64 {
    let next = AtomicU64::new(0);
    let witness = &format!("pool-{workers}");
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    alive.enter();
                    shared::witness::arrive(witness, workers as usize); // test witness: all at once
                    let mut found = 0;
                    loop {
                        let start = next.fetch_add(10_000, Ordering::Relaxed);
                        if start >= limit {
                            alive.leave();
                            return found;
                        }
                        found += count(start..(start + 10_000).min(limit));
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// One thread per slice, all started at once.
fn thread_per_slice(limit: u64, threads: u32, alive: &Alive) -> Result<u64, String> {
    let slice = limit.div_ceil(u64::from(threads));
    let witness = &format!("threads-{threads}");
    thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..u64::from(threads) {
            let range = (i * slice).min(limit)..((i + 1) * slice).min(limit);
            let h = thread::Builder::new()
                .spawn_scoped(s, move || {
                    alive.enter();
                    shared::witness::arrive(witness, threads as usize); // test witness: all at once
                    let found = count(range);
                    alive.leave();
                    found
                })
                .map_err(|e| format!("thread {} did not start: {e}", i + 1))?;
            handles.push(h);
        }
        Ok(handles.into_iter().map(|h| h.join().unwrap()).sum())
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    // The pool first: peak RSS is a high-water mark, so the second run's figure includes the
    // first's, and the pool is the smaller.
    let (pool_alive, many_alive) = (Alive::default(), Alive::default());
    let (pooled, pool_m) = measure(|| pool(args.limit, cores, &pool_alive));
    let (spread, many_m) = measure(|| thread_per_slice(args.limit, args.threads, &many_alive));
    let spread = match spread {
        Ok(n) => n,
        Err(e) => {
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
    let row = |name: String, alive: &Alive, primes: u64, m: &Measurement| {
        [
            name,
            alive.peak.load(Ordering::SeqCst).to_string(),
            primes.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            m.involuntary_switches.to_string(),
            fmt_kib(m.peak_rss_kib),
        ]
    };
    table.row(row(
        format!("pool of {cores} (one per core)"),
        &pool_alive,
        pooled,
        &pool_m,
    ));
    table.row(row(
        format!("{} threads", args.threads),
        &many_alive,
        spread,
        &many_m,
    ));
    print!("{table}");
    if pooled != spread {
        eprintln!("error: the two runs counted {pooled} and {spread} primes");
        return ExitCode::FAILURE;
    }
    // Decided from this run: more threads than cores cannot compute more at once.
    let compared = if many_m.wall.as_secs_f64() >= 0.9 * pool_m.wall.as_secs_f64() {
        format!("no faster: {cores} cores")
    } else {
        format!(
            "faster this run, though {cores} cores still ran at most {cores} at once: the pool's run met a busier machine"
        )
    };
    println!(
        "{} threads, up to {} alive at once: {} against {} on {cores} pool threads ({compared}), {} involuntary context switches against {}",
        args.threads,
        many_alive.peak.load(Ordering::SeqCst),
        fmt_duration(many_m.wall),
        fmt_duration(pool_m.wall),
        many_m.involuntary_switches,
        pool_m.involuntary_switches
    );
    ExitCode::SUCCESS
}
