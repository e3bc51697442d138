//! Every binary behaves like a command-line tool (DESIGN.md, "Behaving like a command-line
//! tool"), checked kind by kind over **every** program of a crate, not over a chosen few:
//!
//! - stdout closed before the first write: no panic text, an exit of 0 or SIGPIPE's;
//! - sizes past a cap, or where the lesson cannot show: exit 2 with one `error:` line, and
//!   nothing written;
//! - SIGINT and SIGTERM mid-run: nothing left in the temporary directory or `/dev/shm`;
//! - a server that is down (programs taking `--url`): exit 1, an `error` line, no speedup;
//! - after every run: no process left that the program started.
//!
//! Each run gets its own `TMPDIR` (empty afterwards, or the program leaked files) and a tag in
//! its environment, which every descendant inherits: a process still carrying the tag once the
//! program has ended is an orphan. Nothing here depends on how long anything takes: a signal
//! may land at any moment of a run, and the run must be clean whenever it lands.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How one program is exercised.
pub struct Program {
    pub name: &'static str,
    pub bin: &'static str,
    /// A short run (a few seconds at most in a debug build).
    pub small: &'static [&'static str],
    /// A run long enough (tens of seconds) to be interrupted in the middle; `&[]` for a
    /// program that ends at once whatever its arguments: nothing to interrupt.
    pub long: &'static [&'static str],
    /// Argument sets refused before any work: past a cap, or where the lesson cannot show.
    pub refused: &'static [&'static [&'static str]],
    /// The flag that points the program at a server, for the "server is down" check.
    pub url_flag: Option<&'static str>,
    /// A server: `--port` and a path answered 200; it must keep serving with stdout closed.
    pub serves: Option<&'static str>,
}

/// Runs never exceed this: a hang fails the test instead of blocking it.
const HANG: Duration = Duration::from_secs(120);
/// Longest wait for a program to show it has started its work before it is signalled.
const STARTED: Duration = Duration::from_secs(5);
/// Children get SIGTERM when their parent goes; they may take this long to clean up.
const ORPHANS_GONE: Duration = Duration::from_secs(15);

/// The same program never runs in two checks at once, so that its `/dev/shm` entries
/// (named after it) belong to one run.
static BUSY: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
static FREED: Condvar = Condvar::new();

struct Held(&'static str);

fn hold(name: &'static str) -> Held {
    let mut busy = BUSY.lock().unwrap_or_else(|e| e.into_inner());
    while busy.contains(&name) {
        busy = FREED.wait(busy).unwrap_or_else(|e| e.into_inner());
    }
    busy.push(name);
    Held(name)
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut busy = BUSY.lock().unwrap_or_else(|e| e.into_inner());
        busy.retain(|n| *n != self.0);
        FREED.notify_all();
    }
}

/// One run's private environment: its TMPDIR and its descendant tag.
struct Sandbox {
    tmp: tempfile::TempDir,
    tag: String,
    shm_before: Vec<String>,
    name: &'static str,
}

impl Sandbox {
    fn new(p: &Program) -> Sandbox {
        let tmp = tempfile::tempdir().expect("a temporary directory for the run");
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tag = format!("{}-{run}-{}", std::process::id(), p.name);
        Sandbox {
            tmp,
            tag,
            shm_before: shm_entries(p.name),
            name: p.name,
        }
    }

