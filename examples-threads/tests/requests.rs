//! `sequential_requests` and `threaded_requests`: the waits add up in sequence and overlap on
//! threads (the loopback server's own count of requests in flight at once, not a wall time,
//! says so); both speak the JSON contract shared with `async_requests`; bad input is refused.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, run, run_env};

const SEQUENTIAL: &str = env!("CARGO_BIN_EXE_sequential_requests");
const THREADED: &str = env!("CARGO_BIN_EXE_threaded_requests");

fn wall(args: &[&str], program: &str) -> (f64, serde_json::Value) {
    wall_env(args, program, &[])
}

/// [`wall`] with a witness's environment (`WITNESS_GATE`: the server holds the first requests
/// until that many are in flight at once).
fn wall_env(args: &[&str], program: &str, env: &[(&str, String)]) -> (f64, serde_json::Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let r = run_env(program, &all, env);
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
            "peak_in_flight",
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
        wall(&["--requests", "1", "--delay-ms", "1"], SEQUENTIAL).1["approach"],
        "sequential"
    );
    assert_eq!(
        wall(&["--requests", "1", "--delay-ms", "1"], THREADED).1["approach"],
        "threads"
    );
}

#[test]
fn threads_overlap_the_waits_that_sequential_code_adds_up() {
    let args = ["--requests", "6", "--delay-ms", "250"];
    let (sequential, json) = wall(&args, SEQUENTIAL);
    // Six waits of 250 ms cannot take less than 1.5 s one after another: the server never had
    // two of them at once.
    assert!(sequential >= 1.5, "sequential took {sequential} s");
    assert_eq!(json["peak_in_flight"], 1, "{json}");
    // On six threads, the server holds the requests until all six are in flight at once (a
    // sequential client would never get there and fail after the witness timeout).
    let w = Witness::new();
    let (_, json) = wall_env(&args, THREADED, &w.env(Some(6)));
    assert_eq!(json["ok"], 6);
    assert_eq!(json["workers"], 6);
    assert_eq!(json["peak_in_flight"], 6, "{json}");
}

#[test]
fn a_hundred_threads_wait_for_a_hundred_answers_at_once() {
    let w = Witness::new();
    let (threaded, json) = wall_env(
        &["--requests", "100", "--delay-ms", "500"],
        THREADED,
        &w.env(Some(100)),
    );
    assert_eq!(json["ok"], 100);
    assert_eq!(json["peak_in_flight"], 100, "{json}");
    // Each answer takes 500 ms: so does the whole (the upper side is the programs' to print).
    assert!(threaded >= 0.5, "{threaded} s");
}

