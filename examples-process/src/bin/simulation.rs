//! Simulation: heat diffusion on a grid, stepped by worker processes that either share one grid
//! through a memory-mapped file or keep their own strip and pass boundary rows as messages.
//!
//! A square plate is held hot along its top edge and cold on the others; each step, every inner
//! cell moves toward the mean of its four neighbours. The rows are split into strips, one per
//! worker process (this program in worker mode). With shared memory (memmap2, on /dev/shm when
//! there is one) the file holds two grids, "now" and "next": each worker reads "now", writes
//! its rows of "next", and says so; the parent waits for all of them before saying "go" (a
//! barrier over pipes), and the grids swap roles. With message passing each worker owns its
//! strip privately and, each step, sends its top and bottom rows to the parent, which hands
//! each worker the rows of its neighbours (the "ghost" rows) before it steps. Both give the
//! sequential answer to the last bit, because every cell is computed by the same function from
//! the same inputs; they differ in what crosses between processes each step: two words of
//! "done"/"go" against two rows per worker.
//!
//! Run:
//!   cargo run --release -p examples-process --bin simulation
//!   cargo run --release -p examples-process --bin simulation -- --size 4096 --steps 100 --workers 4
//!
//! You will see: the heat creeping down from the hot edge (the temperature at rows 1 to 32
//! down the middle), the total heat, and a table where on two cores the shared grid takes
//! about half the sequential time and message passing a little more, with `final grids
//! identical to the sequential one, bit for bit`.
//!
//! Python: `multiprocessing.shared_memory.SharedMemory` with a NumPy array on top, against
//! `Pipe`s or mpi4py's `Sendrecv` of halo rows: the guide's "scientific computing".
//!
//! Try this: `--workers 8` (more barriers and messages for less work each); `--size 128
//! --steps 5000` (tiny steps: the per-step round trip through the parent dominates).

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::thread;

use clap::{Parser, ValueEnum};
use memmap2::MmapMut;
use shared::{Table, fmt_duration, fmt_ratio, measure};

/// How far a cell moves toward its neighbours' mean each step (stable below 0.25).
const ALPHA: f64 = 0.2;
const HOT: f64 = 100.0;

