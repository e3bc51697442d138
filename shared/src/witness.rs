//! Deterministic witnesses for the tests: proof that a mechanism happened, never how fast.
//!
//! Timed ratios on two shared cores fail by chance, so the tests do not ask "was it faster?"
//! but "were the workers inside the parallel part at the same moment?". A program calls
//! [`arrive`] at the start of each piece of its parallel work. Unless the environment
//! variable `WITNESS_DIR` is set (the tests set it), that is one cached lookup and nothing
//! else. When it is set, `arrive(section, parties)` is a barrier that works across threads
//! *and* processes (children inherit the variable): it leaves a file in
//! `$WITNESS_DIR/section/` and waits until `parties` files are there. The first `parties`
//! arrivals therefore all wait until the last of them comes, which only another thread or
//! process can do: a sequential implementation never gets past the first, and after
//! `WITNESS_TIMEOUT_MS` (default 60 s) the watchdog says so and exits with status 3 instead
//! of hanging. Arrivals after the first `parties` pass at once. The test then reads
//! [`count`] (or the directory) and knows, for certain, that `parties` workers were inside.
//!
//! [`gate`] is the same idea for a server: the loopback fixture holds each request until
//! `WITNESS_GATE` requests have arrived, so that a test knows N requests were in flight at
//! once, rather than guessing it from a wall time.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where witness files go, when a test asked for them. An empty `WITNESS_DIR` (an `export
/// WITNESS_DIR=` left in a shell) counts as unset: it would scatter folders in the current
/// directory.
fn dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os("WITNESS_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
    })
    .as_ref()
}

/// How long a barrier waits before it declares that the work did not run in parallel.
pub fn timeout() -> Duration {
    let ms = std::env::var("WITNESS_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000);
    Duration::from_millis(ms)
}

/// Whether a test asked for witnesses (`WITNESS_DIR` is set).
pub fn enabled() -> bool {
    dir().is_some()
}

/// A barrier for `parties` workers entering `section`, across threads and processes; a no-op
/// unless `WITNESS_DIR` is set. See the module documentation.
pub fn arrive(section: &str, parties: usize) {
    let Some(root) = dir() else { return };
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let here = root.join(section);
    let me = format!(
        "{}-{:?}-{}",
        std::process::id(),
        std::thread::current().id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "");
    if std::fs::create_dir_all(&here)
        .and_then(|()| std::fs::write(here.join(me), b""))
        .is_err()
    {
        fail(section, &format!("cannot write in {}", here.display()));
    }
    let (start, limit) = (Instant::now(), timeout());
    loop {
        let inside = count_in(&here);
        if inside >= parties {
            return;
        }
        if start.elapsed() > limit {
            fail(
                section,
                &format!(
                    "{inside} of {parties} arrived in {:?}, so the {parties} were never all \
                     inside at once: this part did not run concurrently",
                    limit
                ),
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// How many arrivals `section` has seen under `root` (for the tests, after a run).
pub fn count(root: &std::path::Path, section: &str) -> usize {
    count_in(&root.join(section))
}

fn count_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.flatten().count())
}

fn fail(section: &str, why: &str) -> ! {
    if let Some(root) = dir() {
        let _ = std::fs::write(root.join(format!("{section}.failed")), why);
    }
    eprintln!("witness: {section}: {why}");
    std::process::exit(3);
}

/// How many requests a server should hold until they are all in flight at once
/// (`WITNESS_GATE`), or `None` when no test asked.
pub fn gate() -> Option<u64> {
    static GATE: OnceLock<Option<u64>> = OnceLock::new();
    *GATE.get_or_init(|| {
        std::env::var("WITNESS_GATE")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
    })
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    /// Runs this test binary's `child_*` function in a child with the witness variables set.
    fn child(name: &str, dir: &std::path::Path) -> std::process::Output {
        Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--ignored", "--nocapture"])
            .env("WITNESS_DIR", dir)
            .env("WITNESS_TIMEOUT_MS", "500")
            .output()
            .unwrap()
    }

    #[test]
    #[ignore = "run by parallel_arrivals_pass"]
    fn child_parallel() {
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| super::arrive("par", 3));
            }
        });
        // Past the first three, arrivals pass at once.
        super::arrive("par", 3);
    }

    #[test]
    #[ignore = "run by sequential_arrivals_fail"]
    fn child_sequential() {
        for _ in 0..3 {
            super::arrive("seq", 3);
        }
    }

    #[test]
    fn parallel_arrivals_pass() {
        let dir = tempfile_dir("par");
        let out = child("witness::tests::child_parallel", &dir);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(super::count(&dir, "par"), 4);
        assert!(!dir.join("par.failed").exists());
    }

    #[test]
    fn sequential_arrivals_fail() {
        let dir = tempfile_dir("seq");
        let out = child("witness::tests::child_sequential", &dir);
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        assert_eq!(super::count(&dir, "seq"), 1);
        let why = std::fs::read_to_string(dir.join("seq.failed")).unwrap();
        assert!(why.contains("1 of 3 arrived"), "{why}");
    }

    fn tempfile_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("witness-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
