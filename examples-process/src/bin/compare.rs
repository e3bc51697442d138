//! Compare: the guide's PERFORMANCE COMPARISON EXAMPLE, measured instead of guessed.
//!
//! The guide's table says 10 requests of 1 s take "10 seconds" in sequence and "~1 second"
//! with asyncio, threads or processes, with memory "Low", "Low-Medium", "Medium-High" and
//! "High". This program runs the real thing: it builds the sibling programs with cargo (and
//! says so), starts `web_server` in a process of its own, then runs every approach in a child
//! process of its own, so that each one's wall time, CPU time and peak memory are its own:
//! `sequential_requests`, `async_requests` on tokio, smol and async-std, `threaded_requests`
//! and `process_requests` for the I/O scenario; `parallel_cpu` (sequential, threads, rayon)
//! and `process_pool` for the CPU scenario, counting primes. Each child reports its figures as
//! one JSON object (`--json`), and the table puts them beside the guide's words. A second
//! table gives the cost of one unit, from `process_memory`: the time to spawn and join an
//! empty async task, thread and process, and the memory each holds while it waits.
//!
//! `--sweep` asks how each approach scales instead: the I/O scenario at 10, 100, 1,000 and
//! 10,000 requests in flight (`--points`), where an approach can reach them within 10 s (one
//! request at a time cannot; process_requests stops at 512 worker processes, and past that
//! its requests queue), and the CPU scenario on 1, 2, ... `--workers` workers. Each point is
//! a fresh child process; `--svg` draws both as line charts.
//!
//! Run:
//!   cargo run --release -p examples-process --bin compare
//!   cargo run --release -p examples-process --bin compare -- --requests 1000 --delay-ms 1000 --limit 10000000
//!   cargo run --release -p examples-process --bin compare -- --json
//!   cargo run --release -p examples-process --bin compare -- --svg charts
//!   cargo run --release -p examples-process --bin compare -- --sweep --svg charts
//!
//! You will see: `cargo build` of the siblings, then one row per approach: sequential about
//! 10 s, every concurrent approach about 1.0 s, memory from a few MiB (async) to tens of MiB
//! (one process per request); for the CPU scenario, threads, rayon and processes all close to
//! W times faster than sequential on W cores, which is where Rust parts from Python's GIL.
//! Then one unit: a process about 1 ms and a few MiB, a thread tens of microseconds and
//! about 10 KiB, a task a few hundred nanoseconds and under 1 KiB. With `--sweep`: the async
//! runtimes stay near one delay up to 10,000 requests, with memory growing by about 20 KiB a
//! request; threads cost more time and memory per request; processes run out of room first.
//!
//! Python: the guide's table, filled in with `time.perf_counter()` and `resource.getrusage`.
//!
//! Try this: `--requests 1000` (threads and processes start to cost memory, async does not);
//! `--workers 1` for the CPU scenario (no approach beats sequential on one worker);
//! `--sweep --points 100,1000,5000 --delay-ms 200` for a quicker sweep.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration, fmt_kib, fmt_kib_f64, fmt_ratio, print_json};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    about = "The guide's performance comparison, measured: every approach in its own process"
)]
struct Args {
    /// Requests in the I/O scenario.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    requests: u32,
    /// How long the server takes to answer each request, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
    /// The CPU scenario counts the primes below this.
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(2..=100_000_000))]
    limit: u64,
    /// Workers for the CPU scenario; default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Print one JSON object per row instead of the table.
    #[arg(long)]
    json: bool,
    /// Write SVG charts of the results into this folder.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Do not run cargo build first (the sibling programs must be beside this one).
    #[arg(long)]
    no_build: bool,
    /// Run the scaling sweeps instead: I/O at each of --points requests, CPU on 1..workers.
    #[arg(long)]
    sweep: bool,
    /// The request counts the I/O sweep visits.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000,10000",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    points: Vec<u32>,
}

/// What every sibling prints with `--json`, and what this program prints per row.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Row {
    #[serde(default)]
    scenario: String,
    approach: String,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_kib: u64,
    /// Requests made (I/O), workers used (CPU, threaded and process I/O), requests answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requests: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<u32>,
}

