//! Behaving like a command-line tool, in one call at the top of `main`.
//!
//! - A closed stdout (`prog | head -1`) ends the program quietly, as `ls | head` does: Rust
//!   ignores SIGPIPE, so `println!` panics with "Broken pipe"; the panic hook below turns that
//!   one panic into the same clean stop as a signal, then dies of SIGPIPE (status 141 in a shell)
//!   with no panic text.
//! - Ctrl-C, SIGTERM and SIGHUP stop the program's children (each of them cleans up in turn),
//!   remove the temporary files and directories it registered here, and exit 128 + signal.
//!   Programs that drain work on a signal themselves (servers, `graceful_shutdown`) call
//!   [`setup_keep_signals`] and do their own.
//! - A child started by a program of this suite dies with its parent, even a parent killed
//!   with SIGKILL (Linux's parent-death signal), so a lesson never leaves stray processes.
//!
//! Why one shared module and not a crate: no kept crate does all three (signal-hook and ctrlc
//! deliver signals, tempfile removes on drop, which a signal skips), and 55 copies of these
//! lines would hide each lesson. A program copied out of the suite carries this file with it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Paths to remove when the program is stopped early. Holding the lock while creating a
/// temporary directory and while removing them all means a signal can never land between
/// "created" and "registered", nor let a new one be created after the sweep.
static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set once the program is stopping: later panics (threads whose output vanished) are silent.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// For programs with no shutdown of their own: quiet on a closed stdout, clean on a signal.
pub fn setup() {
    quiet_on_closed_stdout();
    die_with_parent();
    let signals = [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ];
    match signal_hook::iterator::Signals::new(signals) {
        Ok(mut signals) => {
            std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        stop(128 + signal);
                    }
                })
                .expect("cannot start the signal thread");
        }
        Err(e) => eprintln!("warning: cannot watch for Ctrl-C ({e}); it will not clean up"),
    }
}

/// For programs that handle SIGINT and SIGTERM themselves (to drain in-flight work): only the
/// closed-stdout and parent-death parts. Call [`stop`] at the end of their own shutdown if they
/// have children or registered files.
pub fn setup_keep_signals() {
    quiet_on_closed_stdout();
    die_with_parent();
}

/// A temporary directory that a signal or a closed stdout removes too (a `TempDir` alone is
/// removed only on drop, which `exit` and signals skip).
pub fn temp_dir() -> std::io::Result<tempfile::TempDir> {
    temp_dir_in(&std::env::temp_dir())
}

/// [`temp_dir`] in memory: on `/dev/shm` (tmpfs) where there is one, so that a file mapped
/// there is never written to disk; the temporary directory elsewhere.
pub fn temp_dir_in_memory() -> std::io::Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        temp_dir_in(shm)
    } else {
        temp_dir()
    }
}

/// [`temp_dir`] inside `base`.
pub fn temp_dir_in(base: &Path) -> std::io::Result<tempfile::TempDir> {
    let mut registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::Builder::new()
        .prefix(&prefix())
        .tempdir_in(base)?;
    registered.push(dir.path().to_path_buf());
    Ok(dir)
}

/// Temporary names start with the program's name (`.ipc-a1B2c3`), so that a stray one says
/// whose it is.
fn prefix() -> String {
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "program".into());
    format!(".{program}-")
}

/// Stops early: terminates the children (and waits for them to clean up their own), removes
/// every registered path, and exits with `code`. Never returns.
pub fn stop(code: i32) -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    silence_other_threads();
    // Held until exit: no thread can register (or create) a directory after the sweep.
    let registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    stop_children();
    for path in registered.iter() {
        remove(path);
    }
    if code == 128 + signal_hook::consts::SIGPIPE {
        // Die the way `ls | head` does, so a shell's `pipefail` sees the usual status.
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGPIPE);
    }
    std::process::exit(code)
}

