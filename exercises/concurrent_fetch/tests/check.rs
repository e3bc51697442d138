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
    let why = if peak <= 1 {
        "each request waited for the one before".to_string()
    } else {
        format!(
            "the others were held back (in batches, or by a limit): start all {n} before awaiting any"
        )
    };
    assert_eq!(
        peak, n,
        "{n} URLs, and the server had at most {peak} of them in flight at once: {why}"
    );
    let ok = outcomes.iter().filter(|(r, _)| *r == Ok(200)).count();
    assert_eq!(ok, n, "{ok} of {n} requests answered 200: {outcomes:?}");
}

/// Statuses a server may answer with a body, none of them a redirect.
const STATUSES: [u16; 22] = [
    200, 201, 202, 203, 206, 226, 400, 402, 403, 404, 405, 406, 409, 410, 418, 422, 429, 451, 500,
    501, 502, 503,
];

#[test]
fn outcomes_are_in_the_order_of_the_urls() {
    // Each URL asks for a status of its own (from the process id), so each outcome says which
    // URL it came from. The server answers them in the reverse order of the URLs, each only
    // once the client has taken in the answer before it (`turn_url`): the requests finish
    // last URL first, for certain, and only a client that keeps the URLs' order passes. One
    // URL goes to port 0, where nothing can listen: it fails at once, on every machine.
    let n = how_many();
    let server = Server::start(n);
    let first = std::process::id() as usize % STATUSES.len();
    let codes: Vec<u16> = (0..n)
        .map(|i| STATUSES[(first + i) % STATUSES.len()])
        .collect();
    let mut urls: Vec<String> = (0..n)
        .map(|i| server.turn_url(codes[i], n - 1 - i))
        .collect();
    let mut expected: Vec<Option<u16>> = codes.iter().map(|&c| Some(c)).collect();
    urls.insert(n / 2, "http://127.0.0.1:0/delay/0".to_string());
    expected.insert(n / 2, None);
    let outcomes = fetch(urls.clone());
    let got: Vec<Option<u16>> = outcomes.iter().map(|(r, _)| r.clone().ok()).collect();
    assert_eq!(
        got,
        expected,
        "the statuses of {} URLs, in the order of the URLs (None: a failed request, here one to port 0), were {got:?}, expected {expected:?} (the server answered the last URL first)\nthe URLs: {urls:?}",
        urls.len()
    );
}
