//! Simulation: heat diffusion on a grid, stepped by worker processes that either share one grid
//! through a memory-mapped file or keep their own strip and pass boundary rows as messages.
//!
//! A square plate is held hot along its top edge and cold on the others; each step, every inner
//! cell moves toward the mean of its four neighbours (`plate.rs`). The rows are split into
//! strips, one per worker process (this program in worker mode). With shared memory
//! (`shared_grid.rs`: memmap2, a file on /dev/shm when there is one) the file holds two grids,
//! "now" and "next": each worker maps only the rows it reads and the rows it owns, writes its
//! rows of "next", and says so; the parent waits for all of them before saying "go" (a barrier
//! over pipes), and the grids swap roles. With message passing (`messages.rs`) each worker
//! owns its strip privately and, each step, sends its top and bottom rows to the parent, which
//! hands each worker the rows of its neighbours (the "ghost" rows) before it steps. Both give
//! the sequential answer to the last bit, because every cell is computed by the same function
//! from the same inputs; they differ in what crosses between processes each step: a "done"
//! and a "go" per worker against four rows per worker.
//!
//! Run:
//!   cargo run --release -p examples-process --bin simulation
//!   cargo run --release -p examples-process --bin simulation -- --size 4096 --steps 100 --workers 4
//!
//! You will see: the heat creeping down from the hot edge (the temperature at rows 1 to 32
//! down the middle) and the total heat; a table of the sequential loop and both process
//! versions with wall time, CPU time and speedup, every final grid `identical`; a verdict per
//! version computed from those times (on two idle cores both come near 2x, and can pass it:
//! each worker's half of the grid fits the caches better than the whole; on a busy machine
//! the verdict says the speedup did not show); and how many bytes crossed between processes
//! per step in each version.
//!
//! Python: `multiprocessing.shared_memory.SharedMemory` with a NumPy array on top, against
//! `Pipe`s or mpi4py's `Sendrecv` of halo rows: the guide's "scientific computing".
//!
//! Try this: `--workers 8` (more barriers and messages for less work each); `--size 128
//! --steps 5000` (tiny steps: the per-step round trip through the parent dominates).
//!
//! Copy it out: `cargo xtask copy-out simulation DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! bytemuck = "1"
//! clap = { version = "4.6", features = ["derive"] }
//! memmap2 = "0.9"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod messages;
mod plate;
mod shared_grid;
mod workers;

use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

use clap::{Parser, ValueEnum};
use shared::cli;
use shared::{Table, fmt_duration, fmt_ratio, measure, speedup_verdict};

use plate::{HOT, fmt_bytes};

#[derive(Parser, Debug)]
#[command(about = "Heat diffusion stepped by processes: a shared mapped grid against messages")]
pub struct Args {
    /// Grid width and height, in cells.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u32).range(8..=8192))]
    size: u32,
    /// Time steps.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    steps: u32,
    /// Worker processes, 2 or more; default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Internal: be a worker of this kind.
    #[arg(long, value_enum, hide = true, requires = "rows")]
    worker: Option<Kind>,
    /// Internal: the worker's rows, FIRST LAST (exclusive).
    #[arg(long, hide = true, num_args = 2)]
    rows: Option<Vec<usize>>,
    /// Internal: the mapped file (shared-memory workers).
    #[arg(long, hide = true)]
    path: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    Shm,
    Msg,
}

