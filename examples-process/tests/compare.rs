//! `compare`: every approach of the guide's table runs in its own process and reports; the
//! worker processes run side by side; the summary lines agree with the tables; the charts are
//! written. How fast each approach is, is the program's output, never asserted here: each
//! approach's own tests witness its concurrency.

#[path = "../../testing/common.rs"]
mod common;
use common::{Run, Witness, assert_refused, kib, ms, run};

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

/// The numbers in `line`, in order ("26x" and "1.8x" count; "50" in "50 ms" too).
fn numbers(line: &str) -> Vec<f64> {
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_matches('.').parse().ok())
        .collect()
}

/// Whether a ratio printed with `decimals` decimals is `a / b`, from table cells rounded to
/// a few digits.
fn agrees(printed: f64, a: f64, b: f64, decimals: i32) -> bool {
    let exact = a / b;
    (printed - exact).abs() <= 0.5 * 10f64.powi(-decimals) + 0.06 * exact
}

/// The scenario line agrees with the table: the fastest and slowest concurrent walls, and the
/// ratios to sequential.
fn check_scenario_line(r: &Run, scenario: &str, title: &str) {
    let walls: Vec<(&str, &str)> = r
        .stdout
        .lines()
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()))
        .filter_map(|mut cells| match (cells.next(), cells.next()) {
            (Some(s), Some(a)) if s == scenario => Some((a, cells.nth(2).unwrap())),
            _ => None,
        })
        .collect();
    let seq = walls.iter().find(|w| w.0 == "sequential").unwrap().1;
    let others = || walls.iter().filter(|w| w.0 != "sequential").map(|w| w.1);
    let fastest = others().min_by(|a, b| ms(a).total_cmp(&ms(b))).unwrap();
    let slowest = others().max_by(|a, b| ms(a).total_cmp(&ms(b))).unwrap();
    let line = r.line(&format!("{scenario}: {title}"));
    let expected = format!("sequential {seq}; concurrent approaches {fastest} to {slowest} (");
    assert!(line.contains(&expected), "{line}\n{}", r.stdout);
    let ratios = numbers(line.split_once(&expected).unwrap().1);
    assert!(agrees(ratios[0], ms(seq), ms(slowest), 1), "{line}");
    assert!(agrees(ratios[1], ms(seq), ms(fastest), 1), "{line}");
}

