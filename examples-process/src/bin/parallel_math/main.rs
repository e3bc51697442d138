//! Parallel maths: Monte Carlo pi and a numeric integral, split across threads and across
//! processes, with the same answer to the last bit on any number of workers.
//!
//! The work is cut into a fixed number of chunks, and each chunk has its own random seed and
//! its own slice of the integral, so the answer depends on the chunks and not on who computes
//! them or when: partial results are combined in chunk order, which keeps even the floating
//! point sum identical. Workers take chunks round-robin: threads inside this process, or
//! worker processes (this program in worker mode, chunk numbers in and partial results out
//! over pipes, floats sent as their exact bits). The speedup per worker count is printed for
//! both; on CPU work they scale alike, and the processes pay a little more to start.
//!
//! Run:
//!   cargo run --release -p examples-process --bin parallel_math
//!   cargo run --release -p examples-process --bin parallel_math -- --samples 1000000000 --workers 1,2,4
//!
//! You will see: pi estimated twice (Monte Carlo to about 4 digits, the integral to about 14:
//! its error is printed), the same digits in every row, wall times that drop with the worker
//! count up to the number of cores, for threads and processes alike, and for each its fastest
//! row of two or more workers with a verdict from the measured speedup (`fastest threads on 2+
//! workers: ..., 2.0x faster on 2 workers: the parallel speedup shows`).
//!
//! Python: `multiprocessing.Pool(w).map(estimate_pi, seeds)`, the guide's "mathematical
//! calculations" and "scientific computing" use cases; `random.seed(chunk)` per chunk for
//! reproducible results.
//!
//! Try this: `--workers 1,2,3,4,8` on two cores (past the core count nothing improves); seed
//! one generator per worker instead of one per chunk: the Monte Carlo digits change with the
//! worker count, and the program says the runs differ and exits with status 1.
//!
//! Copy it out: `cargo xtask copy-out parallel_math DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! fastrand = "2"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod processes;

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::{fmt_duration, fmt_ratio, measure, speedup_verdict};

const CHUNKS: u64 = 256; // the chunks the work is cut into, whatever the worker count
/// The default sizes (also the base of the cap on run time).
const SAMPLES: u64 = 100_000_000;
const STEPS: u64 = 100_000_000;
/// Points one run may compute (samples plus steps over every run, and STARTUP_POINTS per
/// worker start: a process and a thread, about 1 ms): 1.2 to 1.8 ns each on one core here.
const WORK_CAP: u128 = 60_000_000_000;
const STARTUP_POINTS: u128 = 1_000_000;

#[derive(Parser, Debug)]
#[command(about = "Monte Carlo pi and a numeric integral on threads and processes, deterministic")]
struct Args {
    /// Random points for the Monte Carlo estimate.
    #[arg(long, default_value_t = SAMPLES, value_parser = clap::value_parser!(u64).range(256..=100_000_000_000))]
    samples: u64,
    /// Steps of the midpoint rule for the integral of 4 / (1 + x^2) over [0, 1].
    #[arg(long, default_value_t = STEPS, value_parser = clap::value_parser!(u64).range(256..=100_000_000_000))]
    steps: u64,
    /// Worker counts to try, comma-separated (default: 1 up to the number of cores).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Vec<u32>,
    #[arg(long, hide = true)] // internal: be a worker process, reading chunk numbers on stdin
    worker: bool,
}

/// One chunk's share of both problems.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Partial {
    chunk: u64,
    hits: u64,
    /// The chunk's sum of f(x) at its midpoints, as the bits of an f64 (exact through JSON).
    sum_bits: u64,
}

#[derive(Serialize, Deserialize)]
struct Task {
    chunk: u64,
    samples: u64,
    steps: u64,
}

/// The `[start, end)` share of `total` that chunk `i` owns.
fn share(total: u64, i: u64) -> (u64, u64) {
    (total * i / CHUNKS, total * (i + 1) / CHUNKS)
}

fn compute(t: &Task) -> Partial {
    // Monte Carlo: points in the unit square that fall inside the quarter circle.
    // The seed is the chunk number: the same points whoever draws them.
    let (s0, s1) = share(t.samples, t.chunk);
    let mut rng = fastrand::Rng::with_seed(0x5eed ^ t.chunk);
    let mut hits = 0;
    for _ in s0..s1 {
        let (x, y) = (rng.f64(), rng.f64());
        hits += u64::from(x * x + y * y <= 1.0);
    }
    // Midpoint rule: the integral of 4 / (1 + x^2) over [0, 1] is pi.
    let (k0, k1) = share(t.steps, t.chunk);
    let h = 1.0 / t.steps as f64;
    let mut sum = 0.0;
    for k in k0..k1 {
        let x = (k as f64 + 0.5) * h;
        sum += 4.0 / (1.0 + x * x);
    }
    Partial {
        chunk: t.chunk,
        hits,
        sum_bits: sum.to_bits(),
    }
}

/// Both estimates from the partials, combined in chunk order (so the float sum never varies).
fn combine(mut parts: Vec<Partial>, samples: u64, steps: u64) -> Result<(f64, f64), String> {
    parts.sort_by_key(|p| p.chunk);
    if parts.len() as u64 != CHUNKS || parts.iter().zip(0..).any(|(p, i)| p.chunk != i) {
        return Err("a chunk is missing or repeated".into());
    }
    let hits: u64 = parts.iter().map(|p| p.hits).sum();
    let sum: f64 = parts.iter().map(|p| f64::from_bits(p.sum_bits)).sum();
    Ok((4.0 * hits as f64 / samples as f64, sum / steps as f64))
}

