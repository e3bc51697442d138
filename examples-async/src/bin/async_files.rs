//! Async files: many files written and read concurrently with tokio::fs, against std::fs.
//!
//! The guide lists file I/O among asyncio's use cases (with aiofiles). The honest lesson:
//! Linux has no readiness-based async API for regular files, so `tokio::fs` (like aiofiles)
//! runs each call as a plain blocking `std::fs` call on tokio's blocking thread pool. It lets
//! async code touch files without stalling the runtime, and many files at once can overlap
//! their system calls, but it is threads underneath, and each call pays a hand-off. The
//! program writes `--files` files and reads them back three ways: sequentially with std::fs,
//! concurrently with tokio::fs, and concurrently with `spawn_blocking` around std::fs (what
//! tokio::fs does, one hand-off per file instead of per call). Each way creates its files in
//! a directory of its own, so that none overwrites files another created. It counts the
//! process's threads while each runs, and checks that every way read the same bytes.
//!
//! Run:
//!   cargo run --release -p examples-async --bin async_files
//!   cargo run --release -p examples-async --bin async_files -- --files 2000 --kib 16
//!
//! You will see: a table of the three ways with their time, the most threads the process had
//! (for std::fs, main, the idle runtime's workers and the thread that watches for Ctrl-C; for
//! the others, up to hundreds: tokio's blocking pool grows to 512 threads, which live on for
//! 10 s once idle, so a row can include the row before's) and a checksum that is the same in
//! every row; then each concurrent way's time against the sequential one, as measured, and a
//! last line saying which of these this run's times show. They can win, running many files'
//! system calls at once on every core and overlapping their waits for the disk (by more than
//! the core count, when the disk is slow), or lose to the hand-offs (small files: tokio::fs,
//! two hand-offs a file, often comes last).
//!
//! Python: `aiofiles.open(...)`, which is also a thread pool underneath, against plain
//! `open(...)` in a loop.
//!
//! Try this: `--files 50 --kib 4096` (fewer files than the pool's 512 threads: a blocking row
//! adds up to about one thread per file to the std::fs row's, fewer when the files' calls do
//! not all overlap, a few more when a read is handed off before its write's thread is idle
//! again); `--files 10000 --kib 1` (many tiny files: the pool grows to all 512).
//!
//! Copy it out: `cargo xtask copy-out async_files DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration, fmt_faster, fmt_kib, proc_status_kib};

#[derive(Parser, Debug)]
#[command(
    about = "Many files written and read: std::fs sequentially vs tokio::fs vs spawn_blocking"
)]
struct Args {
    /// How many files (2 or more: one file has no other to overlap with).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    files: u32,
    /// Size of each file, in KiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    kib: u32,
    /// Where to create the files (a fresh temporary directory inside it, removed at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// The content of file `i`: deterministic, different for every file.
fn content(i: u32, kib: u32) -> Vec<u8> {
    let mut x = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..kib as usize * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A checksum of one file, cheap (a few operations per 8 bytes) so that the time measured is
/// the files', not the checksum's; the files' checksums are added, in any order.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0u64, |a, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        (a.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The three ways, run in this order.
enum Way {
    Sequential,
    TokioFs,
    SpawnBlocking,
}

fn path(dir: &Path, i: u32) -> PathBuf {
    dir.join(format!("file-{i:06}.bin"))
}

fn std_sequential(dir: &Path, contents: &[Vec<u8>]) -> std::io::Result<u64> {
    for (i, c) in contents.iter().enumerate() {
        std::fs::write(path(dir, i as u32), c)?;
    }
    let mut sum = 0u64;
    for i in 0..contents.len() {
        sum = sum.wrapping_add(checksum(&std::fs::read(path(dir, i as u32))?));
    }
    Ok(sum)
}

async fn tokio_fs(dir: &Path, contents: &Arc<Vec<Vec<u8>>>) -> std::io::Result<u64> {
    // Each tokio::fs call is shipped to the blocking pool and awaited.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..contents.len() {
        let (file, contents) = (path(dir, i as u32), Arc::clone(contents));
        tasks.spawn(async move {
            tokio::fs::write(&file, &contents[i]).await?;
            Ok::<_, std::io::Error>(checksum(&tokio::fs::read(&file).await?))
        });
    }
    let mut sum = 0u64;
    while let Some(r) = tasks.join_next().await {
        sum = sum.wrapping_add(r.map_err(std::io::Error::other)??);
    }
    Ok(sum)
}

async fn spawn_blocking_std(dir: &Path, contents: &Arc<Vec<Vec<u8>>>) -> std::io::Result<u64> {
    // CHANGED: the same thing by hand, one hand-off for the write and the read together.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..contents.len() {
        let (file, contents) = (path(dir, i as u32), Arc::clone(contents));
        tasks.spawn_blocking(move || {
            std::fs::write(&file, &contents[i])?;
            Ok::<_, std::io::Error>(checksum(&std::fs::read(&file)?))
        });
    }
    let mut sum = 0u64;
    while let Some(r) = tasks.join_next().await {
        sum = sum.wrapping_add(r.map_err(std::io::Error::other)??);
    }
    Ok(sum)
}

