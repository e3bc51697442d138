//! Data analysis: map-reduce over a CSV file split across worker processes, merged into the
//! same answer as one sequential pass.
//!
//! A sales data set is generated into a temporary file (seeded: the same file every run).
//! The file is cut into byte ranges, one per worker; each range is moved to a line boundary,
//! so that every line belongs to exactly one worker. Each worker (this program in worker
//! mode) parses its range with the `csv` crate and sends back partial aggregates. The merge
//! is where map-reduce gets subtle: sums and counts merge by adding, so a mean is computed
//! after the merge (sum / count), never averaged from the workers' means; and a top-k does
//! not merge from each worker's top-k (a product second everywhere can be first overall), so
//! workers send every product's total and k is taken at the end. Threads run the same
//! ranges for comparison.
//!
//! Run:
//!   cargo run --release -p examples-process --bin data_analysis
//!   cargo run --release -p examples-process --bin data_analysis -- --rows 5000000 --workers 4
//!
//! You will see: orders, quantity, revenue and mean price per region, the top products by
//! revenue, then sequential, processes and threads timed; the merged answers equal the
//! sequential one exactly (integer cents throughout).
//!
//! Python: `Pool.map(analyse_chunk, chunks)` then a reduce, or pandas `groupby().agg()` per
//! chunk; the guide's "data analysis" use case for multiprocessing.
//!
//! Try this: `--workers 8` on two cores (no faster than two, and the same answer; `--workers 1`
//! is refused: nothing to merge); `--top 20`;
//! compare the timing rows with `--rows 200000`, where starting the workers is a bigger share
//! of the time.
//!
//! Copy it out: `cargo xtask copy-out data_analysis DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, measure, record, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! csv = "1.3"
//! fastrand = "2"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod data;
mod processes;
mod report;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::measure;

/// Fewer rows leave the workers next to nothing each: no split and merge worth showing.
const MIN_ROWS: u64 = 1000;

#[derive(Parser, Debug)]
#[command(about = "Map-reduce over a generated CSV, split across processes, merged exactly")]
struct Args {
    /// Rows of generated sales data.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    rows: u64,
    /// Worker processes (and threads), 2 or more; default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// How many top products to list.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    top: u32,
    /// Internal: be a worker aggregating a byte range of this file.
    #[arg(long, hide = true, requires = "range")]
    worker: Option<PathBuf>,
    #[arg(long, hide = true, num_args = 2)] // internal: the worker's byte range, START END
    range: Option<Vec<u64>>,
}

/// One line of the data set, borrowing its text from the reader's record buffer.
#[derive(Deserialize)]
struct Sale<'a> {
    _order: u64,
    region: &'a str,
    product: u32,
    quantity: u32,
    price_cents: u64,
}

/// Per-region figures that merge by addition.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RegionTotals {
    orders: u64,
    quantity: u64,
    revenue_cents: u64,
    price_cents_sum: u64,
}

/// What one worker (or the sequential pass) finds: everything a merge needs, nothing derived.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Partial {
    regions: BTreeMap<String, RegionTotals>,
    product_revenue: HashMap<u32, u64>,
}

impl Partial {
    fn add(&mut self, s: &Sale) {
        let revenue = u64::from(s.quantity) * s.price_cents;
        if !self.regions.contains_key(s.region) {
            self.regions
                .insert(s.region.to_string(), RegionTotals::default());
        }
        let r = self.regions.get_mut(s.region).expect("inserted above");
        r.orders += 1;
        r.quantity += u64::from(s.quantity);
        r.revenue_cents += revenue;
        r.price_cents_sum += s.price_cents;
        *self.product_revenue.entry(s.product).or_default() += revenue;
    }

    /// The reduce step: add another worker's sums and counts into these.
    fn merge(&mut self, other: Partial) {
        for (name, t) in other.regions {
            let r = self.regions.entry(name).or_default();
            r.orders += t.orders;
            r.quantity += t.quantity;
            r.revenue_cents += t.revenue_cents;
            r.price_cents_sum += t.price_cents_sum;
        }
        for (product, revenue) in other.product_revenue {
            *self.product_revenue.entry(product).or_default() += revenue;
        }
    }

    /// Top k products by revenue, ties broken by product number, taken after the merge.
    fn top(&self, k: usize) -> Vec<(u32, u64)> {
        let mut all: Vec<(u32, u64)> = self.product_revenue.iter().map(|(&p, &r)| (p, r)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }
}

/// The first line start at or after `offset`: if the byte before `offset` is a newline, a
/// line starts right there; otherwise `offset` is inside a line, which belongs to whoever
/// holds its start, and the next line starts after its newline.
fn line_start(file: &mut BufReader<File>, offset: u64) -> std::io::Result<u64> {
    if offset == 0 {
        return Ok(0);
    }
    file.seek(SeekFrom::Start(offset - 1))?;
    let n = file.read_until(b'\n', &mut Vec::new())?;
    Ok(offset - 1 + n as u64)
}

/// Aggregates the lines that start in `[start, end)`, streaming them through the csv reader.
fn analyse_range(path: &Path, start: u64, end: u64) -> Result<Partial, String> {
    let mut file = BufReader::new(File::open(path).map_err(|e| e.to_string())?);
    let to = line_start(&mut file, end).map_err(|e| e.to_string())?;
    let from = line_start(&mut file, start).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| e.to_string())?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(file.take(to.saturating_sub(from)));
    let mut partial = Partial::default();
    // One record buffer, reused for every line: no allocation per row. A first version made a
    // String per row; its threads then gained nothing over one pass (1.0x, twice the CPU, in
    // the allocator), while its processes, each with their own heap, still got 1.5x.
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| e.to_string())?
    {
        let sale: Sale = record
            .deserialize(None)
            .map_err(|e| format!("bad line: {e}"))?;
        partial.add(&sale);
    }
    Ok(partial)
}

