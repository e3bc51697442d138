//! Compare: the guide's PERFORMANCE COMPARISON EXAMPLE, measured instead of guessed.
//!
//! The guide's table says 10 requests of 1 s take "10 seconds" in sequence and "~1 second"
//! with asyncio, threads or processes, with memory "Low", "Low-Medium", "Medium-High" and
//! "High". This program runs the real thing (`siblings.rs`): it builds the sibling programs
//! with cargo (and says so), starts `web_server` in a process of its own, then runs every
//! approach in a child process of its own, so that each one's wall time, CPU time and peak
//! memory are its own: `sequential_requests`, `async_requests` on tokio, smol and async-std,
//! `connection_memory`'s lean client (tokio with no HTTP library: a `TcpStream`, a 512-byte
//! buffer, httparse), `threaded_requests` and `process_requests` for the I/O scenario; `parallel_cpu`
//! (sequential, threads, rayon) and `process_pool` for the CPU scenario, counting primes.
//! Each child reports its figures as one JSON object (`--json`), and the table (`table.rs`)
//! puts them beside the guide's words. A second table gives the cost of one unit, from
//! `process_memory`: the time to spawn and join an empty async task, thread and process, and
//! the memory each holds while it waits.
//!
//! `--sweep` (`sweep.rs`) asks how each approach scales instead: the I/O scenario at 10, 100,
//! 1,000 and 10,000 requests in flight (`--points`), where an approach can reach them within
//! 10 s (one request at a time cannot; process_requests gets at most 256 worker processes,
//! the suite's cap, so past that its requests queue), and the CPU scenario on 1, 2, ...
//! `--workers` workers. Each point is a fresh child process; `--svg` draws both as charts
//! (`charts.rs`).
//!
//! Run:
//!   cargo run --release -p examples-process --bin compare
//!   cargo run --release -p examples-process --bin compare -- --requests 100 --delay-ms 1000 --limit 10000000
//!   cargo run --release -p examples-process --bin compare -- --json
//!   cargo run --release -p examples-process --bin compare -- --svg charts
//!   cargo run --release -p examples-process --bin compare -- --sweep --svg charts
//!
//! You will see: `cargo build` of the siblings, then one row per approach: sequential about
//! 10 s, every concurrent approach close to 1 s. At 10 requests the async runtimes and the
//! threads hold about the same peak memory (the runtime and its libraries, not the requests,
//! dominate), and one process per request holds the most. For the CPU scenario, threads,
//! rayon and processes each faster than sequential by up to the number of cores, which is
//! where Rust parts from Python's GIL. A line per scenario sums it up from the figures above
//! it, and another gives the guide's pick for it (`choose.rs`) beside the fastest measured;
//! for CPU, a verdict on the fastest's speedup, which says so when a busy machine hid it.
//! Then one unit: a process costs many times a thread's time and memory, and a thread many
//! times a task's; the last line gives the ratios measured. With `--sweep`: the async
//! runtimes stay within a small multiple of one delay up to 10,000 requests; the lean client
//! holds a fraction of their memory (its buffers, not the runtime, set the cost); threads
//! hold about as much memory per request as the async runtimes' HTTP clients (a little more
//! or less, run to run), many times the lean client's; processes queue past 256 requests.
//!
//! Python: the guide's table, filled in with `time.perf_counter()` and `resource.getrusage`.
//!
//! Try this: `--requests 1000 --delay-ms 100` (threads and processes now hold more memory than
//! async; a run whose children would take past about two minutes in all is refused);
//! `--workers 1` for the CPU scenario (every approach takes about the sequential time);
//! `--sweep --points 100,1000,5000 --delay-ms 200` for a quicker sweep. (`--delay-ms 0` is
//! refused: with no wait there is nothing to overlap; so are `--sweep --workers 1`, a sweep
//! past `--delay-ms 10000`, where one delay passes the cut-off, and a sweep below `--limit
//! 2000000`, where a child's start-up would be a large share of the counting.)
//!
//! Copy it out: not this one; it builds and runs the suite's other programs and compares their figures; copy those.

mod charts;
mod choose;
mod estimate;
mod siblings;
mod sweep;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use shared::{cli, print_json};

use estimate::estimate_ms;
use siblings::{Failed, Row, Server, cpu_plan, io_plan, run_row};

/// The smallest --limit of the CPU sweep: about 0.25 s of counting on one core here, several
/// times a child's start-up (about 20 ms, plus about 1 ms per worker process).
const SWEEP_MIN_LIMIT: u64 = 2_000_000;
/// The cap on the children's estimated run time: about two minutes.
const CAP_MS: u128 = 120_000;

#[derive(Parser, Debug, Clone)]
#[command(
    about = "The guide's performance comparison, measured: every approach in its own process"
)]
pub struct Args {
    /// Requests in the I/O scenario.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each request, in milliseconds (1 or more).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// The CPU scenario counts the primes below this (with --sweep, 2,000,000 or more).
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    limit: u64,
    /// Workers for the CPU scenario; default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Print one JSON object per row instead of the table.
    #[arg(long)]
    json: bool,
    /// Write SVG charts of the results into this folder (created if its parent exists).
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Do not run cargo build first (the sibling programs must be beside this one).
    #[arg(long)]
    no_build: bool,
    /// Run the scaling sweeps instead: I/O at each of --points requests, CPU on 1..workers.
    #[arg(long)]
    sweep: bool,
    /// The request counts the I/O sweep visits (2 or more each: one request overlaps with nothing).
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000,10000",
          value_parser = clap::value_parser!(u32).range(2..=10_000))]
    points: Vec<u32>,
}