#[test]
fn the_lean_client_waits_on_threads_the_same_way() {
    // The lean client (std `TcpStream` and httparse) gets the same answers with the same
    // overlap: all 20 in flight at once, each answer checked.
    let w = Witness::new();
    let (_, json) = wall_env(
        &["--requests", "20", "--delay-ms", "100", "--client", "lean"],
        THREADED,
        &w.env(Some(20)),
    );
    assert_eq!(json["http_client"], "lean");
    assert_eq!(json["ok"], 20);
    assert_eq!(json["peak_in_flight"], 20, "{json}");
    // A server that is not there: every request fails, counted, exit 1.
    let r = run(
        THREADED,
        &[
            "--requests",
            "2",
            "--client",
            "lean",
            "--url",
            "http://127.0.0.1:1",
        ],
    );
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("error: 2 of 2 requests failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_pool_runs_in_waves_of_its_size() {
    let args = ["--requests", "12", "--delay-ms", "200", "--workers", "4"];
    // Without a gate: four threads can never have more than four requests in flight.
    let (pooled, json) = wall(&args, THREADED);
    assert_eq!(json["ok"], 12);
    assert_eq!(json["workers"], 4);
    assert!(json["peak_in_flight"].as_u64().unwrap() <= 4, "{json}");
    // Twelve requests on four threads: one thread makes at least three, one after another.
    assert!(pooled >= 0.6, "{pooled} s");
    // With the gate: all four in flight at once, and never more.
    let w = Witness::new();
    let (_, json) = wall_env(&args, THREADED, &w.env(Some(4)));
    assert_eq!(json["ok"], 12);
    assert_eq!(json["peak_in_flight"], 4, "{json}");
}

#[test]
fn the_report_names_the_threads_and_the_ratio() {
    let w = Witness::new();
    let r = run_env(
        THREADED,
        &["--requests", "3", "--delay-ms", "10", "--workers", "2"],
        &w.env(Some(2)),
    );
    assert!(r.success());
    assert!(r.stdout.contains(" on    worker-"), "{}", r.stdout);
    assert!(
        r.line("3 requests of 10.0 ms on a pool of 2 threads")
            .contains("3 ok")
    );
    assert_eq!(
        r.line("the server had"),
        "the server had at most 2 requests in flight at once"
    );
    let r = run(SEQUENTIAL, &["--requests", "2", "--delay-ms", "10"]);
    // It says how long it will take before the first wait, then one line per request.
    assert_eq!(
        r.stdout.lines().next(),
        Some("making 2 requests of 10.0 ms one after another: about 20.0 ms in all")
    );
    // Each request takes at least the server's delay (it sleeps before answering).
    for n in ["1", "2"] {
        let took = r.line(&format!("request   {n}: 200 in "));
        assert!(
            common::ms(took.rsplit(" in ").next().unwrap()) >= 10.0,
            "{took}"
        );
    }
    assert!(
        r.line("2 requests of 10.0 ms one after another")
            .contains("2 ok")
    );
    assert_eq!(
        r.line("the server had"),
        "the server had at most 1 request in flight at once"
    );
}

#[test]
fn one_request_and_one_thread_are_counted_in_the_singular() {
    let r = run(SEQUENTIAL, &["--requests", "1", "--delay-ms", "5"]);
    assert!(r.success(), "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("making 1 request of 5.0 ms one after another")
    );
    assert!(
        r.line("1 request of 5.0 ms one after another:")
            .contains("1 ok")
    );
    let r = run(THREADED, &["--requests", "1", "--delay-ms", "5"]);
    assert!(r.success(), "{}", r.stderr);
    r.line("1 request of 5.0 ms on 1 thread, one per request: ");
    let r = run(
        THREADED,
        &["--requests", "2", "--delay-ms", "5", "--workers", "1"],
    );
    assert!(r.success(), "{}", r.stderr);
    r.line("2 requests of 5.0 ms on a pool of 1 thread: ");
}

#[test]
fn the_open_file_refusal_names_a_pool_that_fits() {
    // Under a limit of 300 open files, 200 requests hold 2 sockets each (the server is in this
    // process), plus 64 for the rest: refused, with the largest pool that fits, 118 threads.
    let limited = |extra: &[&str]| {
        let script = "ulimit -n 300 && exec \"$0\" \"$@\"";
        let args = [&["-c", script, THREADED, "--requests", "200"], extra].concat();
        run("sh", &[&args[..], &["--delay-ms", "1"]].concat())
    };
    let r = limited(&[]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the limit is 300: use --workers 118 or fewer, or --url"),
        "{}",
        r.stderr
    );
    let r = limited(&["--workers", "118"]);
    assert!(r.success(), "{}", r.stderr);
    r.line("200 requests of 1.0 ms on a pool of 118 threads: ");
}

#[test]
fn bad_input_is_refused_and_failures_are_counted() {
    for program in [SEQUENTIAL, THREADED] {
        assert_refused(program, &["--requests", "0"]);
        assert_refused(program, &["--requests", "100000000"]);
        assert_refused(program, &["--delay-ms", "-5"]);
        // No wait: N x D is zero, nothing to add up or to overlap.
        assert_refused(program, &["--delay-ms", "0"]);
        assert_refused(program, &["--url", "ftp://example"]);
        // A port that is not one is a bad argument, not a request to port 80.
        assert_refused(program, &["--url", "http://127.0.0.1:99999"]);
        assert_refused(program, &["--url", "http://127.0.0.1"]);
        // Nothing listens on port 1: every request fails, and the program says how many.
        let r = run(program, &["--requests", "2", "--url", "http://127.0.0.1:1"]);
        assert_eq!(r.code, Some(1));
        assert!(
            r.stderr.contains("error: 2 of 2 requests failed"),
            "{}",
            r.stderr
        );
        // With --url the server is not this program's: it has no count to report. And no
        // summary for work not done: no total, no ratio against the sequential estimate.
        assert!(!r.stdout.contains("the server had"), "{}", r.stdout);
        assert!(!r.stdout.contains(" ok\n"), "{}", r.stdout);
        assert!(!r.stdout.contains("in sequence"), "{}", r.stdout);
    }
    assert_refused(THREADED, &["--workers", "0"]);
}