/// Byte ranges, one per worker, after the header line.
fn ranges(path: &Path, workers: u32) -> Result<Vec<(u64, u64)>, String> {
    let mut file = BufReader::new(File::open(path).map_err(|e| e.to_string())?);
    let mut header = Vec::new();
    let body_start = file
        .read_until(b'\n', &mut header)
        .map_err(|e| e.to_string())? as u64;
    let len = file.get_ref().metadata().map_err(|e| e.to_string())?.len();
    let body = len - body_start;
    let w = u64::from(workers);
    Ok((0..w)
        .map(|i| (body_start + body * i / w, body_start + body * (i + 1) / w))
        .collect())
}

fn on_threads(path: &Path, workers: u32) -> Result<Partial, String> {
    let ranges = ranges(path, workers)?;
    thread::scope(|s| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(a, b)| {
                s.spawn(move || {
                    shared::witness::arrive(&format!("threads-{workers}"), workers as usize); // test witness: all workers inside at once
                    analyse_range(path, a, b)
                })
            })
            .collect();
        let mut total = Partial::default();
        // All joined before any is looked at: an unjoined panicked thread panics the scope.
        for j in handles.into_iter().map(|h| h.join()).collect::<Vec<_>>() {
            total.merge(j.map_err(|_| "a thread panicked")??);
        }
        Ok(total)
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let (Some(path), Some(r)) = (&args.worker, &args.range) {
        // test witness {: all worker processes inside at once
        let w = args.workers.unwrap_or(1);
        shared::witness::arrive(&format!("processes-{w}"), w as usize);
        // test witness }
        return processes::worker(path, r[0], r[1]);
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let workers = args.workers.unwrap_or(cores);
    if args.rows < MIN_ROWS {
        return shared::cli::usage_error(format!(
            "--rows {} is too few to be worth splitting: below {MIN_ROWS} rows the workers \
             would each parse a few hundred at most, and their start-up would be all the timings \
             show: use {MIN_ROWS} or more",
            args.rows
        ));
    }
    if args.workers == Some(1) {
        return shared::cli::usage_error(
            "--workers 1 gives the whole file to one worker: nothing to merge and no speedup \
             possible: use 2 or more",
        );
    }
    // Before writing anything: the file's size at most (workers stream it; memory is small).
    // Run time: generating the file and three passes over it, about 0.5 to 1.8 us a row here
    // (69,300,000 rows took 35 to 125 s), and a worker's start (a process and a thread, about
    // 2 ms) counted as 2,000 rows. The cap: about a minute (the default: 1,000,000 rows, a
    // worker per core).
    let disk = u128::from(args.rows) * data::max_line_bytes(args.rows);
    let rows_of = |rows: u64, workers: u32| u128::from(rows) + 2_000 * u128::from(workers);
    let (work, default) = (rows_of(args.rows, workers), rows_of(1_000_000, cores));
    let what = "rows (each worker's start counted as 2,000)";
    if let Err(refused) = shared::cli::cap_bytes("disk", disk, shared::cli::DISK_CAP, "--rows")
        .and_then(|()| shared::cli::cap_work(what, work, default, 40_000_000, "--rows"))
    {
        return refused;
    }
    let (_dir, path) = match data::prepare(args.rows) {
        Ok(made) => made,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runs: Vec<_> = [
        ("sequential", 1),
        ("processes", workers),
        ("threads", workers),
    ]
    .into_iter()
    .map(|(name, w)| {
        eprintln!("  {name} ..."); // progress: the report comes once all have run
        let m = measure(|| match name {
            // The sequential pass: the whole body of the file as one range.
            "sequential" => ranges(&path, 1).and_then(|r| analyse_range(&path, r[0].0, r[0].1)),
            "processes" => processes::on_processes(&path, workers),
            _ => on_threads(&path, workers),
        });
        (name, w, m)
    })
    .collect();
    let mut answers = Vec::new();
    for (name, _, (result, _)) in &runs {
        match result {
            Ok(p) => answers.push(p),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let timings: Vec<_> = runs
        .iter()
        .map(|(name, w, (_, m))| (*name, *w, *m))
        .collect();
    report::report(&answers, &timings, args.top as usize, args.rows, workers)
}
