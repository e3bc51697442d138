//! The programs `compare` runs: building them, starting `web_server`, running one approach
//! in a child process and reading its `--json` figures, and stopping them all on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

/// What every sibling prints with `--json`, and what this program prints per row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    #[serde(default)]
    pub scenario: String,
    /// `connection_memory` calls it `client`.
    #[serde(alias = "client")]
    pub approach: String,
    pub wall_s: f64,
    pub cpu_s: f64,
    pub peak_rss_kib: u64,
    /// Requests made (I/O), workers used (CPU, threaded and process I/O), requests answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<u32>,
}

/// The programs this one runs, by package.
const SIBLINGS: [(&str, &[&str]); 3] = [
    (
        "examples-async",
        &["web_server", "async_requests", "connection_memory"],
    ),
    (
        "examples-threads",
        &["sequential_requests", "threaded_requests", "parallel_cpu"],
    ),
    (
        "examples-process",
        &["process_requests", "process_pool", "process_memory"],
    ),
];

/// The process group of a `cargo build` in progress (0: none), so that a signal stops the
/// compilers it started too, not only cargo.
static BUILD_GROUP: AtomicU32 = AtomicU32::new(0);

/// Ctrl-C, SIGTERM and SIGHUP: stop the build's whole process group, then let
/// `shared::cli::stop` stop the other children (each cleans up its own) and exit.
pub fn stop_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        eprintln!("warning: cannot watch for Ctrl-C; it will not clean up");
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let group = BUILD_GROUP.load(Ordering::SeqCst);
            if group != 0 {
                // kill(1) with a negative id signals a whole process group.
                let _ = Command::new("kill")
                    .args(["-TERM", "--", &format!("-{group}")])
                    .status();
            }
            shared::cli::stop(128 + signal);
        }
    });
}

/// Builds the siblings with the same profile and target directory as this program.
pub fn build(dir: &Path) -> Result<(), String> {
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
    // Its own process group: the signal watcher above stops cargo and its compilers at once.
    let mut child = cmd
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {cargo}: {e} (or use --no-build)"))?;
    BUILD_GROUP.store(child.id(), Ordering::SeqCst);
    let status = child.wait();
    BUILD_GROUP.store(0, Ordering::SeqCst);
    let status = status.map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cargo build failed ({status})"));
    }
    Ok(())
}

/// `web_server` in its own process; stopped (and reaped) when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(dir: &Path) -> Result<Server, String> {
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

/// Why a sibling gave no figures: it refused its arguments (exit status 2: past a cap of
/// the suite) or it failed.
pub struct Failed {
    pub refused: bool,
    pub message: String,
}

impl From<String> for Failed {
    fn from(message: String) -> Failed {
        Failed {
            refused: false,
            message,
        }
    }
}

/// Runs one sibling with `--json` and reads the object(s) it prints, one per line.
pub fn run_json<T: serde::de::DeserializeOwned>(
    dir: &Path,
    program: &str,
    args: &[String],
) -> Result<Vec<T>, Failed> {
    let out = Command::new(dir.join(program))
        .args(args)
        .arg("--json")
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(Failed {
            refused: out.status.code() == Some(2),
            message: format!(
                "{program} {} ({}): {}",
                if out.status.code() == Some(2) {
                    "refused"
                } else {
                    "failed"
                },
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    let rows = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{program} printed {l:?}: {e}")))
        .collect::<Result<Vec<T>, String>>()?;
    Ok(rows)
}

/// One approach: its name, the program that runs it, and that program's arguments.
pub type Plan = (&'static str, &'static str, Vec<String>);

/// Runs one approach and labels its row.
pub fn run_row(
    dir: &Path,
    scenario: &str,
    (approach, program, args): &Plan,
) -> Result<Row, Failed> {
    let mut rows: Vec<Row> = run_json(dir, program, args)?;
    let mut row = rows.pop().ok_or(format!("{program} printed nothing"))?;
    row.scenario = scenario.into();
    row.approach = approach.to_string();
    Ok(row)
}

/// process_requests starts at most this many worker processes (the suite's cap on processes
/// alive at once); past it, its requests queue.
pub const MAX_WORKER_PROCESSES: u32 = shared::cli::PROCESSES_CAP as u32;

pub fn io_plan(requests: u32, delay_ms: u64, url: &str) -> Vec<Plan> {
    let common = |extra: &[&str]| -> Vec<String> {
        let (requests, delay) = (requests.to_string(), delay_ms.to_string());
        let mut v = ["--requests", &requests, "--delay-ms", &delay, "--url", url]
            .map(String::from)
            .to_vec();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // One worker process per request, up to the cap.
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
        // tokio with no HTTP library: a TcpStream, a 512-byte buffer and httparse.
        ("lean", "connection_memory", common(&["--client", "lean"])),
        ("threads", "threaded_requests", common(&[])),
        ("processes", "process_requests", common(&["--workers", &n])),
    ]
}

pub fn cpu_plan(limit: u64, workers: u32) -> Vec<Plan> {
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