/// What `process_memory --json` prints per unit.
#[derive(Debug, Deserialize)]
struct UnitCost {
    #[serde(rename = "unit")]
    approach: String,
    spawn_join_s: f64,
    rss_kib: f64,
    pss_kib: Option<f64>,
}

/// The programs this one runs, by package.
const SIBLINGS: [(&str, &[&str]); 3] = [
    ("examples-async", &["web_server", "async_requests"]),
    (
        "examples-threads",
        &["sequential_requests", "threaded_requests", "parallel_cpu"],
    ),
    (
        "examples-process",
        &["process_requests", "process_pool", "process_memory"],
    ),
];

/// Builds the siblings with the same profile and target directory as this program.
fn build(dir: &Path) -> Result<(), String> {
    let release = dir.file_name().is_some_and(|n| n == "release");
    let target = dir.parent().ok_or("no target directory")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let mut cmd = Command::new(&cargo);
    cmd.arg("build").arg("--manifest-path").arg(&manifest);
    cmd.arg("--target-dir").arg(target);
    if release {
        cmd.arg("--release");
    }
    for (package, bins) in SIBLINGS {
        cmd.args(["-p", package]);
        for b in bins {
            cmd.args(["--bin", b]);
        }
    }
    eprintln!(
        "building the sibling programs: cargo build{} -p examples-async -p examples-threads -p examples-process ...",
        if release { " --release" } else { "" }
    );
    let status = cmd
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e} (or use --no-build)"))?;
    if !status.success() {
        return Err(format!("cargo build failed ({status})"));
    }
    Ok(())
}