fn worker(args: &Args, kind: Kind, rows: &[usize]) -> ExitCode {
    let n = args.size as usize;
    let (first, last) = (rows[0], rows[1]);
    if !(1 <= first && first < last && last < n) {
        return cli::usage_error(format!("rows {first}..{last} do not fit a {n}-row grid"));
    }
    let result = match (kind, &args.path) {
        (Kind::Shm, Some(path)) => shared_grid::worker(args, first, last, path),
        (Kind::Shm, None) => return cli::usage_error("a shared-memory worker needs --path"),
        (Kind::Msg, _) => messages::worker(args, first, last),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    cli::setup();
    let args = Args::parse();
    if let (Some(kind), Some(rows)) = (args.worker, &args.rows) {
        return worker(&args, kind, rows);
    }
    if args.workers == Some(1) {
        return cli::usage_error(
            "--workers 1 keeps the whole plate in one strip: no boundary rows cross between \
             workers and no speedup is possible: use 2 or more",
        );
    }
    let n = args.size as usize;
    let cores = thread::available_parallelism().map_or(1, |c| c.get() as u32);
    // Every worker needs at least one row of its own.
    let asked = args.workers.unwrap_or(cores);
    let w = asked.min(args.size - 2) as usize;
    // The peak, while message passing runs or the sequential loop: four grids (the results
    // kept for comparison, and the grids being stepped: the parent's and the workers' strips,
    // "now" and "next"), plus each worker's two ghost rows, twice.
    let grid = (n * n * 8) as u128;
    let memory = 4 * grid + (w * 4 * n * 8) as u128;
    // Run time, in cell updates: the three runs each update every cell every step (about
    // 0.5 ns each here), and each step costs each worker about 10 us of messages and waiting,
    // as much as 20,000 updates. The cap is about two minutes.
    let work = |n: u32, steps: u32, w: u32| {
        let n = u128::from(n);
        u128::from(steps) * (3 * n * n + 2 * u128::from(w) * 20_000)
    };
    let d = Args::parse_from(["simulation"]);
    let default = work(d.size, d.steps, cores.min(d.size - 2));
    if let Err(refused) = cli::cap_bytes("memory", memory, cli::MEMORY_CAP, "--size")
        .and_then(|()| cli::cap_count("processes", w as u128, cli::PROCESSES_CAP, "--workers"))
        .and_then(|()| {
            let this = work(args.size, args.steps, w as u32);
            let lower = "--size, --steps or --workers";
            cli::cap_work("cell updates", this, default, 120_000_000_000, lower)
        })
    {
        return refused;
    }
    // On /dev/shm where there is one: memory (tmpfs), so the mapped file never goes to disk.
    let dir = match cli::temp_dir_in_memory() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let steps = match args.steps {
        1 => "1 step".to_string(),
        s => format!("{s} steps"),
    };
    println!(
        "{n}x{n} plate, top edge at {HOT}, {steps} on {w} worker processes{}{}",
        if (w as u32) < asked {
            format!(" ({asked} asked, but there are only {w} inner rows: one row each at least)")
        } else {
            String::new()
        },
        // Up front: the defaults take about 10 s in a debug build.
        if cfg!(debug_assertions) {
            " (a debug build is several times slower: add --release)"
        } else {
            ""
        }
    );
    // The process versions first, then the reference they must match; progress on stderr.
    eprintln!("  shared memory ...");
    let (shm, shm_m) = measure(|| shared_grid::run(&args, dir.path(), w));
    eprintln!("  message passing ...");
    let (msg, msg_m) = measure(|| messages::run(&args, w));
    eprintln!("  sequential ...");
    let (seq, seq_m) = measure(|| Ok::<_, String>(plate::sequential(n, args.steps)));
    let mut grids = Vec::new();
    for (name, r) in [
        ("shared memory", shm),
        ("message passing", msg),
        ("sequential", seq),
    ] {
        match r {
            Ok(g) => grids.push(g),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let reference = &grids[2];
    let probes: Vec<String> = [1, 2, 4, 8, 16, 32]
        .iter()
        .filter(|&&i| i < n)
        .map(|&i| format!("row {i}: {:.3}", reference[i * n + n / 2]))
        .collect();
    let heat: f64 = reference.iter().sum();
    println!(
        "down the middle: {}; total heat {heat:.3}",
        probes.join(", ")
    );
    let mut table = Table::new([
        "approach",
        "workers",
        "wall",
        "cpu",
        "vs sequential",
        "final grid",
    ]);
    let runs = [
        ("sequential", 1, &seq_m, &grids[2]),
        ("shared memory", w, &shm_m, &grids[0]),
        ("message passing", w, &msg_m, &grids[1]),
    ];
    let mut all_same = true;
    for (name, workers, m, g) in runs {
        let same = g
            .iter()
            .zip(reference)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        all_same &= same;
        table.row([
            name.to_string(),
            workers.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            fmt_ratio(seq_m.wall, m.wall),
            if same { "identical" } else { "DIFFERS" }.to_string(),
        ]);
    }
    print!("{table}");
    if !all_same {
        eprintln!("error: a final grid differs from the sequential one (see the table)");
        return ExitCode::FAILURE;
    }
    for (name, m) in [("shared memory", &shm_m), ("message passing", &msg_m)] {
        println!(
            "{name}: {}",
            speedup_verdict(seq_m.wall, m.wall, w as u32, cores)
        );
    }
    println!(
        "{steps} on {w} workers: final grids identical to the sequential one, bit for bit; each \
         step crossed between processes: shared memory {} (a \"done\" and a \"go\" per worker), \
         message passing {} (two rows out and two rows in per worker)",
        fmt_bytes(w * ("done\n".len() + "go\n".len())),
        fmt_bytes(w * 4 * n * 8),
    );
    ExitCode::SUCCESS
}
