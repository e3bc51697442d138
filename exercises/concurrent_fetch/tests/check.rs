//! The checker of `concurrent_fetch` (do not edit: `cargo exercise check` notices). The
//! loopback server (`checker::server`) holds each request until all of them have arrived and
//! counts the most it had in flight at once: a sequential client never gets past the first
//! (the server gives up waiting after a long patience, and the count says 1).

use checker::server::Server;
use concurrent_fetch::fetch_all;

/// How many requests: 6 to 13, from the process id, so that no count can be hard-coded.
fn how_many() -> usize {
    6 + std::process::id() as usize % 8
}

/// `fetch_all` on a runtime of two worker threads, under a watchdog that outlasts the
/// server's patience (a sequential client takes that long, and must fail on its count).
fn fetch(urls: Vec<String>) -> Vec<concurrent_fetch::Outcome> {
    checker::watchdog_after(
        checker::PATIENCE * 3,
        "fetch_all did not return: a request never finished, or the server held a request that waited for partners that never came",
        move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move { fetch_all(&reqwest::Client::new(), urls).await })
        },
    )
}

#[test]
fn every_request_is_in_flight_at_once() {
    let n = how_many();
    let server = Server::start(n);
    let outcomes = fetch(vec![server.delay_url(0); n]);
    let peak = server.peak();
    assert_eq!(
        peak, n,
        "{n} URLs, and the server had at most {peak} of them in flight at once: each request waited for the one before"
    );
    let ok = outcomes.iter().filter(|(r, _)| *r == Ok(200)).count();
    assert_eq!(ok, n, "{ok} of {n} requests answered 200: {outcomes:?}");
}

#[test]
fn outcomes_are_in_the_order_of_the_urls() {
    // The first URL is the slowest by far, so it finishes last; some URLs answer 404 (a
    // pattern from the process id), and one goes to port 0, where nothing can listen.
    let n = how_many();
    let server = Server::start(n);
    // Port 0 can never be connected to: this request fails at once, on every machine.
    let refused = "http://127.0.0.1:0/delay/0".to_string();
    let every = 2 + std::process::id() as usize % 3;
    let mut urls = Vec::new();
    let mut expected = Vec::new();
    for i in 0..n {
        if i == 0 {
            urls.push(server.delay_url(1_500));
            expected.push(Some(200));
        } else if i % every == 0 {
            urls.push(format!("{}/missing/{i}", server.url()));
            expected.push(Some(404));
        } else {
            urls.push(server.delay_url(0));
            expected.push(Some(200));
        }
    }
    urls.insert(n / 2, refused);
    expected.insert(n / 2, None);
    let outcomes = fetch(urls.clone());
    let got: Vec<Option<u16>> = outcomes.iter().map(|(r, _)| r.clone().ok()).collect();
    assert_eq!(
        got,
        expected,
        "the statuses of {} URLs, in the order of the URLs (None: a failed request, here one to port 0), were {got:?}, expected {expected:?}\nthe URLs: {urls:?}",
        urls.len()
    );
}
