//! `start_simple`: the profile names the dominant stage, and concurrency there gives the larger
//! speedup; on the other stage it gives next to nothing.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, timing_lock};

const START_SIMPLE: &str = env!("CARGO_BIN_EXE_start_simple");

fn speedups(r: &common::Run) -> (f64, f64) {
    let total = |prefix: &str| ms(r.row(prefix)[3]);
    let v1 = total("1: sequential");
    (v1 / total("2: "), v1 / total("3: "))
}

#[test]
fn concurrency_pays_on_the_dominant_stage() {
    let _t = timing_lock();
    // Fetching dominates: 8 pages of 150 ms against a few ms of primes each.
    let r = run(
        START_SIMPLE,
        &["--pages", "8", "--delay-ms", "150", "--work", "20000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.line("profile of version 1")
            .ends_with("fetching dominates"),
        "{}",
        r.stdout
    );
    assert!(r.line("2: ").contains("concurrent fetching"));
    let (dominant, other) = speedups(&r);
    assert!(dominant > 3.0 && dominant > 2.0 * other, "{}", r.stdout);
    assert!(r.stdout.contains("same answer each way"));

    // Computing dominates: no delay to speak of, heavy primes; the program turns around.
    let r = run(
        START_SIMPLE,
        &["--pages", "4", "--delay-ms", "1", "--work", "300000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.line("profile of version 1")
            .ends_with("computing dominates"),
        "{}",
        r.stdout
    );
    assert!(r.line("2: ").contains("parallel computing"));
    let (dominant, other) = speedups(&r);
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        assert!(dominant > 1.3 && dominant > other, "{}", r.stdout);
    }
    assert_refused(START_SIMPLE, &["--pages", "0"]);
    assert_refused(START_SIMPLE, &["--work", "1"]);
}
