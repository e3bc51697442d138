//! `async_requests` and `web_server`: many slow requests take about one delay on every
//! runtime; the server keeps a thousand connections and drains in-flight requests on Ctrl-C.

#[path = "../../testing/common.rs"]
mod common;
use common::{Server, Witness, assert_refused, run, run_env};

const ASYNC_REQUESTS: &str = env!("CARGO_BIN_EXE_async_requests");
const WEB_SERVER: &str = env!("CARGO_BIN_EXE_web_server");

#[test]
fn a_hundred_requests_of_500_ms_are_all_in_flight_at_once_on_every_runtime() {
    // The loopback server holds the first 100 requests until all 100 have arrived
    // (WITNESS_GATE): its count of 100 in flight at once is then certain, where a client
    // that made them one at a time would show 1.
    let w = Witness::new();
    for runtime in ["tokio", "smol", "async-std"] {
        let r = run_env(
            ASYNC_REQUESTS,
            &[
                "--runtime",
                runtime,
                "--requests",
                "100",
                "--delay-ms",
                "500",
                "--json",
            ],
            &w.env(Some(100)),
        );
        assert!(r.success(), "{runtime}: {}", r.stderr);
        let j = r.json();
        assert_eq!(j["approach"], runtime);
        assert_eq!(j["ok"], 100, "{j}");
        assert_eq!(j["requests"], 100);
        assert_eq!(j["delay_ms"], 500);
        assert_eq!(j["peak_in_flight"], 100, "{runtime}: {j}");
        // At least the one delay every request waits (a floor the server's sleep guarantees).
        let wall = j["wall_s"].as_f64().unwrap();
        assert!(wall >= 0.5, "{runtime}: {wall} s");
        assert!(j["peak_rss_kib"].as_u64().unwrap() > 0);
    }
}

#[test]
fn the_table_compares_with_the_sequential_estimate() {
    // The gate makes "all 20 in flight at once" certain, as above.
    let w = Witness::new();
    let args = ["--requests", "20", "--delay-ms", "200"];
    let r = run_env(ASYNC_REQUESTS, &args, &w.env(Some(20)));
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(r.row("tokio")[2], "20");
    assert!(r.line("  request   1: 200 after").len() > 20);
    assert!(r.stdout.contains("... and 10 more"));
    assert!(
        r.line("20 requests of 200 ms: sequential estimate 4.00 s, async on tokio")
            .ends_with("20 answered OK")
    );
    assert!(
        r.stdout
            .contains("the loopback server had all 20 requests in flight at once")
    );
    // With nothing to wait for, nothing overlaps: refused, as async_race refuses it.
    assert_refused(ASYNC_REQUESTS, &["--requests", "5", "--delay-ms", "0"]);
}

/// A running `web_server`'s `/stats`, read with a bare HTTP/1.1 GET.
fn stats(url: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body.trim()).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// `web_server` on a free port, holding the first `gate` `/delay` requests until all have
/// arrived (WITNESS_GATE), so that "`gate` in flight at once" is certain.
fn web_server(w: &Witness, gate: u32) -> Server {
    let server = Server::start_env(
        WEB_SERVER,
        &["--port", "0", "--workers", "2"],
        "listening on ",
        &w.env(Some(gate)),
    );
    assert!(server.before.is_empty(), "{}", server.before);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    server
}

#[test]
fn web_server_prints_its_counts_once_they_change() {
    // A port free a moment ago, so that the test knows where to send a request while it reads
    // the server's output up to the first status line. The server prints one only when its
    // counts have changed, and checks every second for as long as it runs: after a request the
    // line must come (120 s only guards against a hang).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let args = ["--port", &port.to_string(), "--workers", "1"];
        let _ = tx.send(Server::start_after(WEB_SERVER, &args, "open connections "));
    });
    let start = std::time::Instant::now();
    let answered = loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break stats(&format!("http://127.0.0.1:{port}"));
        }
        assert!(start.elapsed().as_secs() < 60, "web_server never listened");
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert_eq!(answered["requests"], 1, "{answered}");
    let server = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("no status line after a request");
    assert!(
        server
            .before
            .starts_with(&format!("listening on http://127.0.0.1:{port}")),
        "{}",
        server.before
    );
    // The rest of the first status line: counts that moved from all zeros, which only an
    // accepted connection does (the probe's, or the request's).
    assert!(
        common::number_after(&server.url, "(peak ") >= 1,
        "{}",
        server.url
    );
    assert!(server.url.contains("requests ") && server.url.contains("in flight "));
    server.interrupt();
    assert_eq!(server.finish().code, Some(0));
}

