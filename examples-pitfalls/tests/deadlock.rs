//! `deadlock`: the demo deadlocks and is detected on every run; both fixes finish with the
//! money intact; bad flags are refused with status 2.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run};

const DEADLOCK: &str = env!("CARGO_BIN_EXE_deadlock");

#[test]
fn the_demo_deadlocks_and_is_detected_every_run() {
    for attempt in 1..=5 {
        let r = run(DEADLOCK, &[]);
        assert!(
            r.success(),
            "attempt {attempt}: status {:?}\n{}",
            r.code,
            r.stdout
        );
        assert!(
            r.stdout.contains("deadlock detected after"),
            "attempt {attempt}:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("found 2 threads waiting for each other"),
            "{}",
            r.stdout
        );
        // Before the report, each clerk said what it holds and what it asks for.
        for said in [
            "  alice: holds account A, asks for account B",
            "  bob: holds account B, asks for account A",
        ] {
            assert!(r.stdout.contains(said), "{said}\n{}", r.stdout);
        }
        // Both sides of the cycle, each naming the lock it holds, the one it wants, and who
        // holds that one.
        for side in [
            "thread \"alice\" holds account A and waits for account B, held by bob",
            "thread \"bob\" holds account B and waits for account A, held by alice",
        ] {
            assert!(r.stdout.contains(side), "{side}\n{}", r.stdout);
        }
    }
}

/// The figure after "retries" on the summary line.
fn retries(r: &common::Run) -> u64 {
    common::number_after(r.line("no deadlock:"), "retries ")
}

#[test]
fn lock_ordering_finishes_every_transfer() {
    let r = run(DEADLOCK, &["--fix", "ordering", "--transfers", "20000"]);
    assert!(r.success(), "{}", r.stdout);
    assert!(
        r.stdout.contains("no deadlock: 40000 transfers"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("total 2000"), "{}", r.stdout);
    // Ordered locks never give up: nothing to retry.
    assert_eq!(retries(&r), 0, "{}", r.stdout);
}

#[test]
fn timeouts_break_the_cycle_by_retrying() {
    let r = run(DEADLOCK, &["--fix", "timeout", "--transfers", "5000"]);
    assert!(r.success(), "{}", r.stdout);
    assert!(
        r.stdout.contains("no deadlock: 10000 transfers"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("total 2000"), "{}", r.stdout);
    // The barrier makes the first transfers collide: someone must have backed off.
    assert!(retries(&r) >= 1, "{}", r.stdout);
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
        assert_refused(DEADLOCK, args);
        let r = run(DEADLOCK, args);
        assert!(
            r.stdout.is_empty(),
            "{args:?} printed to stdout: {}",
            r.stdout
        );
    }
}
