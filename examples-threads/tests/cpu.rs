//! `parallel_cpu` and `no_gil`: the prime counts are right in every mode, and the parallel
//! modes really had every worker inside at once; under the simulated GIL one thread computes
//! at a time, without it all of them do, and the I/O waits overlap either way. Counted and
//! witnessed, never timed.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, ratio, run};

const PARALLEL_CPU: &str = env!("CARGO_BIN_EXE_parallel_cpu");
const NO_GIL: &str = env!("CARGO_BIN_EXE_no_gil");

#[test]
fn every_mode_counts_the_known_number_of_primes() {
    let w = Witness::new();
    let r = w.run(
        PARALLEL_CPU,
        &["--limit", "200000", "--workers", "3", "--json"],
        None,
    );
    // All three threads, and all three rayon workers, were inside the counting at once.
    assert!(w.count("threads-3") >= 3 && w.count("rayon-3") >= 3);
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
    // Each verdict agrees with the speedup in its row (the speedup itself is the machine's).
    for mode in ["threads", "rayon"] {
        assert_verdict(r.line(&format!("{mode}: ")), ratio(r.row(mode)[5]), 2);
    }
    // One worker leaves nothing to compare with the loop: refused when comparing, accepted
    // for one approach timed alone (as `compare --sweep` runs it).
    assert_refused(PARALLEL_CPU, &["--limit", "20000", "--workers", "1"]);
    let one = [
        "--limit",
        "20000",
        "--workers",
        "1",
        "--mode",
        "threads",
        "--json",
    ];
    let r = run(PARALLEL_CPU, &one);
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(r.json()["workers"], 1);
    // The sequential loop alone runs on one thread, whatever --workers (compare passes both).
    let r = run(
        PARALLEL_CPU,
        &["--limit", "20000", "--workers", "2", "--mode", "sequential"],
    );
    assert!(r.success(), "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("counting the primes below 20000 on 1 worker, ")
    );
    assert!(
        r.line("primes below 20000: 2262")
            .contains(" on 1 worker, ")
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
fn each_approach_is_timed_runs_times_and_compared_by_the_median() {
    // Below 20,000 the threads take two chunks a run, and each chunk's first number arrives
    // at the witness: counted arrivals are the runs, with no clock read.
    for (runs, flag) in [(3, None), (1, Some("1")), (4, Some("4"))] {
        let w = Witness::new();
        let mut args = vec!["--limit", "20000", "--workers", "2", "--mode", "threads"];
        args.extend(flag.map(|n| ["--runs", n]).into_iter().flatten());
        let r = w.run(PARALLEL_CPU, &[&args[..], &["--json"]].concat(), None);
        assert_eq!(w.count("threads-2"), 2 * runs, "--runs {runs}");
        assert_eq!(r.json()["runs"], runs);
        assert_eq!(r.json()["primes"], 2_262);
        let r = run(PARALLEL_CPU, &args);
        assert!(
            r.line("counting the primes below 20000")
                .ends_with(&format!(
                    "timed {runs} {}, compared by the median wall time",
                    if runs == 1 { "time" } else { "times" }
                )),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn parallel_cpu_refuses_bad_input() {
    assert_refused(PARALLEL_CPU, &["--limit", "0"]);
    assert_refused(PARALLEL_CPU, &["--limit", "1000000000000"]);
    assert_refused(PARALLEL_CPU, &["--workers", "0"]);
    assert_refused(PARALLEL_CPU, &["--mode", "processes"]);
    assert_refused(PARALLEL_CPU, &["--workers", "1000"]);
    assert_refused(PARALLEL_CPU, &["--runs", "0"]);
    // Past the cap on run time: trial divisions (growing as limit^1.5 / ln limit) x runs.
    assert_refused(
        PARALLEL_CPU,
        &[
            "--mode",
            "sequential",
            "--limit",
            "100000000",
            "--runs",
            "3",
        ],
    );
}

/// The row of (work, gil) at `threads`, from `no_gil --json`.
fn row<'a>(
    rows: &'a [serde_json::Value],
    work: &str,
    gil: bool,
    threads: u32,
) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["work"] == work && r["gil"] == gil && r["threads"] == threads)
        .unwrap_or_else(|| panic!("no {work} gil={gil} threads={threads} row"))
}

#[test]
fn the_gil_lets_one_thread_compute_at_a_time_but_all_of_them_wait() {
    let w = Witness::new();
    let args = [
        "--threads",
        "1,2",
        "--cpu-limit",
        "200000",
        "--io-requests",
        "4",
        "--delay-ms",
        "50",
        "--json",
    ];
    let r = w.run(NO_GIL, &args, None);
    let rows = r.json_lines();
    assert_eq!(rows.len(), 8, "2 works x 2 GIL modes x 2 thread counts");

    // Under the GIL, two threads take turns: never more than one computing at once, by
    // construction, however the machine schedules them.
    for threads in [1, 2] {
        assert_eq!(row(&rows, "cpu", true, threads)["most_computing"], 1);
    }
    // Without it, both threads were computing at the same moment (a barrier inside the
    // counted part, which one thread alone could never pass).
    assert_eq!(row(&rows, "cpu", false, 2)["most_computing"], 2);
    assert!(w.count("cpu-2") >= 2);
    // Four requests on two threads: both threads were waiting for a request at once, GIL or
    // not, because a blocking call releases it (a barrier between the release and the call).
    for gil in [true, false] {
        assert!(w.count(&format!("io-{gil}-2")) >= 2, "gil={gil}");
        assert!(row(&rows, "io", gil, 2).get("most_computing").is_none());
    }
    // Before the timed runs, one untimed warm-up of each workload on one thread without the
    // GIL: one request more than the four of the timed one-thread run, one first chunk more.
    assert_eq!(w.count("io-true-1"), 4);
    assert_eq!(w.count("io-false-1"), 4 + 1);
    assert_eq!(w.count("cpu-1"), 1 + 1);
    // The speedups are printed, never asserted: they belong to the machine, not the lesson.
    assert!(rows.iter().all(|r| r["speedup"].as_f64().is_some()));
}

#[test]
fn gil_flag_alone_means_on_and_bad_input_is_refused() {
    let r = run(
        NO_GIL,
        &[
            "--gil",
            "--threads",
            "1,2",
            "--cpu-limit",
            "2000",
            "--io-requests",
            "2",
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
            "2000",
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
    assert!(
        r.line("on 2 threads:")
            .contains("most threads mid-chunk at once: cpu GIL 1, cpu no GIL "),
        "{}",
        r.stdout
    );
    // The line on the CPU column under the GIL agrees with its 2-thread cell: more than 1.1x
    // is named as not parallelism, never credited to it.
    let gil = ratio(r.row("2")[1].split(' ').next_back().unwrap());
    let line = r.line("cpu GIL, 1 -> 2 threads: ");
    let named = line.contains("slowed by something else");
    assert!(
        if gil > 1.15 {
            named
        } else if gil < 1.05 {
            line.contains("no faster than one")
        } else {
            true
        },
        "{gil}: {line}"
    );
    // The verdict on the CPU speedup without the GIL agrees with its 2-thread cell.
    let cell = r.row("2")[2];
    let speedup = ratio(cell.split(' ').next_back().unwrap());
    assert_verdict(r.line("cpu no GIL, 1 -> 2 threads: "), speedup, 2);
    // Two requests on two threads take one wave instead of two: an I/O speedup past 2x (2.2x,
    // a tenth of slack) is named as the one-thread row slowed, never credited to the threads.
    for (column, heading) in [(3, "io GIL"), (4, "io no GIL")] {
        let io = ratio(r.row("2")[column].split(' ').next_back().unwrap());
        let prefix = format!("{heading}, 1 -> 2 threads: ");
        let named = r.stdout.lines().any(|l| l.starts_with(&prefix));
        // The cell is rounded to a tenth, so 2.2x itself may go either way.
        assert!(!(io > 2.25 && !named || io < 2.15 && named), "{}", r.stdout);
    }
    // The summary is of the last row, which need not be the largest count: "1 thread".
    let args = [
        "--threads",
        "2,1",
        "--cpu-limit",
        "2000",
        "--io-requests",
        "2",
    ];
    let r = run(
        NO_GIL,
        &[&args[..], &["--delay-ms", "1", "--gil", "off"]].concat(),
    );
    assert!(r.success(), "{}", r.stderr);
    r.line("on 1 thread: cpu no GIL ");
    assert_refused(NO_GIL, &["--threads", "0"]);
    assert_refused(NO_GIL, &["--threads", "1,x"]);
    assert_refused(NO_GIL, &["--gil", "maybe"]);
    assert_refused(NO_GIL, &["--io-requests", "0"]);
    // Where the lesson cannot show: one thread, one request, fewer chunks than threads.
    assert_refused(NO_GIL, &["--threads", "1"]);
    assert_refused(NO_GIL, &["--io-requests", "1"]);
    assert_refused(NO_GIL, &["--threads", "1,2,4,8", "--cpu-limit", "5000"]);
    // Past a cap, only the changes that each alone bring the run under it are named.
    for (args, advice) in [
        (&["--cpu-limit", "100000000"][..], "lower --cpu-limit\n"),
        (
            &["--cpu-limit", "30000000"],
            "lower --cpu-limit, the rows with --threads 4 or the columns with --gil on or off\n",
        ),
        (
            &["--io-requests", "1000", "--delay-ms", "100"],
            "lower --io-requests, --delay-ms or the waves with --threads 64\n",
        ),
    ] {
        let r = run(NO_GIL, args);
        assert_eq!(r.code, Some(2), "{args:?}");
        assert!(r.stderr.ends_with(advice), "{}", r.stderr);
    }
}