#[derive(Parser, Debug)]
#[command(about = "Heat diffusion stepped by processes: a shared mapped grid against messages")]
struct Args {
    /// Grid width and height, in cells.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u32).range(8..=8192))]
    size: u32,
    /// Time steps.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    steps: u32,
    /// Worker processes; default: one per core.
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

/// The starting plate: hot top row, everything else cold. Edges never change.
fn initial(n: usize) -> Vec<f64> {
    let mut g = vec![0.0; n * n];
    g[..n].fill(HOT);
    g
}

/// One row's next values from the rows above and below: the only arithmetic in the program,
/// so that every version computes every cell identically.
fn step_row(above: &[f64], row: &[f64], below: &[f64], out: &mut [f64]) {
    let n = row.len();
    out[0] = row[0];
    out[n - 1] = row[n - 1];
    for j in 1..n - 1 {
        let c = row[j];
        out[j] = c + ALPHA * (above[j] + below[j] + row[j - 1] + row[j + 1] - 4.0 * c);
    }
}

/// Steps rows `first..last` of `now` into `next` (both whole grids).
fn step_rows(now: &[f64], next: &mut [f64], n: usize, first: usize, last: usize) {
    for i in first..last {
        let (above, row, below) = (
            &now[(i - 1) * n..i * n],
            &now[i * n..(i + 1) * n],
            &now[(i + 1) * n..(i + 2) * n],
        );
        step_row(above, row, below, &mut next[i * n..(i + 1) * n]);
    }
}

fn sequential(n: usize, steps: u32) -> Vec<f64> {
    let mut now = initial(n);
    let mut next = now.clone();
    for _ in 0..steps {
        step_rows(&now, &mut next, n, 1, n - 1);
        std::mem::swap(&mut now, &mut next);
    }
    now
}

/// The inner rows 1..n-1 cut into `w` strips.
fn strips(n: usize, w: usize) -> Vec<(usize, usize)> {
    let inner = n - 2;
    (0..w)
        .map(|k| (1 + inner * k / w, 1 + inner * (k + 1) / w))
        .collect()
}

fn map(file: &std::fs::File) -> std::io::Result<MmapMut> {
    // SAFETY: `map_mut` is unsafe because other processes may change the file while it is
    // mapped. Here they do, in a controlled way: during a step every process only reads the
    // "now" grid and writes its own rows of "next"; a step ends with a barrier through pipes
    // (each worker's "done" read by the parent before any "go"), which orders every write
    // before the next step's reads. Each step takes fresh slices from the map. The file is
    // never truncated while mapped.
    #[allow(unsafe_code)]
    unsafe {
        MmapMut::map_mut(file)
    }
}

/// The two grids in the mapped file, as f64s (bytemuck checks size and alignment; a mapping
/// is page-aligned).
fn grids(map: &mut MmapMut, n: usize) -> Result<(&mut [f64], &mut [f64]), String> {
    let all: &mut [f64] =
        bytemuck::try_cast_slice_mut(&mut map[..]).map_err(|e| format!("{e:?}"))?;
    let (a, b) = all.split_at_mut(n * n);
    Ok((a, b))
}

// ---- Workers ----

fn worker_shm(args: &Args, first: usize, last: usize) -> Result<(), String> {
    let w = args.workers.unwrap_or(1);
    shared::witness::arrive(&format!("shm-{w}"), w as usize); // test witness: all workers inside at once
    let n = args.size as usize;
    let path = args
        .path
        .as_ref()
        .ok_or("a shared-memory worker needs --path")?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| e.to_string())?;
    let mut mapped = map(&file).map_err(|e| e.to_string())?;
    let (mut input, mut out) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut go = String::new();
    for s in 0..args.steps {
        {
            let (a, b) = grids(&mut mapped, n)?;
            let (now, next) = if s.is_multiple_of(2) { (a, b) } else { (b, a) };
            step_rows(now, next, n, first, last);
        }
        writeln!(out, "done")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        go.clear();
        if input.read_line(&mut go).map_err(|e| e.to_string())? == 0 {
            return Err("the parent went away".into());
        }
    }
    Ok(())
}

fn as_bytes(row: &[f64]) -> &[u8] {
    bytemuck::cast_slice(row)
}