#[test]
fn every_approach_reports_and_the_processes_run_side_by_side() {
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
    // Children inherit the witness directory: every barrier in them is real.
    let w = Witness::new();
    let r = w.run(COMPARE, &args, None);
    // A barrier that timed out names its section: the first thing to know if this fails.
    // The four request processes were alive at once, and so were the pool's two workers.
    assert_eq!(w.count("process-requests-4"), 4);
    assert!(w.count("processes-2") >= 2);
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
        ("io", "lean"),
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
    // Four requests of 250 ms in turn: at least 1 s.
    let seq = rows[0]["wall_s"].as_f64().unwrap();
    assert!(seq >= 0.95, "{}", r.stdout);
    assert_eq!(rows[6]["workers"], 4, "one worker process per request");
    // One process per request holds more memory than one async client.
    assert!(rows[6]["peak_rss_kib"].as_u64() > rows[1]["peak_rss_kib"].as_u64());
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
    check_scenario_line(&r, "io", "2 requests of 50 ms");
    check_scenario_line(&r, "cpu", "primes below 50000");
    // The guide's decision for each scenario (`choose.rs`), beside the fastest it measured.
    let io = r.line(concat!(
        "io: the guide picks threading (threads) for 2 requests at once; ",
        "its fastest here: threads "
    ));
    assert!(io.contains("; the fastest of all: "), "{io}");
    let cpu = r.line(concat!(
        "cpu: the guide picks multiprocessing ",
        "(in Rust, threads, rayon or processes on every core) for CPU-bound work on "
    ));
    assert!(cpu.contains("; the fastest of all: "), "{cpu}");
    // The CPU verdict quotes the fastest row's ratio and says "shows" only where it does.
    let verdict = r.line("cpu: the fastest, ");
    let fastest = verdict["cpu: the fastest, ".len()..]
        .split(':')
        .next()
        .unwrap();
    let cell = r
        .stdout
        .lines()
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()))
        .map(Iterator::collect::<Vec<_>>)
        .find(|row| row.len() == 8 && row[0] == "cpu" && row[1] == fastest)
        .map(|row| row[7].to_string())
        .unwrap_or_else(|| panic!("no cpu row for {fastest}\n{}", r.stdout));
    assert!(verdict.contains(&cell), "{verdict}\n{}", r.stdout);
    let workers = common::number_after(r.line("cpu: primes below 50000"), " on ");
    common::assert_verdict(verdict, common::ratio(&cell), workers as u32);
    // The cost of one unit: a process holds more than a thread, and a thread more than a
    // task; the gaps are tens of times wide. The spawn times are figures to read, not assert.
    let (p, t, a) = (r.row("process"), r.row("thread"), r.row("async task"));
    assert_eq!((p[1], t[1], a[1]), ("High", "Medium-High", "Low-Medium"));
    assert!(
        kib(p[3]) > 3.0 * kib(t[3]) && kib(t[3]) > 3.0 * kib(a[3]),
        "{p:?} {t:?} {a:?}"
    );
    assert!([p[2], t[2], a[2]].iter().all(|c| ms(c) > 0.0));
    // The summary's ratios are the table's.
    let unit = r.line("one unit:");
    let x = numbers(unit);
    assert!(agrees(x[0], ms(p[2]), ms(t[2]), 0), "{unit}\n{}", r.stdout);
    assert!(
        agrees(x[1], kib(p[3]), kib(t[3]), 0),
        "{unit}\n{}",
        r.stdout
    );
    assert!(agrees(x[2], ms(t[2]), ms(a[2]), 0), "{unit}\n{}", r.stdout);
    assert!(
        agrees(x[3], kib(t[3]), kib(a[3]), 0),
        "{unit}\n{}",
        r.stdout
    );
    // One worker is named so, in the summary and in the guide's pick: never "1 workers".
    let mut args = vec!["--requests", "2", "--delay-ms", "20", "--limit", "50000"];
    args.extend(["--workers", "1"]);
    args.extend(build_flag());
    let r = run(COMPARE, &args);
    assert!(r.success(), "{}", r.stderr);
    assert!(
        r.stdout.contains("primes below 50000 on 1 worker:"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("CPU-bound work on 1 worker;"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("1 workers"), "{}", r.stdout);
    assert_refused(COMPARE, &["--requests", "0"]);
    assert_refused(COMPARE, &["--requests", "1"]); // nothing to overlap
    assert_refused(COMPARE, &["--limit", "1"]);
    // The sequential row alone would wait 1,000 x 1 s: past the cap on run time.
    assert_refused(COMPARE, &["--requests", "1000", "--delay-ms", "1000"]);
}

/// `--svg` names a folder to create below one that exists, or an existing folder: anything
/// else is refused before any work, and nothing is created.
#[test]
fn a_bad_svg_folder_is_refused_before_any_work() {
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("no/such/dir");
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    for bad in [&missing, &file] {
        assert_refused(COMPARE, &["--svg", bad.to_str().unwrap(), "--no-build"]);
    }
    assert!(!scratch.path().join("no").exists(), "a parent was created");
    assert_eq!(std::fs::read(&file).unwrap(), b"", "the file was touched");
}

#[test]
fn the_sweep_visits_every_point_each_approach_can_reach_and_charts_it() {
    let svg = tempfile::tempdir().unwrap();
    let svg_dir = svg.path().to_str().unwrap();
    // 600 requests of 20 ms: 12 s one at a time, past the 10 s cut-off; 256 worker
    // processes at most (the suite's cap), so three rounds for processes.
    let mut args = vec![
        "--sweep",
        "--points",
        "2,600",
        "--delay-ms",
        "20",
        "--limit",
        "2000000",
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
        "lean",
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
        r.stderr.contains("256 worker processes, so 3 rounds"),
        "{}",
        r.stderr
    );
    for j in point("io-sweep", "requests", 2).iter().chain(&at_600) {
        assert_eq!(j["ok"], j["requests"], "{j}");
    }
    // A thread per request, a process per request up to 256; each process's memory is its
    // own, so 256 of them hold more than 600 threads of one.
    let at = |approach: &str| at_600.iter().find(|j| j["approach"] == approach).unwrap();
    assert_eq!(at("threads")["workers"], 600);
    // 600 connections: hyper's buffers (about 20 KiB each) against the lean client's 1.3 KiB.
    let rss = |approach: &str| at(approach)["peak_rss_kib"].as_u64().unwrap();
    assert!(rss("lean") < rss("tokio"), "{at_600:?}");
    assert_eq!(at("processes")["workers"], 256);
    let rss = |approach: &str| at(approach)["peak_rss_kib"].as_u64().unwrap();
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
    assert_refused(COMPARE, &["--sweep", "--points", "1,10"]);
    assert_refused(COMPARE, &["--sweep", "--points", "10,20000"]);
    assert_refused(COMPARE, &["--sweep", "--workers", "256"]); // 769 CPU rows: past the cap
    assert_refused(COMPARE, &["--sweep", "--delay-ms", "10001"]); // every point past the cut-off
}

/// A run past the cap on run time names only the flags that, lowered alone, would bring it
/// under (and says so when no one of them would).
#[test]
fn a_refusal_names_the_flags_that_would_help() {
    for (args, flags) in [
        (&["--limit", "100000000"][..], "--limit"),
        (
            &["--requests", "1000", "--delay-ms", "1000"],
            "--requests or --delay-ms",
        ),
        (&["--sweep", "--workers", "256"], "--workers"),
        (
            &[
                "--requests",
                "10000",
                "--delay-ms",
                "60000",
                "--limit",
                "100000000",
            ],
            "more than one of --requests, --delay-ms, --limit or --workers",
        ),
    ] {
        let r = run(COMPARE, &[args, &["--no-build"]].concat());
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(": lower {flags}")),
            "{args:?}: {}",
            r.stderr
        );
    }
}