    fn command(&self, p: &Program, args: &[&str]) -> Command {
        let mut cmd = Command::new(p.bin);
        cmd.args(args)
            .env("TMPDIR", self.tmp.path())
            .env("ROBUST_TAG", &self.tag)
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    /// Asserts the run left nothing: no file in its TMPDIR, no new `/dev/shm` entry of the
    /// program, no process carrying its tag.
    fn assert_clean(&self, what: &str) {
        let deadline = Instant::now() + ORPHANS_GONE;
        let mut orphans = tagged(&self.tag);
        while !orphans.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            orphans = tagged(&self.tag);
        }
        let described: Vec<String> = orphans.iter().map(|pid| describe(*pid)).collect();
        for pid in &orphans {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        assert!(
            described.is_empty(),
            "{what}: processes left behind: {described:?}"
        );
        let left: Vec<_> = std::fs::read_dir(self.tmp.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(
            left.is_empty(),
            "{what}: left in the temporary directory: {left:?}"
        );
        let shm: Vec<_> = shm_entries(self.name)
            .into_iter()
            .filter(|e| !self.shm_before.contains(e))
            .collect();
        assert!(shm.is_empty(), "{what}: left in /dev/shm: {shm:?}");
    }
}

/// Entries of `/dev/shm` named after `program` (what `shared::cli::temp_dir_in` creates).
fn shm_entries(program: &str) -> Vec<String> {
    let prefix = format!(".{program}-");
    std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// Living processes whose environment carries `ROBUST_TAG=tag`.
fn tagged(tag: &str) -> Vec<u32> {
    let needle = format!("ROBUST_TAG={tag}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if state.starts_with('Z') || state.starts_with('X') {
            continue;
        }
        let env = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

fn describe(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    format!("{pid}: {cmdline}")
}

/// Waits for `child` to end, killing it (and failing) after [`HANG`].
fn wait(child: &mut Child, what: &str) -> (ExitStatus, String) {
    let deadline = Instant::now() + HANG;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return (status, reader.join().unwrap_or_default());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_no_panic(stderr: &str, what: &str) {
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    // A closed stdout ends a program quietly: no report of the failed write either.
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("os error 32"),
        "{what}: complained of the closed pipe:\n{stderr}"
    );
}

/// Checks that `programs` names every binary in `crate_dir/src/bin`, so that a new program
/// cannot skip these checks.
pub fn every_binary_is_listed(programs: &[Program], crate_dir: &str) {
    let mut bins: Vec<String> = std::fs::read_dir(Path::new(crate_dir).join("src/bin"))
        .expect("src/bin")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned).unwrap_or(name)
        })
        .collect();
    bins.sort();
    let mut listed: Vec<String> = programs.iter().map(|p| p.name.to_owned()).collect();
    listed.sort();
    assert_eq!(
        bins, listed,
        "tests/robust.rs must list every binary of the crate"
    );
}

/// Stdout is a pipe whose reader is gone before the program starts: every write fails.
pub fn closed_stdout(p: &Program) {
    let _held = hold(p.name);
    let what = format!("{} with stdout closed", p.name);
    let sandbox = Sandbox::new(p);
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    if let Some(path) = p.serves {
        return closed_stdout_server(p, &sandbox, writer, path);
    }
    let mut child = sandbox
        .command(p, p.small)
        .stdout(writer)
        .spawn()
        .expect("spawn");
    let (status, stderr) = wait(&mut child, &what);
    assert_no_panic(&stderr, &what);
    use std::os::unix::process::ExitStatusExt;
    let quiet = status.success() || status.signal() == Some(13) || status.code() == Some(141);
    assert!(quiet, "{what}: {status}\n{stderr}");
    sandbox.assert_clean(&what);
}

/// A server with its stdout closed keeps serving, and ends cleanly on SIGTERM.
fn closed_stdout_server(p: &Program, sandbox: &Sandbox, writer: std::io::PipeWriter, path: &str) {
    let what = format!("{} (a server) with stdout closed", p.name);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let port_text = port.to_string();
    let mut args: Vec<&str> = p.small.to_vec();
    args.extend(["--port", &port_text]);
    let mut child = sandbox
        .command(p, &args)
        .stdout(writer)
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + HANG;
    let answer = loop {
        if let Ok(answer) = get(port, path) {
            break answer;
        }
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "{what}: it exited"
        );
        assert!(Instant::now() < deadline, "{what}: never answered");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{what}: {answer}");
    // Still serving after it tried to print about that request.
    let again = get(port, path).unwrap_or_default();
    assert!(
        again.starts_with("HTTP/1.1 200"),
        "{what}: second request: {again}"
    );
    signal(&child, "TERM");
    let (_status, stderr) = wait(&mut child, &what);
    assert_no_panic(&stderr, &what);
    sandbox.assert_clean(&what);
}

fn get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(HANG))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{name}");
}

