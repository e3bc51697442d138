//! `deadlock`: the demo deadlocks and is detected on every run; both fixes finish with the
//! money intact; bad flags are refused with status 2.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

/// Far above what a run needs (the demo gives up by itself after 1.5 s): a hang fails the
/// test instead of blocking the suite.
const TIMEOUT: Duration = Duration::from_secs(30);

fn run(args: &[&str]) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_deadlock"))
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .expect("deadlock starts");
    assert!(
        output.status.code().is_some(),
        "deadlock {args:?} did not end within {TIMEOUT:?} and was killed"
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

#[test]
fn the_demo_deadlocks_and_is_detected_every_run() {
    for attempt in 1..=5 {
        let (output, stdout) = run(&[]);
        assert!(
            output.status.success(),
            "attempt {attempt}: status {:?}\n{stdout}",
            output.status
        );
        assert!(
            stdout.contains("deadlock detected after"),
            "attempt {attempt}:\n{stdout}"
        );
        assert!(
            stdout.contains("found 2 threads waiting for each other"),
            "{stdout}"
        );
        // Both sides of the cycle, each naming the lock it holds, the one it wants, and who
        // holds that one.
        assert!(
            stdout
                .contains("thread \"alice\" holds account A and waits for account B, held by bob"),
            "{stdout}"
        );
        assert!(
            stdout
                .contains("thread \"bob\" holds account B and waits for account A, held by alice"),
            "{stdout}"
        );
    }
}

/// The figures after "retries" on the summary line.
fn retries(stdout: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("no deadlock:"))
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
    let after = line
        .split("retries ")
        .nth(1)
        .expect("retries on the summary");
    after
        .split(',')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read retries from {line:?}"))
}

#[test]
fn lock_ordering_finishes_every_transfer() {
    let (output, stdout) = run(&["--fix", "ordering", "--transfers", "20000"]);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("no deadlock: 40000 transfers"), "{stdout}");
    assert!(stdout.contains("total 2000"), "{stdout}");
    // Ordered locks never give up: nothing to retry.
    assert_eq!(retries(&stdout), 0, "{stdout}");
}

#[test]
fn timeouts_break_the_cycle_by_retrying() {
    let (output, stdout) = run(&["--fix", "timeout", "--transfers", "5000"]);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("no deadlock: 10000 transfers"), "{stdout}");
    assert!(stdout.contains("total 2000"), "{stdout}");
    // The barrier makes the first transfers collide: someone must have backed off.
    assert!(retries(&stdout) >= 1, "{stdout}");
}

#[test]
fn bad_flags_are_one_error_and_status_2() {
    for args in [
        &["--fix", "bogus"][..],
        &["--transfers", "0"],
        &["--transfers", "99999999999"],
        &["--lock-timeout-ms", "0"],
        &["--no-such-flag"],
    ] {
        let (output, stdout) = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout.is_empty(), "{args:?} printed to stdout: {stdout}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{args:?}: {stderr}"
        );
    }
}
