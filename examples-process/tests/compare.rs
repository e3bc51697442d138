//! `compare`: every approach of the guide's table runs in its own process and reports; the
//! concurrent I/O approaches beat the sequential one; the charts are written.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run, timing_lock};

const COMPARE: &str = env!("CARGO_BIN_EXE_compare");

/// `cargo test --workspace` (the README's command) has built every sibling beside `compare`;
/// with only this crate's tests built, `compare` builds them itself.
fn build_flag() -> Vec<&'static str> {
    let dir = std::path::Path::new(COMPARE).parent().unwrap();
    let siblings = [
        "web_server",
        "async_requests",
        "sequential_requests",
        "threaded_requests",
        "parallel_cpu",
        "process_requests",
        "process_pool",
    ];
    if siblings.iter().all(|s| dir.join(s).exists()) {
        vec!["--no-build"]
    } else {
        vec![]
    }
}

#[test]
fn every_approach_reports_and_concurrency_beats_sequential_on_io() {
    let _t = timing_lock();
    let svg = tempfile::tempdir().unwrap();
    let svg_dir = svg.path().to_str().unwrap();
    let mut args = vec![
        "--requests",
        "4",
        "--delay-ms",
        "250",
        "--limit",
        "200000",
        "--workers",
        "2",
        "--json",
        "--svg",
        svg_dir,
    ];
    args.extend(build_flag());
    let r = run(COMPARE, &args);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let rows = r.json_lines();
    let names: Vec<(String, String)> = rows
        .iter()
        .map(|j| {
            (
                j["scenario"].as_str().unwrap().into(),
                j["approach"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("io", "sequential"),
        ("io", "tokio"),
        ("io", "smol"),
        ("io", "async-std"),
        ("io", "threads"),
        ("io", "processes"),
        ("cpu", "sequential"),
        ("cpu", "threads"),
        ("cpu", "rayon"),
        ("cpu", "processes"),
    ]
    .iter()
    .map(|(s, a)| (s.to_string(), a.to_string()))
    .collect();
    assert_eq!(names, expected);
    for j in &rows {
        assert!(j["wall_s"].as_f64().unwrap() > 0.0, "{j}");
        assert!(j["cpu_s"].as_f64().unwrap() >= 0.0, "{j}");
        assert!(j["peak_rss_kib"].as_u64().unwrap() > 0, "{j}");
    }
    // Four requests of 250 ms: about 1 s in turn, about 0.25 s at once, for every approach.
    let seq = rows[0]["wall_s"].as_f64().unwrap();
    assert!(seq >= 0.95, "{}", r.stdout);
    for j in &rows[1..6] {
        let wall = j["wall_s"].as_f64().unwrap();
        assert!(wall * 2.0 < seq, "{j} against sequential {seq}");
    }
    // One process per request holds more memory than one async client.
    assert!(rows[5]["peak_rss_kib"].as_u64() > rows[1]["peak_rss_kib"].as_u64());
    for chart in ["io.svg", "cpu.svg"] {
        let text = std::fs::read_to_string(svg.path().join(chart)).unwrap();
        assert!(
            text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
            "{chart}"
        );
        assert!(text.contains("<rect") && text.contains("tokio") == (chart == "io.svg"));
    }

    // The table: the guide's words beside the figures, and a verdict per scenario.
    let mut args = vec!["--requests", "2", "--delay-ms", "50", "--limit", "50000"];
    args.extend(build_flag());
    let r = run(COMPARE, &args);
    assert!(r.success(), "{}", r.stderr);
    assert!(r.stdout.contains("10 x 1 s = 10 s") && r.stdout.contains("Medium-High"));
    assert!(
        r.line("io: 2 requests of 50 ms")
            .contains("concurrent approaches")
    );
    assert!(r.line("cpu: primes below 50000").contains("memory from"));
    assert_refused(COMPARE, &["--requests", "0"]);
    assert_refused(COMPARE, &["--limit", "1"]);
}
