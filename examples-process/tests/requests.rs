//! `process_requests`: worker processes wait for the network side by side, and the memory
//! reported adds up every worker's own.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run, timing_lock};

const PROCESS_REQUESTS: &str = env!("CARGO_BIN_EXE_process_requests");

fn json_run(requests: &str, workers: &str) -> serde_json::Value {
    let r = run(
        PROCESS_REQUESTS,
        &[
            "--requests",
            requests,
            "--delay-ms",
            "400",
            "--workers",
            workers,
            "--json",
        ],
    );
    assert!(r.success(), "{}", r.stderr);
    r.json()
}

#[test]
fn workers_wait_side_by_side() {
    let _t = timing_lock();
    let wide = json_run("8", "8");
    let narrow = json_run("8", "2");
    for j in [&wide, &narrow] {
        assert_eq!(j["approach"], "processes");
        assert_eq!(
            (j["requests"].as_u64(), j["ok"].as_u64()),
            (Some(8), Some(8)),
            "{j}"
        );
        assert_eq!(j["delay_ms"], 400);
    }
    let (wide_s, narrow_s) = (
        wide["wall_s"].as_f64().unwrap(),
        narrow["wall_s"].as_f64().unwrap(),
    );
    // Eight workers: one round of 400 ms. Two workers: four rounds, at least 1.6 s.
    assert!(narrow_s >= 1.6, "{narrow}");
    assert!(wide_s * 2.0 < narrow_s, "{wide} vs {narrow}");
    // Each worker is a whole process: eight of them hold more memory than two.
    assert!(
        wide["peak_rss_kib"].as_u64() > narrow["peak_rss_kib"].as_u64(),
        "{wide} vs {narrow}"
    );
}

#[test]
fn the_report_and_bad_input() {
    let r = run(
        PROCESS_REQUESTS,
        &["--requests", "3", "--delay-ms", "10", "--workers", "5"],
    );
    assert!(r.success(), "{}", r.stderr);
    // More workers than requests: one per request.
    assert_eq!(r.row("processes")[1..4], ["3", "3", "3"]);
    assert_eq!(r.stdout.matches("worker pid").count(), 3, "{}", r.stdout);
    assert_refused(PROCESS_REQUESTS, &["--requests", "0"]);
    assert_refused(PROCESS_REQUESTS, &["--workers", "0"]);
    assert_refused(PROCESS_REQUESTS, &["--url", "ftp://x"]);
}