#[test]
fn web_server_keeps_a_thousand_connections_open_at_once() {
    let w = Witness::new();
    let server = web_server(&w, 1000);
    // 1,000 connections at once against a server in its own process.
    let r = run(
        ASYNC_REQUESTS,
        &[
            "--url",
            &server.url,
            "--requests",
            "1000",
            "--delay-ms",
            "300",
            "--json",
        ],
    );
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(r.json()["ok"], 1000, "{}", r.stdout);
    // Another process's server: the client cannot count its requests in flight.
    assert!(r.json()["peak_in_flight"].is_null(), "{}", r.stdout);
    server.interrupt();
    let s = server.finish();
    assert_eq!(s.code, Some(0), "{}", s.stdout);
    let served = s.line("served 1000 requests on");
    let peak = common::number_after(served, "(peak ");
    // The server held all 1,000 requests until the last came: 1,000 connections open at once.
    assert!(peak >= 1000, "{served}");
    assert!(s.stdout.contains("shut down cleanly"));
}

#[test]
fn a_second_ctrl_c_stops_web_server_at_once() {
    let w = Witness::new();
    let server = web_server(&w, 1);
    // A request that would hold the drain for a minute, left open (the test ends first).
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::Write;
    write!(slow, "GET /delay/60000 HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let start = std::time::Instant::now();
    while stats(&server.url)["in_flight"] != 1 {
        assert!(start.elapsed().as_secs() < 60, "never 1 in flight");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    server.interrupt();
    // The second Ctrl-C once the first one's drain has begun: the server stops listening then.
    while std::net::TcpStream::connect(&addr).is_ok() {
        assert!(
            start.elapsed().as_secs() < 60,
            "still listening after SIGINT"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    server.interrupt();
    let s = server.finish();
    // 130: stopped by the second Ctrl-C, not drained (that would be 0) nor timed out (1); its
    // stderr, "error: a second SIGINT: stopped at once, 1 request unanswered", is inherited.
    assert_eq!(s.code, Some(130), "{}", s.stdout);
    // One request is said in the singular.
    assert!(
        s.stdout
            .contains("SIGINT: no new connections; finishing 1 request in flight"),
        "{}",
        s.stdout
    );
    assert!(!s.stdout.contains("shut down cleanly"), "{}", s.stdout);
}

#[test]
fn web_server_drains_every_request_in_flight_on_ctrl_c() {
    let w = Witness::new();
    let server = web_server(&w, 50);
    let url = server.url.clone();
    let client = std::thread::spawn(move || {
        std::process::Command::new(ASYNC_REQUESTS)
            .args([
                "--url",
                &url,
                "--requests",
                "50",
                "--delay-ms",
                "2000",
                "--json",
            ])
            .output()
            .unwrap()
    });
    // Ctrl-C once the server itself has all 50 requests in flight (it holds them until the
    // 50th comes, then each waits 2 s); 60 s only guards against a hang.
    let start = std::time::Instant::now();
    while stats(&server.url)["in_flight"] != 50 {
        assert!(start.elapsed().as_secs() < 60, "never 50 in flight");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    server.interrupt();
    let out = client.join().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["ok"], 50, "{j}");
    let s = server.finish();
    assert_eq!(s.code, Some(0), "{}", s.stdout);
    let stopped = s.line("SIGINT: no new connections; finishing");
    assert!(stopped.ends_with("50 requests in flight"), "{}", s.stdout);
    assert!(s.stdout.contains("shut down cleanly"));
}

#[test]
fn failed_requests_exit_1_and_claim_no_speedup() {
    let server = Server::start(WEB_SERVER, &["--port", "0"]);
    // A path the server does not know: every request is answered 404.
    let url = format!("{}/nope", server.url);
    let r = run(
        ASYNC_REQUESTS,
        &["--url", &url, "--requests", "5", "--delay-ms", "1"],
    );
    common::assert_work_failed(&r, "error: 5 of 5 requests failed");
    let r = run(
        ASYNC_REQUESTS,
        &["--url", &url, "--requests", "5", "--json"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.json()["ok"], 0);
}

#[test]
fn a_server_killed_mid_run_fails_every_request_in_flight() {
    for runtime in ["tokio", "smol", "async-std"] {
        let server = Server::start(WEB_SERVER, &["--port", "0", "--workers", "1"]);
        let url = server.url.clone();
        let client = std::thread::spawn(move || {
            run(
                ASYNC_REQUESTS,
                &[
                    "--url",
                    &url,
                    "--requests",
                    "10",
                    "--delay-ms",
                    "30000",
                    "--runtime",
                    runtime,
                ],
            )
        });
        // Killed once it holds all ten requests (its own count), long before it answers any.
        let start = std::time::Instant::now();
        while stats(&server.url)["in_flight"] != 10 {
            assert!(start.elapsed().as_secs() < 60, "never 10 in flight");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        drop(server); // SIGKILL: no graceful drain, every connection reset
        let r = client.join().unwrap();
        common::assert_work_failed(&r, "error: 10 of 10 requests failed");
    }
}

#[test]
fn bad_input_is_refused() {
    assert_refused(ASYNC_REQUESTS, &["--requests", "0"]);
    assert_refused(ASYNC_REQUESTS, &["--requests", "1"]); // nothing to overlap with
    assert_refused(ASYNC_REQUESTS, &["--runtime", "nope"]);
    assert_refused(ASYNC_REQUESTS, &["--url", "ftp://127.0.0.1:1"]);
    // A port that is not one is a bad argument, not a request to port 80.
    assert_refused(ASYNC_REQUESTS, &["--url", "http://127.0.0.1:99999"]);
    // Past the open-file limit (two sockets a request with the server in this process).
    assert_refused(ASYNC_REQUESTS, &["--requests", "100000"]);
    // A port nobody listens on is not a bad argument but work that failed, as in
    // sequential_requests and threaded_requests: exit 1, no request made, no speedup.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let r = run(ASYNC_REQUESTS, &["--url", &url]);
    common::assert_work_failed(&r, "cannot connect: Connection refused");
    assert!(r.stderr.contains("0 of 100 requests made"), "{}", r.stderr);
    assert_refused(WEB_SERVER, &["--workers", "0"]);
    // The port is taken: one line, exit 2.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_refused(WEB_SERVER, &["--port", &port]);
}

const SCRAPER: &str = env!("CARGO_BIN_EXE_scraper");

#[test]
fn the_crawler_finds_the_same_pages_concurrently_and_handles_every_failure() {
    // 1 s per request: the hanging pages (5 s) always time out, the others (150 ms at most)
    // never do.
    let w = Witness::new();
    let r = w.run(
        SCRAPER,
        &[
            "--pages",
            "60",
            "--concurrency",
            "10",
            "--timeout-ms",
            "1000",
        ],
        None,
    );
    // A line as each crawl starts, before its row.
    assert!(
        r.line("crawling http://127.0.0.1:")
            .ends_with(", one at a time")
    );
    let one = r.row("one at a time");
    let many = r.row("concurrent");
    // Same pages, same 404s, the same two hanging pages (7 and 57) given up on, the flaky
    // pages fetched after a retry, nothing failed for good.
    for (i, what) in [
        (1, "pages"),
        (2, "404"),
        (3, "timed out"),
        (4, "failed"),
        (5, "retries"),
    ] {
        assert_eq!(one[i], many[i], "{what}: {one:?} vs {many:?}");
    }
    assert_eq!(many[3], "2");
    assert_eq!(many[4], "0");
    assert!(many[2].parse::<u32>().unwrap() > 0 && many[5].parse::<u32>().unwrap() > 0);
    assert_eq!(one[6], "1");
    assert!(
        (2..=10).contains(&many[6].parse::<u32>().unwrap()),
        "{many:?}"
    );
    // The concurrent crawl fetched the start page's first three links at the same moment:
    // their tasks met at a witness barrier before fetching (one at a time, a barrier of one).
    assert!(w.count("crawl-10") >= 3, "{}", w.count("crawl-10"));
    assert!(w.count("crawl-1") > 0);
    // The summary gives the limit and the most in flight that the table shows.
    let summary = r.line(&format!(
        "{} pages found by both crawls, the same set",
        many[1]
    ));
    let in_flight = format!(
        "concurrent (up to 10 at a time, most in flight {})",
        many[6]
    );
    assert!(summary.contains(&in_flight), "{summary}");
    // The speedup's words agree with the two times printed (rounding aside).
    let (t_many, t_one) = (common::ms(many[7]), common::ms(one[7]));
    if t_many != t_one {
        assert_eq!(summary.contains("x faster"), t_many < t_one, "{summary}");
    }
    // Without retries the flaky pages fail (and their links are not followed).
    let r = run(SCRAPER, &["--pages", "60", "--retries", "0"]);
    assert!(
        r.row("concurrent")[4].parse::<u32>().unwrap() > 0,
        "{}",
        r.stdout
    );
    assert_refused(SCRAPER, &["--concurrency", "0"]);
    assert_refused(SCRAPER, &["--pages", "1"]);
    assert_refused(SCRAPER, &["--timeout-ms", "0"]);
    assert_refused(SCRAPER, &["--timeout-ms", "199"]);
    assert_refused(SCRAPER, &["--concurrency", "1"]);
    // A refusal names --timeout-ms only where the pages fit at the shortest timeout, 200 ms.
    for (pages, timeout_helps) in [("3048", true), ("10000", false)] {
        let r = run(SCRAPER, &["--pages", pages]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(
            r.stderr.contains("--timeout-ms"),
            timeout_helps,
            "{}",
            r.stderr
        );
    }
}
