//! `livelock`, `starvation` and `blocking_in_async`: progress problems without a deadlock,
//! each made certain, measured, and fixed.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run};

const LIVELOCK: &str = env!("CARGO_BIN_EXE_livelock");
const STARVATION: &str = env!("CARGO_BIN_EXE_starvation");
const BLOCKING_IN_ASYNC: &str = env!("CARGO_BIN_EXE_blocking_in_async");

#[test]
fn lockstep_politeness_makes_no_progress_and_random_backoff_does() {
    let r = run(LIVELOCK, &["--rounds", "50", "--backoff-us", "200"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.row("alice")[1..], ["0", "50"]);
    assert_eq!(r.row("bob")[1..], ["0", "50"]);
    assert!(
        r.line("livelock: 50 rounds")
            .contains("100 polite retreats, 0 transfers")
    );

    let r = run(LIVELOCK, &["--fix", "random-backoff", "--transfers", "300"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.row("alice")[1], "300");
    assert_eq!(r.row("bob")[1], "300");
    assert!(
        r.line("random back-off: 600 transfers")
            .ends_with("total 2000, as at the start")
    );
    assert_refused(LIVELOCK, &["--rounds", "0"]);
    assert_refused(LIVELOCK, &["--fix", "patience"]);
}

#[test]
fn a_stream_of_readers_starves_the_writer_until_the_lock_is_fair() {
    let _t = common::timing_lock();
    let r = run(
        STARVATION,
        &["--readers", "4", "--hold-ms", "2", "--duration-ms", "300"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let simple = r.row("reader-preferring (simple)");
    let fair = r.row("parking_lot RwLock (fair)");
    // Starved: the first write waits for most of the 300 ms of reading.
    assert!(ms(simple[3]) > 150.0, "{simple:?}");
    // Fair: a waiting writer stops new readers, so it waits about one read (2 ms).
    assert!(ms(fair[4]) * 10.0 < ms(simple[4]), "{fair:?} vs {simple:?}");
    let (simple_writes, fair_writes): (u32, u32) =
        (simple[2].parse().unwrap(), fair[2].parse().unwrap());
    assert!(
        fair_writes > simple_writes * 3,
        "{fair_writes} vs {simple_writes}"
    );
    assert_refused(STARVATION, &["--readers", "0"]);
    assert_refused(STARVATION, &["--duration-ms", "1"]);
}

#[test]
fn blocking_inside_async_freezes_the_heartbeat() {
    let _t = common::timing_lock();
    let r = run(
        BLOCKING_IN_ASYNC,
        &["--block-ms", "200", "--period-ms", "10"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for blocked in ["std::thread::sleep inside async", "CPU loop inside async"] {
        let row = r.row(blocked);
        assert!(ms(row[2]) >= 150.0, "{row:?}");
    }
    for fixed in ["spawn_blocking(sleep)", "spawn_blocking(CPU loop)"] {
        let row = r.row(fixed);
        // Wide margin for a noisy machine: a quarter of the 200 ms stall.
        assert!(ms(row[2]) < 50.0, "{row:?}");
        // About 26 ticks (200 ms of job + 60 ms around it, every 10 ms); the stalled runs get
        // about 7.
        assert!(row[1].parse::<u32>().unwrap() >= 15, "{row:?}");
    }
    assert_refused(BLOCKING_IN_ASYNC, &["--block-ms", "0"]);
    assert_refused(BLOCKING_IN_ASYNC, &["--period-ms", "0"]);
}
