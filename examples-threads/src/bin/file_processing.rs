//! File processing: a tree of text files counted and checksummed by a thread pool.
//!
//! The guide's first threading use case. The program writes a tree of `--files` generated
//! text files into a temporary directory, then processes every file (read it, count lines and
//! words, checksum its bytes) twice: once in a plain loop, and once on a pool of `--workers`
//! threads (rayon), with a progress bar. The two result lists must be identical, file by file.
//!
//! An honest note on what is measured: the files were just written, so the kernel serves them
//! from its page cache, and "reading" is copying memory. The time goes to counting and hashing,
//! which is CPU work, and threads speed it up by using more cores. On a cold disk or a network
//! file system, threads would also help by overlapping the waits, as `threaded_requests` does
//! for network requests (in the suite "concurrency by example").
//!
//! Run:
//!   cargo run --release -p examples-threads --bin file_processing
//!   cargo run --release -p examples-threads --bin file_processing -- --files 2000 --kib-per-file 256 --workers 2
//!
//! You will see: where the tree was written and how long it took, a progress bar while the
//! pool works (on a terminal), a table with the time and MiB/s of each pass, "results
//! identical" with the totals, and a
//! verdict on the pool's speedup decided from this run's times: at most the number of cores
//! (or of workers, if fewer), and less when the machine is busy or the files too few to show
//! it (more only when the sequential pass was slower for another reason, and the verdict then
//! says so).
//!
//! Python: `ThreadPoolExecutor().map(process_file, paths)` over `pathlib.Path.rglob("*.txt")`;
//! for pure-Python counting the GIL (of the usual build) would keep this on one core, which is
//! why the guide sends CPU-bound work to processes.
//!
//! Try this: make `process` sleep 1 ms per file, standing in for a slow disk, and run with
//! `--kib-per-file 4 --workers 32`: the sleeps overlap, 32 at a time, and the pool wins by far
//! more than the core count, because a thread that waits needs no core (the verdict, written
//! for computing, says that is more than parallelism alone can give, so the sequential pass
//! was slower for another reason: here, waiting on each file). `--workers 1` is refused: a
//! pool of one thread is the plain loop again.
//!
//! Copy it out: `cargo xtask copy-out file_processing DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! fastrand = "2"
//! indicatif = { version = "0.18", features = ["rayon"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rayon = "1.12"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::fs;
use std::io::{BufWriter, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use shared::{Table, fmt_count, fmt_duration, fmt_ratio, speedup_verdict};

#[derive(Parser, Debug)]
#[command(
    about = "Count and checksum a tree of generated text files: sequentially and on a thread pool"
)]
struct Args {
    /// How many files to generate (2 or more).
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    files: u32,
    /// Size of each file, in KiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    kib_per_file: u32,
    /// Threads in the pool (default: one per core; 2 or more when given).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Seed of the generated text: the same seed writes the same files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// What processing one file produces.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Summary {
    path: PathBuf,
    bytes: u64,
    lines: u64,
    words: u64,
    /// FNV-1a over the bytes: simple, fast, and enough to tell files apart.
    checksum: u64,
}

const WORDS: [&str; 16] = [
    "async", "await", "thread", "process", "lock", "queue", "chef", "pasta", "pizza", "salad",
    "core", "task", "wait", "join", "spawn", "yield",
];

/// Writes `files` files of about `kib` KiB each into 10 subdirectories of `root`.
fn generate(root: &Path, files: u32, kib: u32, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::with_capacity(files as usize);
    for i in 0..files.min(10) {
        // `create_dir`, not `create_dir_all`: after Ctrl-C has removed `root`, this fails
        // instead of making it again.
        fs::create_dir(root.join(format!("dir-{i:02}")))?;
    }
    for i in 0..files {
        let dir = root.join(format!("dir-{:02}", i % 10));
        let path = dir.join(format!("file-{i:05}.txt"));
        let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(u64::from(i)));
        let mut out = BufWriter::new(fs::File::create(&path)?);
        let mut written = 0;
        while written < kib as usize * 1024 {
            let words_on_line = rng.usize(1..=12);
            let line: Vec<&str> = (0..words_on_line)
                .map(|_| WORDS[rng.usize(..WORDS.len())])
                .collect();
            let line = line.join(" ");
            writeln!(out, "{line}")?;
            written += line.len() + 1;
        }
        out.flush()?;
        paths.push(path);
    }
    Ok(paths)
}

