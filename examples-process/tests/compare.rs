//! `compare`: every approach of the guide's table runs in its own process and reports; the
//! concurrent I/O approaches beat the sequential one; the charts are written.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, kib, ms, run, timing_lock};

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
    // The cost of one unit: a process costs more to spawn and join, and holds more, than a
    // thread, and a thread more than a task; the gaps are tens of times wide.
    let (p, t, a) = (r.row("process"), r.row("thread"), r.row("async task"));
    assert_eq!((p[1], t[1], a[1]), ("High", "Medium-High", "Low"));
    assert!(
        ms(p[2]) > 3.0 * ms(t[2]) && ms(t[2]) > 3.0 * ms(a[2]),
        "{p:?} {t:?} {a:?}"
    );
    assert!(
        kib(p[3]) > 3.0 * kib(t[3]) && kib(t[3]) > 3.0 * kib(a[3]),
        "{p:?} {t:?} {a:?}"
    );
    assert!(r.line("one unit:").contains("a thread"));
    assert_refused(COMPARE, &["--requests", "0"]);
    assert_refused(COMPARE, &["--limit", "1"]);
}

#[test]
fn the_sweep_visits_every_point_each_approach_can_reach_and_charts_it() {
    let _t = timing_lock();
    let svg = tempfile::tempdir().unwrap();
    let svg_dir = svg.path().to_str().unwrap();
    // 600 requests of 20 ms: 12 s one at a time, past the 10 s cut-off; 512 worker
    // processes at most, so two rounds for processes.
    let mut args = vec![
        "--sweep",
        "--points",
        "2,600",
        "--delay-ms",
        "20",
        "--limit",
        "100000",
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
    let point = |scenario: &str, field: &str, n: u64| -> Vec<serde_json::Value> {
        rows.iter()
            .filter(|j| j["scenario"] == scenario && j[field].as_u64() == Some(n))
            .cloned()
            .collect()
    };
    let names = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|j| j["approach"].as_str().unwrap().into())
            .collect()
    };
    let io = [
        "sequential",
        "tokio",
        "smol",
        "async-std",
        "threads",
        "processes",
    ];
    assert_eq!(names(&point("io-sweep", "requests", 2)), io);
    let at_600 = point("io-sweep", "requests", 600);
    assert_eq!(names(&at_600), io[1..]);
    assert!(
        r.stderr.contains("sequential at 600 requests: not run"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("512 worker processes, so 2 rounds"),
        "{}",
        r.stderr
    );
    for j in point("io-sweep", "requests", 2).iter().chain(&at_600) {
        assert_eq!(j["ok"], j["requests"], "{j}");
        // 600 requests of 20 ms take 12 s in turn; at once, a small part of that.
        assert!(j["wall_s"].as_f64().unwrap() < 3.0, "{j}");
    }
    // Memory grows with requests in flight, and a thread per request costs more than a task.
    let rss = |approach: &str| {
        at_600.iter().find(|j| j["approach"] == approach).unwrap()["peak_rss_kib"]
            .as_u64()
            .unwrap()
    };
    assert!(rss("threads") > rss("tokio") * 3 / 2, "{at_600:?}");
    assert!(rss("processes") > rss("threads"), "{at_600:?}");
    // The CPU sweep: sequential once, every parallel approach on 1 and 2 workers.
    assert_eq!(
        names(&point("cpu-sweep", "workers", 1)),
        ["sequential", "threads", "rayon", "processes"]
    );
    assert_eq!(
        names(&point("cpu-sweep", "workers", 2)),
        ["threads", "rayon", "processes"]
    );
    for (chart, needle) in [("io-sweep.svg", "async-std"), ("cpu-sweep.svg", "ideal")] {
        let text = std::fs::read_to_string(svg.path().join(chart)).unwrap();
        assert!(
            text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
            "{chart}"
        );
        assert!(
            text.contains("<polyline") && text.contains(needle),
            "{chart}"
        );
    }
    assert_refused(COMPARE, &["--sweep", "--points", "0"]);
    assert_refused(COMPARE, &["--sweep", "--points", "10,20000"]);
}