/// A thread takes stdout's and stderr's locks and keeps them until exit, so other threads'
/// prints wait instead of reporting "error: cannot write" about files the sweep removed. A
/// write blocked on a full pipe holds a lock for ever: then wait at most a second for it.
fn silence_other_threads() {
    let (held, holding) = std::sync::mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("silence".into())
        .spawn(move || {
            let _out = std::io::stdout().lock();
            let _err = std::io::stderr().lock();
            let _ = held.send(());
            loop {
                std::thread::park();
            }
        });
    let _ = holding.recv_timeout(Duration::from_secs(1));
}

/// Removes `path`, retrying while other threads still add files in it (a file created during
/// the walk makes a directory "not empty"). Creating inside a removed directory fails, so
/// this ends, unless a thread recreates the directory itself: programs create subdirectories
/// of a registered one with `create_dir`, never `create_dir_all`.
fn remove(path: &Path) {
    for _ in 0..1000 {
        let result = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        match result {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
            _ => return,
        }
    }
}

fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        let closed = message.contains("Broken pipe") || message.contains("BrokenPipe");
        if closed && !STOPPING.load(Ordering::SeqCst) {
            stop(128 + signal_hook::consts::SIGPIPE);
        }
        if !STOPPING.load(Ordering::SeqCst) {
            default(info);
        }
    }));
}

/// A child of one of this suite's programs (its parent runs from the same directory) asks the
/// kernel for SIGTERM when that parent dies. Only then: a program started from a shell or a
/// test keeps running if they go away, as any command does.
fn die_with_parent() {
    let parent = std::os::unix::process::parent_id();
    let dir_of =
        |exe: std::io::Result<PathBuf>| exe.ok().and_then(|p| p.parent().map(Path::to_path_buf));
    let ours = dir_of(std::env::current_exe());
    let theirs = dir_of(std::fs::read_link(format!("/proc/{parent}/exe")));
    if ours.is_none() || ours != theirs {
        return;
    }
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGTERM);
    // The parent may have died before the request above: then nobody would ever send it.
    if std::os::unix::process::parent_id() != parent {
        std::process::exit(128 + signal_hook::consts::SIGTERM);
    }
}

/// SIGTERM to every living child, then up to 3 s for them to exit (they clean up their own
/// files and children), then SIGKILL for any that did not. Each is reaped as it ends, so none
/// is left a zombie for init to collect after this process is gone.
fn stop_children() {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut signal = Signal::SIGTERM;
    let mut sent = Vec::new();
    loop {
        for pid in &sent {
            let _ = waitpid(Pid::from_raw(*pid), Some(WaitPidFlag::WNOHANG));
        }
        let children = living_children();
        if children.is_empty() {
            return;
        }
        for pid in children {
            if !sent.contains(&pid) {
                sent.push(pid);
                let _ = kill(Pid::from_raw(pid), signal);
            } else if signal == Signal::SIGKILL {
                let _ = kill(Pid::from_raw(pid), signal);
            }
        }
        if Instant::now() > deadline {
            signal = Signal::SIGKILL;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Process ids whose parent is this process and that have not exited (a zombie has).
fn living_children() -> Vec<i32> {
    let me = std::process::id().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
            let (state, ppid) = (rest.next()?, rest.next()?);
            (ppid == me && state != "Z" && state != "X").then_some(pid)
        })
        .collect()
}

/// The suite's caps on what one run may use, checked before any work (DESIGN.md, "Behaving
/// like a command-line tool"). Generous for every lesson; far below what fills a laptop.
pub const DISK_CAP: u64 = 2 << 30;
/// Memory a run may plan to hold at once (buffers, images, rows, queued messages, task state).
pub const MEMORY_CAP: u64 = 2 << 30;
/// Threads alive at once.
pub const THREADS_CAP: u64 = 10_000;
/// Child processes alive at once.
pub const PROCESSES_CAP: u64 = 256;

/// Bad arguments found after parsing: one `error:` line and exit status 2, as clap does for
/// the ones it finds.
pub fn usage_error(message: impl std::fmt::Display) -> std::process::ExitCode {
    eprintln!("error: {message}");
    std::process::ExitCode::from(2)
}

/// The `--url` of a server to load: `http://HOST:PORT`, with an explicit port from 1 to 65535
/// and an optional path under which the server answers, returned without a trailing `/`. For
/// clap's `value_parser`: a malformed one is a bad argument (exit 2), not a request that
/// fails, or one that goes to port 80 instead.
pub fn parse_base_url(s: &str) -> Result<String, String> {
    let base = s.trim_end_matches('/');
    let port = base
        .strip_prefix("http://")
        .map(|rest| {
            rest.split_once('/')
                .map_or(rest, |(authority, _)| authority)
        })
        .and_then(|authority| authority.rsplit_once(':'))
        .filter(|(host, _)| !host.is_empty())
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .filter(|&port| port != 0);
    match port {
        Some(_) => Ok(base.to_string()),
        None => Err(format!(
            "expected http://HOST:PORT with a port from 1 to 65535, such as \
             http://127.0.0.1:3000 (plain HTTP on loopback), not {s:?}"
        )),
    }
}

/// Refuses (with [`usage_error`]) a run that needs more than `cap` bytes of `what`, naming the
/// flags to lower: `cli::cap_bytes("disk", files * size, cli::DISK_CAP, "--files or --kib")?`.
pub fn cap_bytes(
    what: &str,
    bytes: u128,
    cap: u64,
    lower: &str,
) -> Result<(), std::process::ExitCode> {
    // MiB up to 10 GiB, so that a run just past the cap never reads "2.0 GiB, past 2.0 GiB".
    let show = |n: u128| match n {
        n if n >= 10 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1 << 30)),
        n => format!("{} MiB", n.div_ceil(1 << 20)),
    };
    let needs = format!("{} of {what}", show(bytes));
    refuse_past(&needs, bytes, show(u128::from(cap)), cap, lower)
}