fn process(path: &Path) -> std::io::Result<Summary> {
    let text = fs::read_to_string(path)?;
    let mut checksum: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        checksum = (checksum ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    Ok(Summary {
        path: path.to_path_buf(),
        bytes: text.len() as u64,
        lines: text.lines().count() as u64,
        words: text.split_whitespace().count() as u64,
        checksum,
    })
}

/// Refuses, before any work, a run past the caps in `cli` or where the pool cannot gain.
fn check(args: &Args, workers: u32) -> Result<(), ExitCode> {
    use shared::cli;
    if args.workers == Some(1) || args.files < 2 {
        return Err(cli::usage_error(
            "a pool of one thread, or one file for the whole pool, works as the plain loop \
             does: no speedup is possible; use --workers 2 or more and --files 2 or more",
        ));
    }
    let file = u128::from(args.kib_per_file) * 1024;
    let disk = u128::from(args.files) * file;
    cli::cap_bytes("disk", disk, cli::DISK_CAP, "--files or --kib-per-file")?;
    // Each worker holds the text of the file it is processing.
    let memory = u128::from(workers) * file;
    cli::cap_bytes(
        "memory",
        memory,
        cli::MEMORY_CAP,
        "--workers or --kib-per-file",
    )?;
    cli::cap_count(
        "threads",
        u128::from(workers),
        cli::THREADS_CAP,
        "--workers",
    )?;
    // Not a cap on time (the disk cap bounds it: 2 GB in 100,000 files took 26 s in release on
    // a quiet machine here, minutes on a busy one), but a run of many times the default's
    // bytes says so before it starts.
    let d = Args::parse_from(["file_processing"]); // the defaults, from clap
    let kib = |a: &Args| u128::from(a.files) * u128::from(a.kib_per_file);
    let cap = u128::from(cli::DISK_CAP >> 10);
    cli::cap_work(
        "KiB of files",
        kib(args),
        kib(&d),
        cap,
        "--files or --kib-per-file",
    )
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    if let Err(refused) = check(&args, workers) {
        return refused;
    }
    let dir = match shared::cli::temp_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: cannot create a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };

    let start = Instant::now();
    let paths = match generate(dir.path(), args.files, args.kib_per_file, args.seed) {
        Ok(paths) => paths,
        Err(e) => {
            eprintln!("error: cannot write the files: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "wrote {} files of {} KiB into {} in {}",
        args.files,
        args.kib_per_file,
        dir.path().display(),
        fmt_duration(start.elapsed())
    );

    // Sequential: one file after another.
    let start = Instant::now();
    let sequential: std::io::Result<Vec<Summary>> = paths.iter().map(|p| process(p)).collect();
    let sequential_time = start.elapsed();

    // A pool of `workers` threads; the progress bar draws only on a terminal.
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start the thread pool: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bar = ProgressBar::new(paths.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    // par_iter keeps the input's order. rayon hands a worker's panic on to the thread that
    // called it: caught, an error like a file that cannot be read.
    let pooled: std::io::Result<Vec<Summary>> = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| {
            paths
                .par_iter()
                .progress_with(bar.clone())
                .map(|p| process(p))
                .collect()
        })
    }))
    .unwrap_or_else(|_| Err(std::io::Error::other("a thread of the pool panicked")));
    let pooled_time = start.elapsed();
    bar.finish_and_clear();

    let (sequential, pooled) = match (sequential, pooled) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: cannot process the files: {e}");
            return ExitCode::FAILURE;
        }
    };
    let total_bytes: u64 = sequential.iter().map(|s| s.bytes).sum();
    let mib_per_s = |d: Duration| total_bytes as f64 / (1 << 20) as f64 / d.as_secs_f64();
    let mut table = Table::new(["pass", "threads", "wall", "MiB/s", "speedup"]);
    table.row([
        "sequential".into(),
        "1".into(),
        fmt_duration(sequential_time),
        format!("{:.0}", mib_per_s(sequential_time)),
        "1.0x".into(),
    ]);
    table.row([
        "thread pool".into(),
        workers.to_string(),
        fmt_duration(pooled_time),
        format!("{:.0}", mib_per_s(pooled_time)),
        fmt_ratio(sequential_time, pooled_time),
    ]);
    print!("{table}");

    if sequential != pooled {
        let differing = sequential
            .iter()
            .zip(&pooled)
            .filter(|(a, b)| a != b)
            .count();
        let differing = fmt_count(differing, "file", "files");
        eprintln!("error: the pool's results differ from the sequential ones in {differing}");
        return ExitCode::FAILURE;
    }
    let words: u64 = sequential.iter().map(|s| s.words).sum();
    let lines: u64 = sequential.iter().map(|s| s.lines).sum();
    println!(
        "results identical for all {} files: {lines} lines, {words} words, {total_bytes} bytes",
        sequential.len()
    );
    println!(
        "thread pool: {}",
        // A pool cannot keep more threads busy than there are files.
        speedup_verdict(sequential_time, pooled_time, workers.min(args.files), cores)
    );
    ExitCode::SUCCESS
}