fn main() -> ExitCode {
    // Signals are handled in `siblings`: a build in progress is a whole process group.
    cli::setup_keep_signals();
    siblings::stop_on_signals();
    let args = Args::parse();
    if !args.sweep && args.requests < 2 {
        return cli::usage_error(
            "--requests 1: one request has nothing to overlap; ask for 2 or more",
        );
    }
    if args.delay_ms == 0 {
        return cli::usage_error(
            "--delay-ms 0: the server answers at once, so no request waits and there is nothing \
             for concurrency to overlap; ask for 1 or more",
        );
    }
    if args.sweep && args.workers == Some(1) {
        return cli::usage_error(
            "--sweep --workers 1: the CPU sweep runs on 1 up to --workers workers, so one worker \
             leaves nothing to scale; ask for 2 or more",
        );
    }
    if args.sweep && args.limit < SWEEP_MIN_LIMIT {
        return cli::usage_error(format!(
            "--sweep --limit {}: each point of the CPU sweep is a fresh child process, and below \
             {SWEEP_MIN_LIMIT} its start-up (about 20 ms here) is a large share of the counting \
             once that is split across the workers, so the speedups would measure start-up as \
             much as CPU work: use {SWEEP_MIN_LIMIT} or more",
            args.limit
        ));
    }
    if args.sweep && u128::from(args.delay_ms) > sweep::CUTOFF.as_millis() {
        return cli::usage_error(format!(
            "--sweep --delay-ms {}: a single delay is past the I/O sweep's cut-off of {} ms, so no \
             approach could reach any of its points: use {} or less",
            args.delay_ms,
            sweep::CUTOFF.as_millis(),
            sweep::CUTOFF.as_millis()
        ));
    }
    if let Some(Err(e)) = args.svg.as_deref().map(charts::check_dir) {
        return cli::usage_error(e);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    let d = Args::parse_from(["compare"]);
    let (work, default) = (estimate_ms(&args, workers), estimate_ms(&d, cores));
    // Name only the flags that, lowered alone, would bring the run under the cap.
    let lower = cli::lower_which(CAP_MS, &estimate::at_least(&args, workers));
    if let Err(refused) = cli::cap_work("ms (estimated)", work, default, CAP_MS, &lower) {
        return refused;
    }
    // Up front: the runs take tens of seconds, after a build that can take minutes.
    let about = shared::fmt_duration(std::time::Duration::from_millis(work as u64));
    eprintln!(
        "the runs below take about {about} in all (an estimate, start-ups included), one child \
         process each"
    );
    match run(&args, workers) {
        Ok(()) => ExitCode::SUCCESS,
        // A sibling refused its arguments: these sizes are past one of the suite's caps.
        Err(e) if e.refused => cli::usage_error(e.message),
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::FAILURE
        }
    }
}

/// Each scenario's name and what it ran, for the verdicts and the chart titles.
fn scenarios(args: &Args, workers: u32) -> [(&'static str, String); 2] {
    [
        (
            "io",
            format!("{} requests of {} ms", args.requests, args.delay_ms),
        ),
        (
            "cpu",
            format!(
                "primes below {} on {}",
                args.limit,
                shared::fmt_count(workers, "worker", "workers")
            ),
        ),
    ]
}

fn run(args: &Args, workers: u32) -> Result<(), Failed> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let dir = me
        .parent()
        .ok_or("no folder for this program".to_string())?
        .to_path_buf();
    if !args.no_build {
        siblings::build(&dir)?;
    }
    if args.sweep {
        return sweep::sweep(&dir, args, workers);
    }
    let server = Server::start(&dir)?;
    eprintln!("web_server at {} (its own process)", server.url);
    let mut rows = Vec::new();
    for plan in io_plan(args.requests, args.delay_ms, &server.url) {
        eprintln!("  io: {} ...", plan.0);
        rows.push(run_row(&dir, "io", &plan)?);
    }
    drop(server); // the CPU scenario runs with nothing else of ours running
    for plan in cpu_plan(args.limit, workers) {
        eprintln!("  cpu: {} ...", plan.0);
        rows.push(run_row(&dir, "cpu", &plan)?);
    }

    let scenarios = scenarios(args, workers);
    if args.json {
        // The io and cpu rows only; `process_memory --json` prints the units' figures.
        rows.iter().for_each(print_json);
    } else {
        table::report(&rows, &scenarios);
        table::report_units(&table::unit_costs(&dir)?);
    }
    if let Some(svg) = &args.svg {
        for (scenario, title) in &scenarios {
            let these: Vec<&Row> = rows.iter().filter(|r| r.scenario == *scenario).collect();
            let path = charts::write_svg(svg, scenario, title, &these)?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}