fn worker_msg(args: &Args, first: usize, last: usize) -> Result<(), String> {
    let w = args.workers.unwrap_or(1);
    shared::witness::arrive(&format!("msg-{w}"), w as usize); // test witness: all workers inside at once
    let n = args.size as usize;
    // Private memory: rows first-1 ..= last, the two outer ones being ghosts.
    let full = initial(n);
    let mut now = full[(first - 1) * n..(last + 1) * n].to_vec();
    let mut next = now.clone();
    let rows = last - first;
    let (mut input, mut out) = (
        std::io::stdin().lock(),
        BufWriter::new(std::io::stdout().lock()),
    );
    for _ in 0..args.steps {
        // Send my first and last rows; receive the neighbours' rows into my ghosts.
        out.write_all(as_bytes(&now[n..2 * n]))
            .and_then(|()| out.write_all(as_bytes(&now[rows * n..(rows + 1) * n])))
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
        let mut ghost = vec![0u8; n * 8];
        input.read_exact(&mut ghost).map_err(|e| e.to_string())?;
        now[..n].copy_from_slice(bytemuck::cast_slice(&ghost));
        input.read_exact(&mut ghost).map_err(|e| e.to_string())?;
        now[(rows + 1) * n..].copy_from_slice(bytemuck::cast_slice(&ghost));
        step_rows(&now, &mut next, n, 1, rows + 1);
        std::mem::swap(&mut now, &mut next);
    }
    // The final strip, for the parent to assemble.
    out.write_all(as_bytes(&now[n..(rows + 1) * n]))
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

// ---- The parent ----

struct Worker {
    child: Child,
    to: BufWriter<ChildStdin>,
    from: BufReader<ChildStdout>,
}

fn start(
    args: &Args,
    kind: &str,
    rows: (usize, usize),
    path: Option<&Path>,
    of: usize,
) -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(me);
    cmd.args([
        "--worker",
        kind,
        "--rows",
        &rows.0.to_string(),
        &rows.1.to_string(),
    ])
    .args([
        "--size",
        &args.size.to_string(),
        "--steps",
        &args.steps.to_string(),
        "--workers",
        &of.to_string(),
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    if let Some(p) = path {
        cmd.arg("--path").arg(p);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    Ok(Worker {
        child,
        to: BufWriter::new(to),
        from: BufReader::new(from),
    })
}

/// Starts one worker per strip; on any failure, stops the ones already started.
fn start_all(
    args: &Args,
    kind: &str,
    parts: &[(usize, usize)],
    path: Option<&Path>,
) -> Result<Vec<Worker>, String> {
    let mut workers = Vec::new();
    for &rows in parts {
        match start(args, kind, rows, path, parts.len()) {
            Ok(w) => workers.push(w),
            Err(e) => {
                stop(workers, true);
                return Err(e);
            }
        }
    }
    Ok(workers)
}

/// Closes the workers' stdin and reaps them (killing them first after a failure).
fn stop(workers: Vec<Worker>, kill: bool) -> Option<String> {
    let mut failure = None;
    for w in workers {
        let Worker { mut child, to, .. } = w;
        drop(to);
        if kill {
            let _ = child.kill();
        }
        match child.wait() {
            Ok(s) if s.success() || kill => {}
            Ok(s) => failure = Some(format!("a worker exited with {s}")),
            Err(e) => failure = Some(e.to_string()),
        }
    }
    failure
}

fn with_shared_memory(args: &Args, dir: &Path, w: usize) -> Result<Vec<f64>, String> {
    let n = args.size as usize;
    let path = dir.join("plate.f64");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    file.set_len((2 * n * n * 8) as u64)
        .map_err(|e| e.to_string())?;
    let mut mapped = map(&file).map_err(|e| e.to_string())?;
    {
        let (a, b) = grids(&mut mapped, n)?;
        let start = initial(n);
        a.copy_from_slice(&start);
        b.copy_from_slice(&start); // the fixed edges must be in both grids
    }
    let mut workers = start_all(args, "shm", &strips(n, w), Some(&path))?;
    let result = (|| {
        let mut line = String::new();
        for _ in 0..args.steps {
            // The barrier: every worker's "done", then everyone's "go".
            for wk in &mut workers {
                line.clear();
                if wk.from.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                    return Err("a worker died".to_string());
                }
            }
            for wk in &mut workers {
                writeln!(wk.to, "go")
                    .and_then(|()| wk.to.flush())
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })();
    let failed = stop(workers, result.is_err());
    result?;
    if let Some(f) = failed {
        return Err(f);
    }
    let (a, b) = grids(&mut mapped, n)?;
    Ok(if args.steps.is_multiple_of(2) {
        a.to_vec()
    } else {
        b.to_vec()
    })
}

fn with_messages(args: &Args, w: usize) -> Result<Vec<f64>, String> {
    let n = args.size as usize;
    let parts = strips(n, w);
    let mut workers = start_all(args, "msg", &parts, None)?;
    let mut grid = initial(n);
    let result = (|| {
        let row_bytes = n * 8;
        let mut edges = vec![(vec![0u8; row_bytes], vec![0u8; row_bytes]); w];
        let (top, bottom) = (
            as_bytes(&grid[..n]).to_vec(),
            as_bytes(&grid[(n - 1) * n..]).to_vec(),
        );
        for _ in 0..args.steps {
            for (wk, (first, last)) in workers.iter_mut().zip(&mut edges) {
                wk.from.read_exact(first).map_err(|e| e.to_string())?;
                wk.from.read_exact(last).map_err(|e| e.to_string())?;
            }
            // Each worker's ghosts: the row above its strip and the row below it.
            for k in 0..w {
                let above = if k == 0 { &top } else { &edges[k - 1].1 };
                let below = if k == w - 1 { &bottom } else { &edges[k + 1].0 };
                let wk = &mut workers[k];
                wk.to
                    .write_all(above)
                    .and_then(|()| wk.to.write_all(below))
                    .and_then(|()| wk.to.flush())
                    .map_err(|e| e.to_string())?;
            }
        }
        for (wk, &(first, last)) in workers.iter_mut().zip(&parts) {
            let mut strip = vec![0u8; (last - first) * row_bytes];
            wk.from.read_exact(&mut strip).map_err(|e| e.to_string())?;
            grid[first * n..last * n].copy_from_slice(bytemuck::cast_slice(&strip));
        }
        Ok::<(), String>(())
    })();
    let failed = stop(workers, result.is_err());
    result?;
    failed.map_or(Ok(grid), Err)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let (Some(kind), Some(rows)) = (args.worker, &args.rows) {
        let n = args.size as usize;
        let (first, last) = (rows[0], rows[1]);
        if !(1 <= first && first < last && last < n) {
            eprintln!("error: rows {first}..{last} do not fit a {n}-row grid");
            return ExitCode::from(2);
        }
        let result = match kind {
            Kind::Shm => worker_shm(&args, first, last),
            Kind::Msg => worker_msg(&args, first, last),
        };
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: worker: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let n = args.size as usize;
    let cores = thread::available_parallelism().map_or(1, |c| c.get() as u32);
    // Every worker needs at least one row of its own.
    let w = args.workers.unwrap_or(cores).min(args.size - 2) as usize;
    let base = Path::new("/dev/shm");
    let dir = match if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    } {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (seq, seq_m) = measure(|| Ok::<_, String>(sequential(n, args.steps)));
    let runs = [
        ("sequential", 1, seq, seq_m),
        {
            let (r, m) = measure(|| with_shared_memory(&args, dir.path(), w));
            ("shared memory", w, r, m)
        },
        {
            let (r, m) = measure(|| with_messages(&args, w));
            ("message passing", w, r, m)
        },
    ];
    let mut grids = Vec::new();
    for (name, _, r, _) in &runs {
        match r {
            Ok(g) => grids.push(g),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let reference = grids[0];
    let probes: Vec<String> = [1, 2, 4, 8, 16, 32]
        .iter()
        .filter(|&&i| i < n)
        .map(|&i| format!("row {i}: {:.3}", reference[i * n + n / 2]))
        .collect();
    let heat: f64 = reference.iter().sum();
    println!(
        "{n}x{n} plate, top edge at {HOT}, {} steps; down the middle: {}; total heat {heat:.3}",
        args.steps,
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
    let mut all_same = true;
    for ((name, workers, _, m), g) in runs.iter().zip(&grids) {
        let same = g
            .iter()
            .zip(reference.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        all_same &= same;
        table.row([
            name.to_string(),
            workers.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            fmt_ratio(runs[0].3.wall, m.wall),
            if same {
                "identical".into()
            } else {
                "DIFFERS".to_string()
            },
        ]);
    }
    print!("{table}");
    println!(
        "{} steps on {w} workers: {}; each step the shared grid needs a barrier, the messages carry {} KiB",
        args.steps,
        if all_same {
            "final grids identical to the sequential one, bit for bit"
        } else {
            "BUT THE FINAL GRIDS DIFFER"
        },
        w * 4 * n * 8 / 1024,
    );
    if all_same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
