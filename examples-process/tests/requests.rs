//! `process_requests`: worker processes wait for the network side by side; the memory is
//! reported both as every process's peak RSS added up and as PSS added up, which is smaller.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, run};

const PROCESS_REQUESTS: &str = env!("CARGO_BIN_EXE_process_requests");

/// Eight requests of 400 ms on `workers` worker processes, with the loopback server holding
/// the first `workers` requests until that many are in flight at once.
fn json_run(workers: u32) -> (serde_json::Value, Witness) {
    let w = Witness::new();
    let n = workers.to_string();
    let args = [
        "--requests",
        "8",
        "--delay-ms",
        "400",
        "--workers",
        &n,
        "--json",
    ];
    let r = w.run(PROCESS_REQUESTS, &args, Some(workers));
    (r.json(), w)
}

#[test]
fn workers_wait_side_by_side() {
    let (wide, wide_w) = json_run(8);
    let (narrow, narrow_w) = json_run(2);
    for j in [&wide, &narrow] {
        assert_eq!(j["approach"], "processes");
        assert_eq!(
            (j["requests"].as_u64(), j["ok"].as_u64()),
            (Some(8), Some(8)),
            "{j}"
        );
        assert_eq!(j["delay_ms"], 400);
    }
    // The memory totals cover the parent and every worker.
    assert_eq!(
        (wide["processes"].as_u64(), narrow["processes"].as_u64()),
        (Some(9), Some(3))
    );
    // Every worker process was alive at once, and the server saw as many requests waiting
    // side by side as there are workers: all eight, or two (each worker makes its requests
    // in turn, so never more than two).
    assert_eq!(wide_w.count("process-requests-8"), 8);
    assert_eq!(narrow_w.count("process-requests-2"), 2);
    assert_eq!(wide["peak_in_flight"], 8, "{wide}");
    assert_eq!(narrow["peak_in_flight"], 2, "{narrow}");
    // Each worker is a whole process: eight of them hold more memory than two, however it is
    // counted. Added up, peak RSS counts every shared page once per process; PSS splits them,
    // so it is smaller, and the workers' private pages are a part of it.
    let kib = |j: &serde_json::Value, field: &str| {
        j[field].as_u64().unwrap_or_else(|| panic!("{field}: {j}"))
    };
    for field in ["peak_rss_kib", "pss_kib", "workers_private_kib"] {
        assert!(
            kib(&wide, field) > kib(&narrow, field),
            "{field}: {wide} vs {narrow}"
        );
    }
    for j in [&wide, &narrow] {
        assert!(kib(j, "workers_private_kib") < kib(j, "pss_kib"), "{j}");
        assert!(kib(j, "pss_kib") < kib(j, "peak_rss_kib"), "{j}");
    }
    // "A few times the PSS": nine processes that share their code count it nine times.
    assert!(
        kib(&wide, "peak_rss_kib") > 2 * kib(&wide, "pss_kib"),
        "{wide}"
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
    // Each worker's share, counted in words: "1 request", never "1 request(s)".
    assert_eq!(
        r.stdout.matches(": 1 request, 1 OK").count(),
        3,
        "{}",
        r.stdout
    );
    let memory = r.line("memory of the 4 processes: ");
    assert!(memory.contains("adding up their PSS"), "{memory}");
    // Without a gate the peak depends on timing, but it can never pass the three workers.
    let peak = r.line("the server had at most ");
    let n: u32 = peak.split_whitespace().nth(5).unwrap().parse().unwrap();
    assert!((1..=3).contains(&n), "{peak}");
    assert_refused(PROCESS_REQUESTS, &["--requests", "0"]);
    assert_refused(PROCESS_REQUESTS, &["--workers", "0"]);
    // One request, or one worker: nothing waits side by side.
    assert_refused(PROCESS_REQUESTS, &["--requests", "1"]);
    assert_refused(PROCESS_REQUESTS, &["--workers", "1"]);
    // No delay: no wait for the workers to overlap.
    assert_refused(PROCESS_REQUESTS, &["--delay-ms", "0"]);
    // Five rounds of 5 s: past the cap of 20 s of waiting.
    assert_refused(
        PROCESS_REQUESTS,
        &["--requests", "10", "--workers", "2", "--delay-ms", "5000"],
    );
    assert_refused(PROCESS_REQUESTS, &["--url", "ftp://x"]);
    // A port that is not one is a bad argument, not a request to port 80.
    assert_refused(PROCESS_REQUESTS, &["--url", "http://127.0.0.1:99999"]);
    // Past the cap on processes; more workers than requests is not (one per request).
    assert_refused(
        PROCESS_REQUESTS,
        &["--requests", "1000", "--workers", "512"],
    );
}

/// A loopback server that answers every request `404 Not Found`, for as long as the test runs.
fn not_found_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    url
}

#[test]
fn failed_requests_exit_1_and_claim_no_speedup() {
    let url = not_found_server();
    let args = ["--url", &url, "--requests", "4", "--delay-ms", "1"];
    let r = run(PROCESS_REQUESTS, &args);
    common::assert_work_failed(&r, "error: 4 of 4 requests failed");
    let r = run(PROCESS_REQUESTS, &[&args[..], &["--json"]].concat());
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.json()["ok"], 0);
}