fn tasks(args: &Args, worker: u32, workers: u32) -> impl Iterator<Item = Task> + '_ {
    (u64::from(worker)..CHUNKS)
        .step_by(workers as usize)
        .map(|chunk| Task {
            chunk,
            samples: args.samples,
            steps: args.steps,
        })
}

fn on_threads(args: &Args, workers: u32) -> Result<Vec<Partial>, String> {
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    shared::witness::arrive(&format!("threads-{workers}"), workers as usize); // test witness: all workers inside at once
                    tasks(args, w, workers)
                        .map(|t| compute(&t))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        // All joined before any is looked at: an unjoined panicked thread panics the scope.
        for j in handles.into_iter().map(|h| h.join()).collect::<Vec<_>>() {
            all.extend(j.map_err(|_| "a thread panicked")?);
        }
        Ok(all)
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.worker {
        // test witness {: all worker processes inside at once
        let w = args.workers.first().copied().unwrap_or(1);
        shared::witness::arrive(&format!("processes-{w}"), w as usize);
        // test witness }
        return processes::worker();
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let counts: Vec<u32> = match args.workers.is_empty() {
        true => (1..=cores).collect(),
        false => args.workers.clone(),
    };
    if !args.workers.is_empty() && args.workers.iter().all(|&w| w < 2) {
        return shared::cli::usage_error(
            "--workers with no count of 2 or more leaves nothing to run in parallel, so no \
             speedup is possible: add a count such as 2 (--workers 1,2)",
        );
    }
    // Every run computes every point; each count starts its workers twice (threads, processes).
    let runs_planned = 1 + 2 * counts.len() as u128;
    let starts: u128 = counts.iter().map(|&w| u128::from(w)).sum();
    let work = u128::from(args.samples + args.steps) * runs_planned + STARTUP_POINTS * starts;
    let default_work = u128::from(SAMPLES + STEPS) * (1 + 2 * u128::from(cores));
    if let Err(refused) = shared::cli::cap_work(
        "points (each worker's start counted as 1,000,000)",
        work,
        default_work,
        WORK_CAP,
        "--samples, --steps or the --workers list",
    ) {
        return refused;
    }
    // Up front: a debug build runs several times slower; each row prints as it finishes.
    println!(
        "pi from {} random points and {} midpoint steps, in {CHUNKS} chunks: sequential, then \
         threads and processes on {counts:?} workers ({runs_planned} runs{})",
        args.samples,
        args.steps,
        if cfg!(debug_assertions) {
            "; a debug build is several times slower: add --release"
        } else {
            ""
        }
    );
    let mut runs: Vec<(&str, u32, (f64, f64), Duration)> = Vec::new();
    // Fixed widths rather than shared::Table: a row is printed the moment its run ends.
    let row = |name: &str, w: u32, (mc, integral): (f64, f64), wall: Duration, base| {
        println!(
            "{name:<10}  {w:>7}  {mc:>16.10}  {integral:>17.15}  {:>8}  {:>13}",
            fmt_duration(wall),
            fmt_ratio(base, wall)
        );
    };
    println!(
        "approach    workers  pi (Monte Carlo)      pi (integral)      wall  vs sequential\n\
         ----------  -------  ----------------  -----------------  --------  -------------"
    );
    let (seq, m) = measure(|| {
        let parts = (0..CHUNKS)
            .map(|chunk| {
                compute(&Task {
                    chunk,
                    samples: args.samples,
                    steps: args.steps,
                })
            })
            .collect();
        combine(parts, args.samples, args.steps)
    });
    let Ok(seq) = seq else {
        eprintln!("error: the sequential run lost a chunk");
        return ExitCode::FAILURE;
    };
    runs.push(("sequential", 1, seq, m.wall));
    row("sequential", 1, seq, m.wall, m.wall);
    for &w in &counts {
        for (name, f) in [
            (
                "threads",
                on_threads as fn(&Args, u32) -> Result<Vec<Partial>, String>,
            ),
            ("processes", processes::on_processes),
        ] {
            let (result, m) =
                measure(|| f(&args, w).and_then(|p| combine(p, args.samples, args.steps)));
            match result {
                Ok(pi) => {
                    runs.push((name, w, pi, m.wall));
                    row(name, w, pi, m.wall, runs[0].3);
                }
                Err(e) => {
                    let on = shared::fmt_count(w, "worker", "workers");
                    eprintln!("error: {name} on {on}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    // Bit for bit, not "close enough": the chunking makes it so.
    let same = runs
        .iter()
        .all(|r| r.2.0.to_bits() == seq.0.to_bits() && r.2.1.to_bits() == seq.1.to_bits());
    println!(
        "pi = {:.6} (Monte Carlo), {:.12} (integral; error {:.1e}); {}",
        seq.0,
        seq.1,
        (seq.1 - std::f64::consts::PI).abs(),
        if same {
            "the same bits from every run"
        } else {
            "BUT THE RUNS DIFFER"
        },
    );
    if !same {
        eprintln!("error: the runs gave different bits");
        return ExitCode::FAILURE;
    }
    // Each approach's fastest row of 2+ workers (if any), judged from this run's figures: a busy
    // machine can make 1 worker fastest, whose verdict would hide that 2+ workers gained nothing.
    for kind in ["threads", "processes"] {
        let rows = || runs.iter().filter(move |r| r.0 == kind);
        let multi = rows().any(|r| r.1 > 1);
        let label = if multi { " on 2+ workers" } else { "" };
        let fastest = rows().filter(|r| r.1 > 1 || !multi).min_by_key(|r| r.3);
        if let Some((_, w, _, wall)) = fastest {
            let verdict = speedup_verdict(runs[0].3, *wall, *w, cores);
            println!("fastest {kind}{label}: {}, {verdict}", fmt_duration(*wall));
        }
    }
    ExitCode::SUCCESS
}
