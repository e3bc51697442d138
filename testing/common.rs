//! Running a program as a user would, with a hard timeout: the helpers every example crate's
//! integration tests share. Each test file includes it with
//! `#[path = "../../testing/common.rs"] mod common;` (one file, no extra crate).
#![allow(dead_code)] // each test file uses a different part

use std::time::Duration;

use assert_cmd::Command;

/// Far above what any run here needs: a hang fails the test instead of blocking the suite.
pub const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The one JSON object a `--json` run prints.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{}", self.stdout))
    }

    /// Every line of a `--json` run that prints one object per line.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The cells of the table row that starts with `name` (cells are separated by two or more
    /// spaces, as `shared::Table` prints them).
    pub fn row(&self, name: &str) -> Vec<&str> {
        self.line(name)
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    /// The line that starts with `prefix`.
    pub fn line(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{}", self.stdout))
    }
}

/// The whole number that follows `marker` in `text` (`number_after("stole 12 tasks", "stole ")`
/// is 12): how the tests read a count out of a summary line.
pub fn number_after(text: &str, marker: &str) -> u64 {
    text.split(marker)
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {marker:?} in {text:?}"))
}

/// A duration cell as `shared::fmt_duration` prints it ("381.2 ms", "1.26 s"), in ms.
pub fn ms(cell: &str) -> f64 {
    let (value, unit) = cell
        .split_once(' ')
        .unwrap_or_else(|| panic!("not a duration: {cell:?}"));
    let value: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"));
    match unit {
        "s" => value * 1e3,
        "ms" => value,
        "us" => value / 1e3,
        "ns" => value / 1e6,
        _ => panic!("unit {unit} in {cell:?}"),
    }
}

/// A size cell as `shared::fmt_kib` prints it ("512 KiB", "77.9 MiB"), or a per-thread
/// figure such as "9.7 KiB", in KiB.
pub fn kib(cell: &str) -> f64 {
    let (value, unit) = cell
        .split_once(' ')
        .unwrap_or_else(|| panic!("not a size: {cell:?}"));
    let value: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell:?}"));
    match unit {
        "KiB" => value,
        "MiB" => value * 1024.0,
        "GiB" => value * 1024.0 * 1024.0,
        _ => panic!("unit {unit} in {cell:?}"),
    }
}

/// Runs `program` (a path from `env!("CARGO_BIN_EXE_...")`) with `args`.
pub fn run(program: &str, args: &[&str]) -> Run {
    run_env(program, args, &[])
}

/// [`run`] with extra environment variables, such as a [`Witness`]'s.
pub fn run_env(program: &str, args: &[&str], env: &[(&str, String)]) -> Run {
    let output = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("{program} does not start: {e}"));
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        run.code.is_some(),
        "{program} {args:?} was killed (timeout {TIMEOUT:?}?)\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// Asserts that a run whose work failed exits 1, says `error` on stderr, and claims no speedup
/// for the work it did not do.
pub fn assert_work_failed(r: &Run, error: &str) {
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(error), "{}", r.stderr);
    assert!(!r.stdout.contains("faster"), "{}", r.stdout);
}

/// Asserts that bad arguments get exit status 2 and exactly one `error:` line.
pub fn assert_refused(program: &str, args: &[&str]) -> Run {
    let r = run(program, args);
    assert_eq!(r.code, Some(2), "{args:?}\n{}{}", r.stdout, r.stderr);
    let errors = r.stderr.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{args:?}: {}", r.stderr);
    r
}

/// [`assert_refused`], and the refusal ends with `tail`: the advice it gives (the flags
/// `shared::cli::lower_which` names), so that a flag that cannot help is never named.
pub fn assert_refused_ending(program: &str, args: &[&str], tail: &str) {
    let r = assert_refused(program, args);
    assert!(
        r.stderr.ends_with(&format!("{tail}\n")),
        "{args:?}: {}",
        r.stderr
    );
}

/// A directory for `shared::witness` barriers: run a program with [`Witness::env`] and each
/// `witness::arrive(section, W)` in it becomes a barrier that W workers must reach at once (a
/// sequential program fails with exit status 3 instead of hanging). Removed when dropped.
pub struct Witness {
    pub dir: std::path::PathBuf,
}