/// [`cap_bytes`] for counts: threads, processes, open files.
pub fn cap_count(
    what: &str,
    count: u128,
    cap: u64,
    lower: &str,
) -> Result<(), std::process::ExitCode> {
    refuse_past(
        &format!("{count} {what}"),
        count,
        cap.to_string(),
        cap,
        lower,
    )
}

/// The cap on run time, for work whose flags multiply (samples x steps x worker counts,
/// threads x increments x trials). `work` is the run's total in the program's own unit
/// ("points", "increments", "round trips"), `default` the default run's, and `cap` is set per
/// program so that the largest run accepted takes at most about two minutes in a release build
/// on two cores. Past the cap: refused (exit 2) before any work. Above ten times the default:
/// a note on stderr says, before it starts, how many times the default's units this run does.
pub fn cap_work(
    what: &str,
    work: u128,
    default: u128,
    cap: u128,
    lower: &str,
) -> Result<(), std::process::ExitCode> {
    cap_all(&[Work::new(what, work, default, cap, lower)]).map(|_noted| ())
}

/// One measure of a run's work, for [`cap_all`]; the fields are [`cap_work`]'s arguments.
pub struct Work<'a> {
    what: &'a str,
    work: u128,
    default: u128,
    cap: u128,
    lower: &'a str,
}

impl<'a> Work<'a> {
    pub fn new(what: &'a str, work: u128, default: u128, cap: u128, lower: &'a str) -> Self {
        Work {
            what,
            work,
            default,
            cap,
            lower,
        }
    }
}

/// [`cap_work`] for a program whose run has more than one measure (milliseconds of waiting and
/// trial divisions): every cap is checked before any note is printed, so that a run refused
/// on its second measure is not first told to expect a long wait. Ok(true): a note was printed
/// (a long run, for which a program may show progress).
pub fn cap_all(works: &[Work]) -> Result<bool, std::process::ExitCode> {
    // Exact figures in the refusal (a rounded multiple of the cap could read as the run's own);
    // the note's multiple is rounded to the nearest whole, and says "about".
    if let Some(w) = works.iter().find(|w| w.work > w.cap) {
        return Err(usage_error(format!(
            "this run needs {} {}, past the cap of {} (the default run needs {}): lower {}",
            grouped(w.work),
            w.what,
            grouped(w.cap),
            grouped(w.default),
            w.lower
        )));
    }
    let long = |w: &Work| w.work > 10 * w.default;
    for w in works.iter().filter(|w| long(w)) {
        let default = w.default.max(1);
        eprintln!(
            "note: this run does {} {}, about {} times as many as the default run: expect it \
             to take longer",
            grouped(w.work),
            w.what,
            grouped((w.work + default / 2) / default)
        );
    }
    Ok(works.iter().any(long))
}

