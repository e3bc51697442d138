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
//! one JSON object (`--json`), and the table puts them beside the guide's words.
//!
//! Run:
//!   cargo run --release -p examples-process --bin compare
//!   cargo run --release -p examples-process --bin compare -- --requests 1000 --delay-ms 1000 --limit 10000000
//!   cargo run --release -p examples-process --bin compare -- --json
//!   cargo run --release -p examples-process --bin compare -- --svg charts
//!
//! You will see: `cargo build` of the siblings, then one row per approach: sequential about
//! 10 s, every concurrent approach about 1.0 s, memory from a few MiB (async) to tens of MiB
//! (one process per request); for the CPU scenario, threads, rayon and processes all close to
//! W times faster than sequential on W cores, which is where Rust parts from Python's GIL.
//!
//! Python: the guide's table, filled in with `time.perf_counter()` and `resource.getrusage`.
//!
//! Try this: `--requests 1000` (threads and processes start to cost memory, async does not);
//! `--workers 1` for the CPU scenario (no approach beats sequential on one worker).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration, fmt_kib, fmt_ratio, print_json};
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
}

/// The programs this one runs, by package.
const SIBLINGS: [(&str, &[&str]); 3] = [
    ("examples-async", &["web_server", "async_requests"]),
    (
        "examples-threads",
        &["sequential_requests", "threaded_requests", "parallel_cpu"],
    ),
    ("examples-process", &["process_requests", "process_pool"]),
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

/// Runs one sibling with `--json` and reads the row(s) it prints.
fn run_json(dir: &Path, program: &str, args: &[String]) -> Result<Vec<Row>, String> {
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

fn io_scenario(dir: &Path, args: &Args, url: &str) -> Result<Vec<Row>, String> {
    let common = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "--requests",
            &args.requests.to_string(),
            "--delay-ms",
            &args.delay_ms.to_string(),
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
    let n = args.requests.min(512).to_string();
    let plan: [(&str, &str, Vec<String>); 6] = [
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
    ];
    let mut rows = Vec::new();
    for (approach, program, a) in plan {
        eprintln!("  io: {approach} ...");
        let mut r = run_json(dir, program, &a)?;
        let mut row = r.pop().ok_or(format!("{program} printed nothing"))?;
        row.scenario = "io".into();
        row.approach = approach.into();
        rows.push(row);
    }
    Ok(rows)
}

fn cpu_scenario(dir: &Path, args: &Args, workers: u32) -> Result<Vec<Row>, String> {
    let (limit, w) = (args.limit.to_string(), workers.to_string());
    let plan: [(&str, &str, &str); 4] = [
        ("sequential", "parallel_cpu", "sequential"),
        ("threads", "parallel_cpu", "threads"),
        ("rayon", "parallel_cpu", "rayon"),
        ("processes", "process_pool", "processes"),
    ];
    let mut rows = Vec::new();
    for (approach, program, mode) in plan {
        eprintln!("  cpu: {approach} ...");
        let a = ["--limit", &limit, "--workers", &w, "--mode", mode].map(String::from);
        let mut r = run_json(dir, program, &a)?;
        let mut row = r.pop().ok_or(format!("{program} printed nothing"))?;
        row.scenario = "cpu".into();
        row.approach = approach.into();
        rows.push(row);
    }
    Ok(rows)
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
    let server = Server::start(&dir)?;
    eprintln!("web_server at {} (its own process)", server.url);
    let mut rows = io_scenario(&dir, args, &server.url)?;
    drop(server);
    rows.extend(cpu_scenario(&dir, args, workers)?);

    if args.json {
        rows.iter().for_each(print_json);
    } else {
        report(args, workers, &rows);
    }
    if let Some(svg) = &args.svg {
        for (scenario, title) in [
            (
                "io",
                format!("{} requests of {} ms", args.requests, args.delay_ms),
            ),
            (
                "cpu",
                format!("primes below {} on {workers} workers", args.limit),
            ),
        ] {
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
    for (scenario, what) in [
        (
            "io",
            format!("{} requests of {} ms", args.requests, args.delay_ms),
        ),
        (
            "cpu",
            format!("primes below {} on {workers} workers", args.limit),
        ),
    ] {
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
