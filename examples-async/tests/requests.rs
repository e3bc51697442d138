//! `async_requests` and `web_server`: many slow requests take about one delay on every
//! runtime; the server keeps a thousand connections and drains in-flight requests on Ctrl-C.

#[path = "../../testing/common.rs"]
mod common;
use common::{Server, assert_refused, ms, run, timing_lock};

const ASYNC_REQUESTS: &str = env!("CARGO_BIN_EXE_async_requests");
const WEB_SERVER: &str = env!("CARGO_BIN_EXE_web_server");

#[test]
fn a_hundred_requests_of_500_ms_take_about_one_delay_on_every_runtime() {
    let _t = timing_lock();
    for runtime in ["tokio", "smol", "async-std"] {
        let r = run(
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
        );
        assert!(r.success(), "{runtime}: {}", r.stderr);
        let j = r.json();
        assert_eq!(j["approach"], runtime);
        assert_eq!(j["ok"], 100, "{j}");
        assert_eq!(j["requests"], 100);
        assert_eq!(j["delay_ms"], 500);
        let wall = j["wall_s"].as_f64().unwrap();
        // The sequential estimate is 50 s; concurrently it is one delay plus overhead.
        assert!((0.5..1.0).contains(&wall), "{runtime}: {wall} s");
        assert!(j["cpu_s"].as_f64().unwrap() < wall, "{j}");
        assert!(j["peak_rss_kib"].as_u64().unwrap() > 0);
    }
}

#[test]
fn the_table_compares_with_the_sequential_estimate() {
    let r = run(ASYNC_REQUESTS, &["--requests", "20", "--delay-ms", "200"]);
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(r.row("tokio")[2], "20");
    assert!(r.line("  request   1: 200 after").len() > 20);
    assert!(r.stdout.contains("... and 10 more"));
    assert!(
        r.line("20 requests of 200 ms: sequential estimate 4.00 s, async on tokio")
            .ends_with("20 answered OK")
    );
}

#[test]
fn web_server_serves_many_connections_and_drains_on_ctrl_c() {
    let _t = timing_lock();
    let server = Server::start(WEB_SERVER, &["--port", "0", "--workers", "2"]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
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

    // Ctrl-C while 50 slow requests are in flight: every one of them is still answered.
    let url = server.url.clone();
    let client = std::thread::spawn(move || {
        std::process::Command::new(ASYNC_REQUESTS)
            .args([
                "--url",
                &url,
                "--requests",
                "50",
                "--delay-ms",
                "1500",
                "--json",
            ])
            .output()
            .unwrap()
    });
    std::thread::sleep(std::time::Duration::from_millis(700));
    server.interrupt();
    let out = client.join().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["ok"], 50, "{j}");
    let s = server.finish();
    assert_eq!(s.code, Some(0), "{}", s.stdout);
    let stopped = s.line("SIGINT: no new connections; finishing");
    assert!(stopped.ends_with("50 requests in flight"), "{}", s.stdout);
    let served = s.line("served 1050 requests on");
    let peak: u32 = served
        .split("(peak ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(peak >= 1000, "{served}");
    assert!(s.stdout.contains("shut down cleanly"));
}

#[test]
fn bad_input_is_refused() {
    assert_refused(ASYNC_REQUESTS, &["--requests", "0"]);
    assert_refused(ASYNC_REQUESTS, &["--runtime", "nope"]);
    assert_refused(ASYNC_REQUESTS, &["--url", "ftp://127.0.0.1:1"]);
    // A port nobody listens on: one line saying the connection was refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    assert_refused(ASYNC_REQUESTS, &["--url", &url]);
    assert_refused(WEB_SERVER, &["--workers", "0"]);
    // The port is taken: one line, exit 2.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    assert_refused(WEB_SERVER, &["--port", &port]);
}

const SCRAPER: &str = env!("CARGO_BIN_EXE_scraper");

#[test]
fn the_crawler_finds_the_same_pages_faster_and_handles_every_failure() {
    let _t = timing_lock();
    let r = run(SCRAPER, &["--pages", "60", "--concurrency", "10"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
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
    assert!(ms(many[7]) * 1.5 < ms(one[7]), "{many:?} vs {one:?}");
    assert!(
        r.line(&format!(
            "{} pages found by both crawls, the same set",
            many[1]
        ))
        .len()
            > 10
    );
    // Without retries the flaky pages fail (and their links are not followed).
    let r = run(SCRAPER, &["--pages", "60", "--retries", "0"]);
    assert!(
        r.row("concurrent")[4].parse::<u32>().unwrap() > 0,
        "{}",
        r.stdout
    );
    assert_refused(SCRAPER, &["--concurrency", "0"]);
    assert_refused(SCRAPER, &["--timeout-ms", "0"]);
}