/// The flags a refusal past `cap` tells the user to lower: each one that, lowered alone to its
/// least accepted value, brings the run under the cap (`at_least`: each flag with the run's
/// work at that least), "--threads or --trials"; when none does alone, "more than one of" them.
pub fn lower_which(cap: u128, at_least: &[(&str, u128)]) -> String {
    let fit: Vec<&str> = at_least
        .iter()
        .filter(|&&(_, work)| work <= cap)
        .map(|&(flag, _)| flag)
        .collect();
    if fit.is_empty() {
        let all: Vec<&str> = at_least.iter().map(|&(flag, _)| flag).collect();
        return format!("more than one of {}", listed(&all, "or"));
    }
    listed(&fit, "or")
}

/// "a", "a or b", "a, b or c".
fn listed(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., end] => format!("{} {last} {end}", init.join(", ")),
    }
}

/// 1234567 as "1,234,567".
fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Refuses `amount` past `cap`: "this run needs {needs}, past the cap of {cap_shown}".
fn refuse_past(
    needs: &str,
    amount: u128,
    cap_shown: String,
    cap: u64,
    lower: &str,
) -> Result<(), std::process::ExitCode> {
    if amount <= u128::from(cap) {
        return Ok(());
    }
    Err(usage_error(format!(
        "this run needs {needs}, past the cap of {cap_shown}: lower {lower}"
    )))
}

#[cfg(test)]
mod tests {
    use super::parse_base_url;

    #[test]
    fn a_url_needs_http_a_host_and_a_port() {
        for good in [
            "http://127.0.0.1:3000",
            "http://localhost:1/",
            "http://h:80/api",
        ] {
            assert!(parse_base_url(good).is_ok(), "{good}");
        }
        assert_eq!(
            parse_base_url("http://h:80/api/").unwrap(),
            "http://h:80/api"
        );
        for bad in [
            "http://h",
            "http://h:0",
            "http://h:99999",
            "http://h:abc",
            "http://:80",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
        assert!(parse_base_url("https://h:443").is_err());
    }

    #[test]
    fn work_is_refused_past_its_cap_and_grouped_by_thousands() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(1_000), "1,000");
        assert_eq!(super::grouped(12_345_678), "12,345,678");
        assert!(super::cap_work("points", 100, 100, 1_000, "--n").is_ok());
        assert!(super::cap_work("points", 1_000, 100, 1_000, "--n").is_ok());
        assert!(super::cap_work("points", 1_001, 100, 1_000, "--n").is_err());
        let flags = |a, b, c| super::lower_which(10, &[("--a", a), ("--b", b), ("--c", c)]);
        assert_eq!(flags(5, 50, 5), "--a or --c");
        assert_eq!(flags(5, 5, 5), "--a, --b or --c");
        assert_eq!(flags(50, 50, 50), "more than one of --a, --b or --c");
        let work = |work, cap| super::Work::new("points", work, 100, cap, "--n");
        // The second measure's refusal wins over the first one's note.
        assert!(super::cap_all(&[work(5_000, 10_000), work(2_000, 1_000)]).is_err());
        assert_eq!(
            super::cap_all(&[work(5_000, 10_000), work(1_000, 1_000)]),
            Ok(true)
        );
        assert_eq!(
            super::cap_all(&[work(1_000, 10_000), work(1_000, 1_000)]),
            Ok(false)
        );
    }
}