/// Samples the process's thread count every millisecond until stopped; returns the most seen.
fn count_threads(stop: Arc<AtomicBool>, most: Arc<AtomicU64>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            // The sampler itself is one of them; it is subtracted below.
            if let Some(n) = proc_status_kib("Threads") {
                most.fetch_max(n, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let total_kib = u64::from(args.files) * u64::from(args.kib);
    let (total, file) = (u128::from(total_kib) * 1024, u128::from(args.kib) * 1024);
    // In memory at once, at worst: the contents, tokio::fs::write's copy of each of them (all
    // tasks start at once and copy before they wait for a thread), and the files being read
    // back on the blocking pool's at most 512 threads.
    let memory = 2 * total + u128::from(args.files.min(512)) * file;
    let lower = "--files or --kib";
    // Time goes with the number of files (creating one costs more than writing 64 KiB to it):
    // 20,000 took 25 s here, so 50,000 about a minute, longer on a busy disk.
    let default = u128::from(Args::parse_from(["async_files"]).files);
    let caps = shared::cli::cap_bytes("disk", total, shared::cli::DISK_CAP, lower)
        .and_then(|()| shared::cli::cap_bytes("memory", memory, shared::cli::MEMORY_CAP, lower))
        .and_then(|()| {
            shared::cli::cap_work("files", args.files.into(), default, 50_000, "--files")
        });
    if let Err(code) = caps {
        return code;
    }
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let contents: Arc<Vec<Vec<u8>>> =
        Arc::new((0..args.files).map(|i| content(i, args.kib)).collect());
    // A fresh directory inside `--dir` (which must exist), removed at the end and on Ctrl-C.
    let dir = match &args.dir {
        Some(base) => shared::cli::temp_dir_in(base),
        None => shared::cli::temp_dir(),
    };
    let dir = match dir {
        Ok(d) => d,
        Err(e) => {
            let base = args.dir.unwrap_or_else(std::env::temp_dir);
            let e = format!("cannot create a directory in {}: {e}", base.display());
            return shared::cli::usage_error(e);
        }
    };
    println!(
        "{} files of {} KiB ({} in all), written then read back, in {}",
        args.files,
        args.kib,
        fmt_kib(total_kib),
        dir.path().display()
    );
    let mut table = Table::new(["way", "time", "threads (most)", "checksum"]);
    let (mut sums, mut times) = (Vec::new(), Vec::new());
    let ways = [
        (Way::Sequential, "std::fs, sequential"),
        (Way::TokioFs, "tokio::fs, concurrent"),
        (Way::SpawnBlocking, "spawn_blocking + std::fs"),
    ];
    for (i, (way, label)) in ways.into_iter().enumerate() {
        // Fresh files for each way: creating a file costs more than overwriting one, so a way
        // that reused another's files would be measured on easier work.
        let here = dir.path().join(format!("way-{}", i + 1));
        if let Err(e) = std::fs::create_dir(&here) {
            eprintln!("error: cannot create {}: {e}", here.display());
            return ExitCode::FAILURE;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let most = Arc::new(AtomicU64::new(0));
        let sampler = count_threads(Arc::clone(&stop), Arc::clone(&most));
        let start = Instant::now();
        let result = match way {
            Way::Sequential => std_sequential(&here, &contents),
            Way::TokioFs => runtime.block_on(tokio_fs(&here, &contents)),
            Way::SpawnBlocking => runtime.block_on(spawn_blocking_std(&here, &contents)),
        };
        let took = start.elapsed();
        if u128::from(args.files) > 10 * default {
            eprintln!("  {label}: done in {}", fmt_duration(took)); // a long run's progress
        }
        let _ = std::fs::remove_dir_all(&here); // untimed: the disk holds one way's files
        // One last sample, the sampler still alive: a run shorter than its first millisecond
        // still counts its threads (tokio's blocking threads live 10 s after their last call).
        if let Some(n) = proc_status_kib("Threads") {
            most.fetch_max(n, Ordering::Relaxed);
        }
        stop.store(true, Ordering::Relaxed);
        // A sampler that panicked leaves a thread count that means nothing: a failure too.
        let panicked = |_| std::io::Error::other("the thread-count sampler panicked");
        let sampled = sampler.join().map_err(panicked);
        let sum = match sampled.and(result) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {label}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Minus the sampler thread itself.
        let threads = most.load(Ordering::Relaxed).saturating_sub(1);
        table.row([
            label.to_string(),
            fmt_duration(took),
            threads.to_string(),
            format!("{sum:016x}"),
        ]);
        sums.push(sum);
        times.push(took);
    }
    print!("{table}");
    if sums.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("error: the three ways read back different bytes (the checksums differ)");
        return ExitCode::FAILURE;
    }
    println!(
        "against std::fs one file after another: tokio::fs {}, spawn_blocking + std::fs {}",
        fmt_faster(times[0], times[1]),
        fmt_faster(times[0], times[2])
    );
    // Why a concurrent way gained, or did not, decided from this run's times.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let on_cores = shared::fmt_count(cores, "core", "cores");
    let best = times[0].as_secs_f64() / times[1].min(times[2]).as_secs_f64().max(1e-9);
    // Under a tenth is within what a busy machine changes from run to run: no gain claimed.
    let why = if best < 1.1 {
        let cost = if best < 1.0 { "more than" } else { "about" };
        format!(
            "here neither concurrent way gained a tenth or more: the hand-offs cost {cost} what running the calls at once saved (or other programs held the cores)"
        )
    } else if best > cores as f64 {
        format!(
            "{best:.1}x is more than {on_cores} give by running system calls at once: waits \
             for the disk overlapped too, or another program slowed the sequential run"
        )
    } else {
        format!("the gain is many blocking calls at once on threads, on up to {on_cores}")
    };
    println!(
        "checksums identical: tokio::fs is std::fs on tokio's blocking pool (see the thread counts); it keeps the runtime's threads free, it does not make the disk faster; {why}"
    );
    ExitCode::SUCCESS
}
