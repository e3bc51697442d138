//! `mutex_across_await`, `cancellation_safety`, `unbounded_queue`, `false_sharing`,
//! `oversubscription` and `compile_time_safety`: each trap shown, detected, and fixed.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, kib, run};

const MUTEX_ACROSS_AWAIT: &str = env!("CARGO_BIN_EXE_mutex_across_await");
const CANCELLATION_SAFETY: &str = env!("CARGO_BIN_EXE_cancellation_safety");
const UNBOUNDED_QUEUE: &str = env!("CARGO_BIN_EXE_unbounded_queue");
const FALSE_SHARING: &str = env!("CARGO_BIN_EXE_false_sharing");
const OVERSUBSCRIPTION: &str = env!("CARGO_BIN_EXE_oversubscription");
const COMPILE_TIME_SAFETY: &str = env!("CARGO_BIN_EXE_compile_time_safety");

#[test]
fn a_std_guard_across_await_deadlocks_and_the_fixes_finish() {
    let r = run(MUTEX_ACROSS_AWAIT, &["--timeout-ms", "500"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.row("std guard held across .await")[1].starts_with("deadlocked: no progress in 500.0 ms")
    );
    for fix in [
        "std guard dropped before .await",
        "tokio::sync::Mutex across .await",
    ] {
        let row = r.row(fix);
        assert!(row[1].starts_with("finished in"), "{row:?}");
        assert_eq!(row[2], "2", "{row:?}");
    }
    assert_refused(MUTEX_ACROSS_AWAIT, &["--timeout-ms", "5"]);
}

#[test]
fn select_drops_a_half_received_pair_and_the_buffer_does_not() {
    // The paused clock makes the outcome the same on every run: check it twice.
    let first = run(CANCELLATION_SAFETY, &["--messages", "40"]);
    let second = run(CANCELLATION_SAFETY, &["--messages", "40"]);
    assert!(first.success(), "{}{}", first.stdout, first.stderr);
    assert_eq!(
        first.stdout, second.stdout,
        "the paused clock makes runs identical"
    );
    let racy = first.row("recv_pair in select! (not cancel-safe)");
    let fixed = first.row("recv + buffer (cancel-safe)");
    assert!(racy[2].parse::<u32>().unwrap() > 0, "{racy:?}");
    assert_eq!(fixed[1..3], ["40", "0"]);
    assert_eq!(racy[3], fixed[3], "both consumers saw the same ticks");
    assert_refused(CANCELLATION_SAFETY, &["--messages", "1"]);
}

#[test]
fn an_unbounded_backlog_costs_memory_and_a_bounded_one_does_not() {
    let r = run(
        UNBOUNDED_QUEUE,
        &["--messages", "5000", "--kib", "8", "--capacity", "8"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let unbounded = r.row("unbounded");
    let bounded = r.row("bounded(8)");
    // Backpressure: the bounded backlog is its capacity plus the messages in hand.
    assert!(bounded[1].parse::<usize>().unwrap() <= 8 + 2, "{bounded:?}");
    assert!(
        unbounded[1].parse::<usize>().unwrap() > 100,
        "{unbounded:?}"
    );
    // The unbounded backlog is held in memory: at least a quarter of 5000 x 8 KiB more.
    assert!(
        kib(unbounded[2]) > kib(bounded[2]) + 10_000.0,
        "{unbounded:?} {bounded:?}"
    );
    assert_eq!(unbounded[4], bounded[4], "same checksum");
    assert_refused(UNBOUNDED_QUEUE, &["--capacity", "0"]);
    assert_refused(UNBOUNDED_QUEUE, &["--kib", "0"]);
}

#[test]
fn packed_and_padded_counters_count_the_same() {
    let r = run(FALSE_SHARING, &["--threads", "2", "--increments", "200000"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // The layouts are what the lesson says: neighbours 8 bytes apart, or a line apart.
    assert_eq!(r.row("packed (one cache line)")[1], "8");
    assert!(
        r.row("CachePadded (a line each)")[1]
            .parse::<usize>()
            .unwrap()
            >= 64
    );
    assert!(
        r.line("every counter reached 200000")
            .contains("slower from sharing a cache line")
    );
    // The slowdown itself is a benchmark figure (BENCHMARKS.md), not asserted here.
    assert_refused(FALSE_SHARING, &["--threads", "0"]);
}

#[test]
fn a_thousand_threads_count_the_same_primes_as_a_pool() {
    let r = run(OVERSUBSCRIPTION, &["--threads", "300", "--limit", "100000"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let pool = r.stdout.lines().find(|l| l.starts_with("pool of")).unwrap();
    assert!(pool.contains("9592"), "{pool}");
    assert_eq!(r.row("300 threads")[1], "9592");
    assert_refused(OVERSUBSCRIPTION, &["--threads", "0"]);
    assert_refused(OVERSUBSCRIPTION, &["--limit", "10"]);
}

#[test]
fn the_refused_races_are_shown_with_the_compilers_words() {
    let r = run(COMPILE_TIME_SAFETY, &[]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for headline in [
        "compiler: error[E0277]: `Rc<Vec<i32>>` cannot be sent between threads safely",
        "compiler: error[E0499]: cannot borrow `counter` as mutable more than once at a time",
        "compiler: error: future cannot be sent between threads safely",
    ] {
        assert!(r.stdout.contains(headline), "{headline}\n{}", r.stdout);
    }
    let full = run(COMPILE_TIME_SAFETY, &["--full"]);
    assert!(
        full.stdout
            .contains("the trait `Send` is not implemented for `std::sync::MutexGuard")
    );
    assert_refused(COMPILE_TIME_SAFETY, &["--fast"]);
}