/// `web_server` in its own process; stopped (and reaped) when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Result<Server, String> {
        let mut child = Command::new(dir.join("web_server"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start web_server: {e}"))?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let mut out = BufReader::new(out);
            let _ = out.read_line(&mut line);
            // Keep reading in the background so that the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        }
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        // From here on the server is stopped when dropped, whatever happens.
        let server = Server {
            child,
            url: url.clone().unwrap_or_default(),
        };
        match url {
            Some(_) => Ok(server),
            None => Err(format!("web_server said {line:?}")),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one sibling with `--json` and reads the object(s) it prints, one per line.
fn run_json<T: serde::de::DeserializeOwned>(
    dir: &Path,
    program: &str,
    args: &[String],
) -> Result<Vec<T>, String> {
    let out = Command::new(dir.join(program))
        .args(args)
        .arg("--json")
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{program} printed {l:?}: {e}")))
        .collect()
}

/// One approach: its name, the program that runs it, and that program's arguments.
type Plan = (&'static str, &'static str, Vec<String>);

/// Runs one approach and labels its row.
fn run_row(dir: &Path, scenario: &str, (approach, program, args): &Plan) -> Result<Row, String> {
    let mut rows: Vec<Row> = run_json(dir, program, args)?;
    let mut row = rows.pop().ok_or(format!("{program} printed nothing"))?;
    row.scenario = scenario.into();
    row.approach = approach.to_string();
    Ok(row)
}

/// process_requests starts at most this many worker processes; past it, requests queue.
const MAX_WORKER_PROCESSES: u32 = 512;

fn io_plan(requests: u32, delay_ms: u64, url: &str) -> Vec<Plan> {
    let common = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "--requests",
            &requests.to_string(),
            "--delay-ms",
            &delay_ms.to_string(),
            "--url",
            url,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // One worker process per request, up to process_requests' own limit.
    let n = requests.min(MAX_WORKER_PROCESSES).to_string();
    vec![
        ("sequential", "sequential_requests", common(&[])),
        ("tokio", "async_requests", common(&["--runtime", "tokio"])),
        ("smol", "async_requests", common(&["--runtime", "smol"])),
        (
            "async-std",
            "async_requests",
            common(&["--runtime", "async-std"]),
        ),
        ("threads", "threaded_requests", common(&[])),
        ("processes", "process_requests", common(&["--workers", &n])),
    ]
}

fn cpu_plan(limit: u64, workers: u32) -> Vec<Plan> {
    let args = |mode: &str| {
        let (limit, w) = (limit.to_string(), workers.to_string());
        ["--limit", &limit, "--workers", &w, "--mode", mode]
            .map(String::from)
            .to_vec()
    };
    vec![
        ("sequential", "parallel_cpu", args("sequential")),
        ("threads", "parallel_cpu", args("threads")),
        ("rayon", "parallel_cpu", args("rayon")),
        ("processes", "process_pool", args("processes")),
    ]
}

/// Runs every approach of one scenario, in turn, each in its own process.
fn run_scenario(dir: &Path, scenario: &str, plans: &[Plan]) -> Result<Vec<Row>, String> {
    plans
        .iter()
        .map(|p| {
            eprintln!("  {scenario}: {} ...", p.0);
            run_row(dir, scenario, p)
        })
        .collect()
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
            format!("primes below {} on {workers} workers", args.limit),
        ),
    ]
}

/// The cost of one unit: `process_memory` measures a process, a thread and a task the same
/// way (spawn and join an empty one, then hold 200 waiting).
fn unit_costs(dir: &Path) -> Result<Vec<UnitCost>, String> {
    eprintln!("  one unit: process_memory ...");
    run_json(dir, "process_memory", &["--count".into(), "200".into()])
}

/// The guide's own words for each row: (time, memory).
fn guide_says(scenario: &str, approach: &str) -> (&'static str, &'static str) {
    match (scenario, approach) {
        ("io", "sequential") => ("10 x 1 s = 10 s", "Low"),
        ("io", "tokio" | "smol" | "async-std") => ("~1 s (asyncio)", "Low-Medium"),
        ("io", "threads") => ("~1 s", "Medium-High"),
        ("io", "processes") => ("~1 s", "High"),
        ("cpu", "threads") => ("no faster (the GIL)", "-"),
        ("cpu", "processes") => ("true parallelism", "-"),
        ("unit", "process") => ("-", "High"),
        ("unit", "thread") => ("-", "Medium-High"),
        ("unit", "async task") => ("-", "Low"),
        _ => ("-", "-"),
    }
}

/// One figure of a row, for a chart.
type Metric = fn(&Row) -> f64;

/// One SVG per scenario: wall time and peak memory per approach, as bars.
fn write_svg(dir: &Path, scenario: &str, title: &str, rows: &[&Row]) -> Result<PathBuf, String> {
    use plotters::prelude::*;
    let path = dir.join(format!("{scenario}.svg"));
    let root = SVGBackend::new(&path, (960, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((1, 2));
    let metrics: [(&str, Metric); 2] = [
        ("wall time (s)", |r| r.wall_s),
        ("peak RSS (MiB)", |r| r.peak_rss_kib as f64 / 1024.0),
    ];
    for (panel, (label, value)) in panels.iter().zip(metrics) {
        let top = rows.iter().map(|r| value(r)).fold(0.0, f64::max) * 1.15 + 1e-9;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{title}: {label}"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..rows.len() as f64, 0.0..top)
            .map_err(|e| e.to_string())?;
        let names: Vec<String> = rows.iter().map(|r| r.approach.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(rows.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.26 {
                    names.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(label)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.15, 0.0), (x + 0.85, value(r))],
                    BLUE.mix(0.6).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(path.clone()) // the drawing areas still borrow `path` until they are dropped
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let dir = me
        .parent()
        .ok_or("no folder for this program")?
        .to_path_buf();
    if let Some(svg) = &args.svg {
        std::fs::create_dir_all(svg)
            .map_err(|e| format!("cannot create {}: {e}", svg.display()))?;
    }
    if !args.no_build {
        build(&dir)?;
    }
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
    if args.sweep {
        return sweep(&dir, args, workers);
    }
    let server = Server::start(&dir)?;
    eprintln!("web_server at {} (its own process)", server.url);
    let io = io_plan(args.requests, args.delay_ms, &server.url);
    let mut rows = run_scenario(&dir, "io", &io)?;
    drop(server);
    rows.extend(run_scenario(&dir, "cpu", &cpu_plan(args.limit, workers))?);

    if args.json {
        // The io and cpu rows only; `process_memory --json` prints the units' figures.
        rows.iter().for_each(print_json);
    } else {
        report(args, workers, &rows);
        report_units(&unit_costs(&dir)?);
    }
    if let Some(svg) = &args.svg {
        for (scenario, title) in scenarios(args, workers) {
            let these: Vec<&Row> = rows.iter().filter(|r| r.scenario == scenario).collect();
            let path = write_svg(svg, scenario, &title, &these)?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn report(args: &Args, workers: u32, rows: &[Row]) {
    let mut table = Table::new([
        "scenario",
        "approach",
        "guide: time",
        "guide: memory",
        "wall",
        "cpu",
        "peak RSS",
        "vs sequential",
    ]);
    for r in rows {
        let base = rows
            .iter()
            .find(|b| b.scenario == r.scenario && b.approach == "sequential")
            .map_or(r.wall_s, |b| b.wall_s);
        let (time, memory) = guide_says(&r.scenario, &r.approach);
        table.row([
            r.scenario.clone(),
            r.approach.clone(),
            time.into(),
            memory.into(),
            fmt_duration(Duration::from_secs_f64(r.wall_s)),
            fmt_duration(Duration::from_secs_f64(r.cpu_s)),
            fmt_kib(r.peak_rss_kib),
            fmt_ratio(
                Duration::from_secs_f64(base),
                Duration::from_secs_f64(r.wall_s),
            ),
        ]);
    }
    print!("{table}");
    for (scenario, what) in scenarios(args, workers) {
        let these: Vec<&Row> = rows.iter().filter(|r| r.scenario == scenario).collect();
        let Some(seq) = these.iter().find(|r| r.approach == "sequential") else {
            continue;
        };
        let others: Vec<&&Row> = these
            .iter()
            .filter(|r| r.approach != "sequential")
            .collect();
        let slowest = others.iter().map(|r| r.wall_s).fold(0.0, f64::max);
        let fastest = others
            .iter()
            .map(|r| r.wall_s)
            .fold(f64::INFINITY, f64::min);
        let lightest = others.iter().min_by_key(|r| r.peak_rss_kib);
        let heaviest = others.iter().max_by_key(|r| r.peak_rss_kib);
        println!(
            "{scenario}: {what}: sequential {}; concurrent approaches {} to {} ({:.1}x to {:.1}x); memory from {} ({}) to {} ({})",
            fmt_duration(Duration::from_secs_f64(seq.wall_s)),
            fmt_duration(Duration::from_secs_f64(fastest)),
            fmt_duration(Duration::from_secs_f64(slowest)),
            seq.wall_s / slowest,
            seq.wall_s / fastest,
            lightest.map_or(String::new(), |r| fmt_kib(r.peak_rss_kib)),
            lightest.map_or("", |r| r.approach.as_str()),
            heaviest.map_or(String::new(), |r| fmt_kib(r.peak_rss_kib)),
            heaviest.map_or("", |r| r.approach.as_str()),
        );
    }
}

/// The cost of one unit, beside the guide's word for its memory.
fn report_units(units: &[UnitCost]) {
    println!();
    let mut table = Table::new([
        "one unit",
        "guide: memory",
        "spawn + join",
        "RSS held",
        "own share (PSS)",
    ]);
    for u in units {
        table.row([
            u.approach.clone(),
            guide_says("unit", &u.approach).1.into(),
            fmt_duration(Duration::from_secs_f64(u.spawn_join_s)),
            fmt_kib_f64(u.rss_kib),
            u.pss_kib.map_or("-".into(), |p| fmt_kib(p.round() as u64)),
        ]);
    }
    print!("{table}");
    let [process, thread, task] =
        ["process", "thread", "async task"].map(|name| units.iter().find(|u| u.approach == name));
    if let (Some(p), Some(t), Some(a)) = (process, thread, task) {
        // A few tasks may not grow the heap by a page: keep the memory ratio finite.
        println!(
            "one unit: a process costs {:.0}x a thread's time to spawn and join and {:.0}x its memory; a thread {:.0}x a task's time and {:.0}x its memory",
            p.spawn_join_s / t.spawn_join_s,
            p.rss_kib / t.rss_kib.max(0.01),
            t.spawn_join_s / a.spawn_join_s,
            t.rss_kib / a.rss_kib.max(0.01),
        );
    }
}

/// Past this, a point of the I/O sweep is not run: it is the guide's own sequential example.
const CUTOFF: Duration = Duration::from_secs(10);

/// Why `approach` cannot have `n` requests in flight and finish within the cut-off, if so.
fn out_of_reach(approach: &str, n: u32, delay_ms: u64) -> Option<String> {
    let rounds = match approach {
        "sequential" => n,
        "processes" => n.div_ceil(MAX_WORKER_PROCESSES),
        _ => 1,
    };
    let total = Duration::from_millis(delay_ms) * rounds;
    if total <= CUTOFF {
        return None;
    }
    Some(match approach {
        "sequential" => format!(
            "one request at a time: {n} x {delay_ms} ms = {}, past the {} cut-off",
            fmt_duration(total),
            fmt_duration(CUTOFF)
        ),
        _ => format!(
            "at most {MAX_WORKER_PROCESSES} worker processes (each takes about 1 ms to start and \
             2.7 MiB resident), so {n} requests queue in {rounds} rounds of {delay_ms} ms = {}, \
             past the {} cut-off",
            fmt_duration(total),
            fmt_duration(CUTOFF)
        ),
    })
}

/// The scaling sweeps: every I/O approach at each request count it can reach, and every CPU
/// approach on 1..workers; a table of each, notes for what was not run, and line charts.
fn sweep(dir: &Path, args: &Args, workers: u32) -> Result<(), String> {
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let server = Server::start(dir)?;
    eprintln!("web_server at {} (its own process)", server.url);
    for &n in &args.points {
        for plan in io_plan(n, args.delay_ms, &server.url) {
            let approach = plan.0;
            if let Some(why) = out_of_reach(approach, n, args.delay_ms) {
                notes.push(format!("{approach} at {n} requests: not run: {why}"));
                continue;
            }
            eprintln!("  io sweep: {approach}, {n} requests ...");
            match run_row(dir, "io-sweep", &plan) {
                Ok(mut row) => {
                    row.requests = Some(n);
                    if approach == "processes" && n > MAX_WORKER_PROCESSES {
                        notes.push(format!(
                            "{approach} at {n} requests: {MAX_WORKER_PROCESSES} worker processes, \
                             so {} rounds of {} ms",
                            n.div_ceil(MAX_WORKER_PROCESSES),
                            args.delay_ms
                        ));
                    }
                    if let Some(ok) = row.ok.filter(|&ok| ok < n) {
                        notes.push(format!("{approach} at {n} requests: only {ok} answered OK"));
                    }
                    rows.push(row);
                }
                // A limit met on the way (open files, threads) is a finding, not a crash.
                Err(e) => notes.push(format!("{approach} at {n} requests: failed: {e}")),
            }
        }
    }
    drop(server);
    for w in 1..=workers {
        for plan in cpu_plan(args.limit, w) {
            if plan.0 == "sequential" && w > 1 {
                continue; // one worker whatever the count: measured once
            }
            eprintln!("  cpu sweep: {}, {w} workers ...", plan.0);
            let mut row = run_row(dir, "cpu-sweep", &plan)?;
            row.workers = Some(w);
            rows.push(row);
        }
    }

    if args.json {
        rows.iter().for_each(print_json);
        notes.iter().for_each(|n| eprintln!("note: {n}"));
    } else {
        report_sweep(args, workers, &rows, &notes);
    }
    if let Some(svg) = &args.svg {
        for path in write_sweep_charts(svg, args, &rows)? {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// One table: a row per approach, a column per point (`x`), `cell` for each measurement.
fn sweep_table(rows: &[&Row], x: fn(&Row) -> Option<u32>, cell: impl Fn(&Row) -> String) -> Table {
    let mut xs: Vec<u32> = rows.iter().filter_map(|r| x(r)).collect();
    xs.sort_unstable();
    xs.dedup();
    let mut approaches: Vec<&str> = Vec::new();
    for r in rows {
        if !approaches.contains(&r.approach.as_str()) {
            approaches.push(&r.approach);
        }
    }
    let mut head = vec!["approach".to_string()];
    head.extend(xs.iter().map(u32::to_string));
    let mut table = Table::new(head);
    for a in approaches {
        let mut line = vec![a.to_string()];
        for &point in &xs {
            let found = rows.iter().find(|r| r.approach == a && x(r) == Some(point));
            line.push(found.map_or("-".into(), |r| cell(r)));
        }
        table.row(line);
    }
    table
}

fn report_sweep(args: &Args, workers: u32, rows: &[Row], notes: &[String]) {
    let io: Vec<&Row> = rows.iter().filter(|r| r.scenario == "io-sweep").collect();
    let cpu: Vec<&Row> = rows.iter().filter(|r| r.scenario == "cpu-sweep").collect();
    let wall = |r: &Row| fmt_duration(Duration::from_secs_f64(r.wall_s));
    let rss = |r: &Row| fmt_kib(r.peak_rss_kib);
    println!(
        "I/O sweep, requests of {} ms in flight at once: wall time",
        args.delay_ms
    );
    print!("{}", sweep_table(&io, |r| r.requests, wall));
    println!("\nI/O sweep: peak RSS of the client (all its processes)");
    print!("{}", sweep_table(&io, |r| r.requests, rss));
    for n in notes {
        println!("  {n}");
    }
    let seq = cpu
        .iter()
        .find(|r| r.approach == "sequential")
        .map(|r| r.wall_s);
    let speedup = |r: &Row| match seq {
        Some(s) => format!("{} ({:.2}x)", wall(r), s / r.wall_s),
        None => wall(r),
    };
    println!(
        "\nCPU sweep, primes below {}, by workers: wall time (speedup over sequential)",
        args.limit
    );
    print!("{}", sweep_table(&cpu, |r| r.workers, speedup));
    println!("\nCPU sweep: peak RSS");
    print!("{}", sweep_table(&cpu, |r| r.workers, rss));

    if let Some(&top) = args.points.iter().max() {
        let at: Vec<String> = io
            .iter()
            .filter(|r| r.requests == Some(top))
            .map(|r| format!("{} {} in {}", r.approach, wall(r), rss(r)))
            .collect();
        println!(
            "io sweep: at {top} requests of {} ms: {}; whatever is missing could not reach it (see the notes)",
            args.delay_ms,
            at.join(", ")
        );
    }
    if let Some(s) = seq {
        let at: Vec<String> = cpu
            .iter()
            .filter(|r| r.workers == Some(workers) && r.approach != "sequential")
            .map(|r| format!("{} {:.2}x", r.approach, s / r.wall_s))
            .collect();
        println!(
            "cpu sweep: on {workers} workers, speedup over sequential: {} (the ideal is {workers}x)",
            at.join(", ")
        );
    }
}

/// A line chart: one line per approach, with a point per measurement. Log axes plot log10 of
/// the values on a linear axis and label them with the values themselves.
struct Panel {
    title: String,
    x_desc: &'static str,
    y_desc: &'static str,
    log_x: bool,
    log_y: bool,
    lines: Vec<(String, Vec<(f64, f64)>)>,
}

fn write_sweep_charts(dir: &Path, args: &Args, rows: &[Row]) -> Result<Vec<PathBuf>, String> {
    let lines = |scenario: &str, x: fn(&Row) -> Option<u32>, y: &dyn Fn(&Row) -> f64| {
        let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows.iter().filter(|r| r.scenario == scenario) {
            let Some(xv) = x(r) else { continue };
            let point = (f64::from(xv), y(r));
            match out.iter_mut().find(|(name, _)| *name == r.approach) {
                Some((_, points)) => points.push(point),
                None => out.push((r.approach.clone(), vec![point])),
            }
        }
        out
    };
    let mib = |r: &Row| r.peak_rss_kib as f64 / 1024.0;
    let io_path = dir.join("io-sweep.svg");
    write_lines(
        &io_path,
        &[
            Panel {
                title: format!("requests of {} ms at once: wall time", args.delay_ms),
                x_desc: "requests",
                y_desc: "seconds",
                log_x: true,
                log_y: true,
                lines: lines("io-sweep", |r| r.requests, &|r| r.wall_s),
            },
            Panel {
                title: "peak RSS of the client".into(),
                x_desc: "requests",
                y_desc: "MiB",
                log_x: true,
                log_y: true,
                lines: lines("io-sweep", |r| r.requests, &mib),
            },
        ],
    )?;
    let seq = rows
        .iter()
        .find(|r| r.scenario == "cpu-sweep" && r.approach == "sequential")
        .map_or(1.0, |r| r.wall_s);
    let mut speedups: Vec<_> = lines("cpu-sweep", |r| r.workers, &|r| seq / r.wall_s)
        .into_iter()
        .filter(|(name, _)| name != "sequential")
        .collect();
    let most = rows
        .iter()
        .filter(|r| r.scenario == "cpu-sweep")
        .filter_map(|r| r.workers)
        .max()
        .unwrap_or(1);
    speedups.push((
        "ideal".into(),
        (1..=most).map(|w| (f64::from(w), f64::from(w))).collect(),
    ));
    let cpu_path = dir.join("cpu-sweep.svg");
    write_lines(
        &cpu_path,
        &[
            Panel {
                title: format!("primes below {}: speedup", args.limit),
                x_desc: "workers",
                y_desc: "x sequential",
                log_x: false,
                log_y: false,
                lines: speedups,
            },
            Panel {
                title: "peak RSS".into(),
                x_desc: "workers",
                y_desc: "MiB",
                log_x: false,
                log_y: false,
                lines: lines("cpu-sweep", |r| r.workers, &mib),
            },
        ],
    )?;
    Ok(vec![io_path, cpu_path])
}

/// Every line's name, in the order of the palette.
const COLOURS: [&str; 8] = [
    "sequential",
    "tokio",
    "smol",
    "async-std",
    "threads",
    "rayon",
    "processes",
    "ideal",
];

fn write_lines(path: &Path, panels: &[Panel]) -> Result<(), String> {
    use plotters::prelude::*;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::new(path, (1100, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    for (area, p) in root.split_evenly((1, panels.len())).iter().zip(panels) {
        let to_axis = |log: bool, v: f64| if log { v.max(1e-6).log10() } else { v };
        let from_axis = |log: bool, v: f64| if log { 10f64.powf(v) } else { v };
        let points: Vec<(f64, f64)> = p.lines.iter().flat_map(|(_, pts)| pts.clone()).collect();
        let range = |log: bool, values: Vec<f64>| {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
            if log {
                (to_axis(true, lo) - 0.2)..(to_axis(true, hi) + 0.2)
            } else {
                (lo.min(0.0))..(hi * 1.15).max(lo + 1.0)
            }
        };
        let xr = range(p.log_x, points.iter().map(|q| q.0).collect());
        let yr = range(p.log_y, points.iter().map(|q| q.1).collect());
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, ("sans-serif", 16))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(xr, yr)
            .map_err(|x| e(&x))?;
        let label = |log: bool, v: f64| {
            let v = from_axis(log, v);
            if v >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        chart
            .configure_mesh()
            .x_desc(p.x_desc)
            .y_desc(p.y_desc)
            .x_label_formatter(&|x| label(p.log_x, *x))
            .y_label_formatter(&|y| label(p.log_y, *y))
            .draw()
            .map_err(|x| e(&x))?;
        for (name, pts) in &p.lines {
            // The same colour for an approach in every panel and chart.
            let i = COLOURS
                .iter()
                .position(|c| c == name)
                .unwrap_or(COLOURS.len());
            let color = Palette99::pick(i).to_rgba();
            let pts: Vec<(f64, f64)> = pts
                .iter()
                .map(|&(x, y)| (to_axis(p.log_x, x), to_axis(p.log_y, y)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|x| e(&x))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|&q| Circle::new(q, 3, color.filled())))
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}