impl Witness {
    pub fn new() -> Witness {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("witness-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Witness { dir }
    }

    /// `WITNESS_DIR`, plus `WITNESS_GATE=gate` when a server in the program should hold
    /// requests until `gate` are in flight at once.
    pub fn env(&self, gate: Option<u32>) -> Vec<(&'static str, String)> {
        let mut env = vec![("WITNESS_DIR", self.dir.display().to_string())];
        if let Some(n) = gate {
            env.push(("WITNESS_GATE", n.to_string()));
        }
        env
    }

    /// Runs `program` with this witness's variables and asserts that it succeeded and that no
    /// barrier timed out (a timed-out barrier is named first: it says which part was not
    /// concurrent).
    pub fn run(&self, program: &str, args: &[&str], gate: Option<u32>) -> Run {
        let r = run_env(program, args, &self.env(gate));
        assert_eq!(self.failures(), Vec::<String>::new(), "{}", r.stderr);
        assert!(r.success(), "{args:?}\n{}{}", r.stdout, r.stderr);
        r
    }

    /// How many arrivals `section` saw. The first W of them were inside at the same moment.
    pub fn count(&self, section: &str) -> usize {
        shared::witness::count(&self.dir, section)
    }

    /// The sections that timed out (a `SECTION.failed` file says why), for an assert message.
    pub fn failures(&self) -> Vec<String> {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".failed"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect()
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `shared::speedup_verdict` line agrees with `ratio`, the speedup that the times printed
/// beside it give (rounded for printing, hence the small tolerance): "shows" at `SHOWN` of the
/// ideal or more, "only" below. The figures themselves are never asserted.
pub fn assert_verdict(line: &str, ratio: f64, workers: u32) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let ideal = f64::from(workers.min(cores));
    let bar = shared::SHOWN * ideal;
    if line.contains("more than the") {
        // A slowed baseline (or a cache effect) is named, not credited to parallelism.
        assert!(ratio > 1.1 * ideal.max(1.0) - 0.05, "{ratio}: {line}");
    } else if ideal < 2.0 {
        assert!(line.contains("no speedup is possible"), "{line}");
    } else if line.contains("the parallel speedup shows") {
        assert!(ratio >= bar - 0.05, "{ratio}: {line}");
    } else {
        assert!(
            line.contains("only ") && ratio < bar + 0.05,
            "{ratio}: {line}"
        );
    }
}

/// A ratio cell as `shared::fmt_ratio` prints it (`1.9x`).
pub fn ratio(cell: &str) -> f64 {
    cell.trim_end_matches('x')
        .parse()
        .unwrap_or_else(|_| panic!("not a ratio: {cell:?}"))
}

/// A program running in the background (such as `web_server`, whose first line on stdout is
/// `listening on URL`, or one that prints a prompt before waiting for Ctrl-C). Its output is read by a thread so that it never blocks on a
/// full pipe; dropping a `Server` kills the process.
pub struct Server {
    child: std::process::Child,
    pub url: String,
    pub before: String,
    output: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `program` and reads its stdout up to its first line, which must be
    /// `listening on URL`.
    pub fn start(program: &str, args: &[&str]) -> Server {
        let server = Server::start_after(program, args, "listening on ");
        assert!(
            server.before.is_empty(),
            "first line was not `listening on`:\n{}",
            server.before
        );
        server
    }

    /// Starts `program` and reads its stdout up to the first line that starts with `ready`;
    /// `url` holds the rest of that line, `before` the lines before it.
    pub fn start_after(program: &str, args: &[&str], ready: &str) -> Server {
        Server::start_env(program, args, ready, &[])
    }

    /// [`Server::start_after`] with extra environment variables (a [`Witness`]'s).
    pub fn start_env(program: &str, args: &[&str], ready: &str, env: &[(&str, String)]) -> Server {
        use std::io::{BufRead, BufReader, Read};
        let mut child = std::process::Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} does not start: {e}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (mut before, mut line) = (String::new(), String::new());
        let url = loop {
            line.clear();
            let read = stdout.read_line(&mut line).unwrap();
            assert!(
                read > 0,
                "{program} ended before printing {ready:?}:\n{before}"
            );
            if let Some(rest) = line.trim().strip_prefix(ready) {
                break rest.to_string();
            }
            before.push_str(&line);
        };
        let output = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stdout.read_to_string(&mut rest);
            rest
        });
        Server {
            child,
            url,
            before,
            output: Some(output),
        }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends the signal named (`INT`, `TERM`) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (up to TIMEOUT) for the server to exit; its exit code and the rest of its stdout.
    pub fn finish(mut self) -> Run {
        let start = std::time::Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            assert!(start.elapsed() < TIMEOUT, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.output.take().unwrap().join().unwrap();
        Run {
            code,
            stdout,
            stderr: String::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Processes running `program`: after a program has ended, any left is an orphan it failed to
/// stop. A zombie counts while its parent lives (nobody reaped it), not once init has adopted
/// it (it is dead, and init reaps it when it gets round to it). Only meaningful when no other
/// test runs `program` at the time.
pub fn survivors(program: &str) -> Vec<u32> {
    let target = std::fs::canonicalize(program).unwrap_or_else(|_| program.into());
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // A zombie's exe link cannot be read; a zombie shows as state Z in stat.
        let exe = std::fs::read_link(entry.path().join("exe"));
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let mut after_name = stat.rsplit(')').next().unwrap_or("").split_whitespace();
        let (state, ppid) = (after_name.next(), after_name.next());
        let adopted_zombie = state == Some("Z") && ppid == Some("1");
        if exe.is_ok_and(|e| e == target)
            || (state == Some("Z")
                && !adopted_zombie
                && stat.contains(&format!("({})", short(&target))))
        {
            found.push(pid);
        }
    }
    found
}

/// The name the kernel keeps for a process: the file name, cut to 15 bytes.
fn short(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    name.chars().take(15).collect()
}
