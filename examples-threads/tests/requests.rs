//! `sequential_requests` and `threaded_requests`: the waits add up in sequence and overlap on
//! threads; both speak the JSON contract shared with `async_requests`; bad input is refused.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run};

const SEQUENTIAL: &str = env!("CARGO_BIN_EXE_sequential_requests");
const THREADED: &str = env!("CARGO_BIN_EXE_threaded_requests");

fn wall(args: &[&str], program: &str) -> (f64, serde_json::Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let r = run(program, &all);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let json = r.json();
    (json["wall_s"].as_f64().expect("wall_s"), json)
}

#[test]
fn json_rows_follow_the_contract() {
    for program in [SEQUENTIAL, THREADED] {
        let (_, json) = wall(&["--requests", "3", "--delay-ms", "50"], program);
        for field in [
            "approach",
            "requests",
            "delay_ms",
            "ok",
            "wall_s",
            "cpu_s",
            "peak_rss_kib",
        ] {
            assert!(json.get(field).is_some(), "{program}: no {field} in {json}");
        }
        assert_eq!(json["requests"], 3);
        assert_eq!(json["delay_ms"], 50);
        assert_eq!(json["ok"], 3);
    }
    assert_eq!(
        wall(&["--requests", "1", "--delay-ms", "0"], SEQUENTIAL).1["approach"],
        "sequential"
    );
    assert_eq!(
        wall(&["--requests", "1", "--delay-ms", "0"], THREADED).1["approach"],
        "threads"
    );
}

#[test]
fn threads_overlap_the_waits_that_sequential_code_adds_up() {
    let _t = common::timing_lock();
    let args = ["--requests", "6", "--delay-ms", "250"];
    let (sequential, _) = wall(&args, SEQUENTIAL);
    let (threaded, json) = wall(&args, THREADED);
    // Six waits of 250 ms cannot take less than 1.5 s one after another...
    assert!(sequential >= 1.5, "sequential took {sequential} s");
    // ...and on six threads they overlap: several times faster (ideal 6x).
    assert!(
        threaded * 3.0 < sequential,
        "threads {threaded} s vs sequential {sequential} s"
    );
    assert_eq!(json["workers"], 6);
}

#[test]
fn a_hundred_threads_wait_for_a_hundred_answers_at_once() {
    let _t = common::timing_lock();
    let (threaded, json) = wall(&["--requests", "100", "--delay-ms", "500"], THREADED);
    assert_eq!(json["ok"], 100);
    // In sequence: 50 s. The target is under 1 s; the test allows ten times the ideal.
    assert!((0.5..5.0).contains(&threaded), "{threaded} s");
}

#[test]
fn a_pool_runs_in_waves_of_its_size() {
    let _t = common::timing_lock();
    let (pooled, json) = wall(
        &["--requests", "12", "--delay-ms", "200", "--workers", "4"],
        THREADED,
    );
    assert_eq!(json["ok"], 12);
    assert_eq!(json["workers"], 4);
    // Three waves of 200 ms at least; far less than twelve in sequence (2.4 s).
    assert!((0.6..1.8).contains(&pooled), "{pooled} s");
}

#[test]
fn the_report_names_the_threads_and_the_ratio() {
    let r = run(
        THREADED,
        &["--requests", "3", "--delay-ms", "10", "--workers", "2"],
    );
    assert!(r.success());
    assert!(r.stdout.contains(" on    worker-"), "{}", r.stdout);
    assert!(
        r.line("3 requests of 10.0 ms on a pool of 2 threads")
            .contains("3 ok")
    );
    let r = run(SEQUENTIAL, &["--requests", "2", "--delay-ms", "10"]);
    assert!(
        r.line("2 requests of 10.0 ms one after another")
            .contains("2 ok")
    );
}

#[test]
fn bad_input_is_refused_and_failures_are_counted() {
    for program in [SEQUENTIAL, THREADED] {
        assert_refused(program, &["--requests", "0"]);
        assert_refused(program, &["--requests", "100000000"]);
        assert_refused(program, &["--delay-ms", "-5"]);
        assert_refused(program, &["--url", "ftp://example"]);
        // Nothing listens on port 1: every request fails, and the program says how many.
        let r = run(program, &["--requests", "2", "--url", "http://127.0.0.1:1"]);
        assert_eq!(r.code, Some(1));
        assert!(
            r.stderr.contains("error: 2 of 2 requests failed"),
            "{}",
            r.stderr
        );
    }
    assert_refused(THREADED, &["--workers", "0"]);
}
