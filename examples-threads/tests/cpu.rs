//! `parallel_cpu` and `no_gil`: the prime counts are right in every mode; under the simulated
//! GIL threads do not speed CPU work up, without it they do, and I/O speeds up either way.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run};

const PARALLEL_CPU: &str = env!("CARGO_BIN_EXE_parallel_cpu");
const NO_GIL: &str = env!("CARGO_BIN_EXE_no_gil");

#[test]
fn every_mode_counts_the_known_number_of_primes() {
    let r = run(
        PARALLEL_CPU,
        &["--limit", "200000", "--workers", "3", "--json"],
    );
    assert!(r.success(), "{}", r.stderr);
    let rows = r.json_lines();
    let approaches: Vec<&str> = rows
        .iter()
        .map(|j| j["approach"].as_str().unwrap())
        .collect();
    assert_eq!(approaches, ["sequential", "threads", "rayon"]);
    for row in &rows {
        for field in [
            "approach",
            "workers",
            "limit",
            "primes",
            "wall_s",
            "cpu_s",
            "peak_rss_kib",
        ] {
            assert!(row.get(field).is_some(), "no {field} in {row}");
        }
        assert_eq!(row["limit"], 200_000);
        assert_eq!(row["primes"], 17_984, "{row}");
    }
    assert_eq!(rows[0]["workers"], 1);
    assert_eq!(rows[1]["workers"], 3);
}

#[test]
fn the_report_checks_against_known_counts() {
    let r = run(PARALLEL_CPU, &["--limit", "100000", "--workers", "2"]);
    assert!(r.success(), "{}", r.stderr);
    assert!(
        r.line("primes below 100000: 9592, checked against the known count")
            .contains("rayon"),
        "{}",
        r.stdout
    );
    // A limit with no known count is still compared across the modes.
    let r = run(
        PARALLEL_CPU,
        &["--limit", "12345", "--mode", "threads", "--json"],
    );
    assert!(r.success());
    assert_eq!(r.json()["primes"], 1_474);
}

#[test]
fn parallel_cpu_refuses_bad_input() {
    assert_refused(PARALLEL_CPU, &["--limit", "0"]);
    assert_refused(PARALLEL_CPU, &["--limit", "1000000000000"]);
    assert_refused(PARALLEL_CPU, &["--workers", "0"]);
    assert_refused(PARALLEL_CPU, &["--mode", "processes"]);
}

/// speedup of (work, gil) at `threads`, from `no_gil --json`.
fn speedup(rows: &[serde_json::Value], work: &str, gil: bool, threads: u32) -> f64 {
    rows.iter()
        .find(|r| r["work"] == work && r["gil"] == gil && r["threads"] == threads)
        .and_then(|r| r["speedup"].as_f64())
        .unwrap_or_else(|| panic!("no {work} gil={gil} threads={threads} row"))
}

#[test]
fn the_gil_stops_cpu_speedup_but_not_io_speedup() {
    let _t = common::timing_lock();
    let args = [
        "--threads",
        "1,2",
        "--cpu-limit",
        "1500000",
        "--io-requests",
        "4",
        "--delay-ms",
        "150",
        "--json",
    ];
    let r = run(NO_GIL, &args);
    assert!(r.success(), "{}", r.stderr);
    let rows = r.json_lines();
    assert_eq!(rows.len(), 8, "2 works x 2 GIL modes x 2 thread counts");

    // Under the GIL, two threads take turns: no faster than one (some margin for noise).
    let cpu_gil = speedup(&rows, "cpu", true, 2);
    assert!(cpu_gil < 1.25, "CPU under the GIL sped up {cpu_gil}x");
    // Four requests on two threads: two waves instead of four, GIL or not (ideal 2x).
    for gil in [true, false] {
        let io = speedup(&rows, "io", gil, 2);
        assert!(io > 1.6, "I/O with gil={gil} sped up only {io}x");
    }
    // Without it, two threads use both cores (ideal 2x), when there are two to use.
    let cpu_free = speedup(&rows, "cpu", false, 2);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores >= 2 {
        assert!(
            cpu_free > 1.3 && cpu_free > cpu_gil * 1.2,
            "CPU without the GIL: {cpu_free}x, with it: {cpu_gil}x"
        );
    }
}

#[test]
fn gil_flag_alone_means_on_and_bad_input_is_refused() {
    let r = run(
        NO_GIL,
        &[
            "--gil",
            "--threads",
            "1",
            "--cpu-limit",
            "1000",
            "--io-requests",
            "1",
            "--delay-ms",
            "1",
            "--json",
        ],
    );
    assert!(r.success(), "{}", r.stderr);
    assert!(r.json_lines().iter().all(|row| row["gil"] == true));
    let r = run(
        NO_GIL,
        &[
            "--threads",
            "1,2",
            "--cpu-limit",
            "1000",
            "--io-requests",
            "2",
            "--delay-ms",
            "1",
        ],
    );
    assert!(
        r.line("threads").contains("cpu GIL") && r.stdout.contains("io no GIL"),
        "{}",
        r.stdout
    );
    assert_refused(NO_GIL, &["--threads", "0"]);
    assert_refused(NO_GIL, &["--threads", "1,x"]);
    assert_refused(NO_GIL, &["--gil", "maybe"]);
    assert_refused(NO_GIL, &["--io-requests", "0"]);
}