/// Past a cap, or too small for the lesson: exit 2, one `error:` line, nothing written.
pub fn refused(p: &Program) {
    let _held = hold(p.name);
    for args in p.refused {
        let what = format!("{} {args:?}", p.name);
        let sandbox = Sandbox::new(p);
        let mut child = sandbox
            .command(p, args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = child.stdout.take().expect("stdout");
        let (status, stderr) = wait(&mut child, &what);
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        assert_eq!(status.code(), Some(2), "{what}: {status}\n{out}{stderr}");
        let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "{what}: one error line expected:\n{stderr}");
        sandbox.assert_clean(&what);
    }
}

/// SIGINT, then SIGTERM, in the middle of a long run: the run ends without panic text and
/// leaves no file and no process.
pub fn interrupted(p: &Program) {
    if p.long.is_empty() {
        return;
    }
    let _held = hold(p.name);
    for name in ["INT", "TERM"] {
        let what = format!("{} {:?} after SIG{name}", p.name, p.long);
        let sandbox = Sandbox::new(p);
        let mut args: Vec<String> = p.long.iter().map(|s| s.to_string()).collect();
        let port;
        if p.serves.is_some() {
            port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            args.extend(["--port".into(), port.port().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = sandbox
            .command(p, &args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Mid-run: the first line of output, or files or children made, whichever comes first.
        let stdout = child.stdout.take().expect("stdout");
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if lines.next().is_some() {
                let _ = said.send(());
            }
            for _ in lines {}
        });
        let deadline = Instant::now() + STARTED;
        while Instant::now() < deadline
            && heard.try_recv().is_err()
            && tagged(&sandbox.tag).len() < 2
            && std::fs::read_dir(sandbox.tmp.path()).map_or(0, |d| d.count()) == 0
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "{what}: it had already ended: give it longer arguments"
        );
        signal(&child, name);
        let (_status, stderr) = wait(&mut child, &what);
        assert_no_panic(&stderr, &what);
        sandbox.assert_clean(&what);
    }
}

/// Pointed at a port where nothing listens: exit 1, an `error` line, no speedup claimed.
pub fn server_down(p: &Program) {
    let Some(flag) = p.url_flag else { return };
    let _held = hold(p.name);
    let what = format!("{} against a server that is down", p.name);
    let sandbox = Sandbox::new(p);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut args: Vec<&str> = p.small.to_vec();
    args.extend([flag, &url]);
    let mut child = sandbox
        .command(p, &args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let (status, stderr) = wait(&mut child, &what);
    let mut out = String::new();
    let _ = stdout.read_to_string(&mut out);
    assert_eq!(status.code(), Some(1), "{what}: {status}\n{out}{stderr}");
    assert!(stderr.contains("error"), "{what}: no error line:\n{stderr}");
    assert!(
        !out.contains("faster"),
        "{what}: a speedup for work not done:\n{out}"
    );
    assert_no_panic(&stderr, &what);
    sandbox.assert_clean(&what);
}

/// Runs `check` over every program at once, one thread each (most of a check is waiting for a
/// child), and fails with every program's failure, not only the first.
pub fn each(programs: &[Program], check: fn(&Program)) {
    let failures: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = programs
            .iter()
            .map(|p| (p.name, s.spawn(move || check(p))))
            .collect();
        runs.into_iter()
            .filter_map(|(name, run)| {
                let panic = run.join().err()?;
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Some(format!("{name}: {text}"))
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checks above as the tests of a crate's `tests/robust.rs`: `robust::checks!(PROGRAMS);`.
macro_rules! checks {
    ($programs:expr) => {
        #[test]
        fn every_binary_is_listed() {
            robust::every_binary_is_listed($programs, env!("CARGO_MANIFEST_DIR"));
        }

        #[test]
        fn closed_stdout() {
            robust::each($programs, robust::closed_stdout);
        }

        #[test]
        fn interrupted() {
            robust::each($programs, robust::interrupted);
        }

        #[test]
        fn refused() {
            robust::each($programs, robust::refused);
        }

        #[test]
        fn server_down() {
            robust::each($programs, robust::server_down);
        }
    };
}
pub(crate) use checks;
