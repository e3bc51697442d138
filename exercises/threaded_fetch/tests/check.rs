//! The checker of `threaded_fetch` (do not edit: `cargo exercise check` notices). The server
//! is `checker::server`: it holds each request until its gate of N has filled, and counts the
//! most requests it had in flight at once. Nothing here reads a clock to decide.

use std::collections::HashSet;
use std::sync::Mutex;

use checker::server::{Server, get};
use threaded_fetch::{fetch_all, on_threads};

/// A number that changes from run to run.
fn vary(base: u32, spread: u32) -> u32 {
    base + std::process::id() % spread
}

/// Beyond the server's own patience, so that a run that waited there is reported as that.
fn watched<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    checker::watchdog_after(checker::PATIENCE * 2, "the requests never all came back", f)
}

#[test]
fn the_requests_wait_side_by_side() {
    let n = vary(5, 4);
    let server = Server::start(n as usize);
    let urls: Vec<String> = (0..n).map(|i| server.delay_url(u64::from(i))).collect();
    let answers = watched(move || fetch_all(&urls, n));
    assert!(answers.is_ok(), "{answers:?}");
    assert!(
        !server.gave_up() && server.peak() >= n as usize,
        "{n} requests on {n} threads, but the server never had more than {} in flight at once: the requests were made one after another",
        server.peak()
    );
}

#[test]
fn every_url_is_fetched_once_and_answered_in_its_place() {
    let n = vary(6, 5);
    let server = Server::start(1);
    // Each URL asks for its own delay, so each answer says which URL it came from.
    let urls: Vec<String> = (0..n)
        .map(|i| server.delay_url(u64::from(3 * i + 1)))
        .collect();
    let answers = watched(move || fetch_all(&urls, 3)).unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<Result<String, String>> = (0..n)
        .map(|i| Ok(format!("waited {} ms\n", 3 * i + 1)))
        .collect();
    assert_eq!(
        answers, expected,
        "each URL's answer, in the order of the URLs: `fetch_all` returned {answers:?}"
    );
    assert_eq!(
        server.arrived(),
        n as usize,
        "{n} URLs, but the server got {} requests",
        server.arrived()
    );
}

#[test]
fn a_pool_keeps_to_its_threads() {
    let (n, threads) = (vary(7, 4), vary(2, 2));
    let server = Server::start(threads as usize);
    let url = server.delay_url(20);
    let seen = std::sync::Arc::new(Mutex::new(HashSet::new()));
    let results = {
        let seen = std::sync::Arc::clone(&seen);
        watched(move || {
            on_threads(n, threads, |i| {
                seen.lock().unwrap().insert(std::thread::current().id());
                (i, get(&url).is_ok())
            })
        })
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let used = seen.lock().unwrap().len();
    assert!(
        used <= threads as usize,
        "{n} requests on a pool of {threads} threads ran on {used} different threads"
    );
    assert!(
        server.peak() <= threads as usize,
        "a pool of {threads} threads had {} requests in flight at once",
        server.peak()
    );
    assert!(
        !server.gave_up(),
        "the pool's {threads} threads never had a request in flight each at the same time"
    );
    let mut got: Vec<u32> = results.iter().filter(|r| r.1).map(|r| r.0).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        (0..n).collect::<Vec<_>>(),
        "every request answered once: the requests answered were {got:?}"
    );
}

/// A slow request holds up only its own thread: while one thread waits in request 0, the others
/// take every other number. Threads with a fixed share each (a slice, or every `threads`-th
/// number) never get past it: request 0's thread holds numbers that nobody else may take.
#[test]
fn the_threads_take_the_next_number_left() {
    let (n, threads) = (vary(8, 5), vary(2, 2));
    // How many numbers other than 0 were asked for; request 0 returns once all n - 1 were.
    let others = std::sync::Arc::new((Mutex::new(0u32), std::sync::Condvar::new()));
    let results = {
        let others = std::sync::Arc::clone(&others);
        watched(move || {
            on_threads(n, threads, |i| {
                let (asked, changed) = &*others;
                let mut asked = asked.lock().unwrap();
                if i == 0 {
                    let (asked, _) = changed
                        .wait_timeout_while(asked, checker::PATIENCE, |a| *a < n - 1)
                        .unwrap();
                    Some(*asked) // how many it saw asked for, when it stopped waiting
                } else {
                    *asked += 1;
                    changed.notify_all();
                    None
                }
            })
        })
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let seen = results.iter().find_map(|r| *r).unwrap_or(0);
    assert!(
        seen == n - 1,
        "{n} requests on {threads} threads, request 0 the slow one: the other threads took {seen} of the other {} numbers while it waited, so numbers were kept for request 0's thread. Each thread must take the next number nobody has taken (one shared counter), not a fixed share",
        n - 1
    );
}

#[test]
fn every_number_exactly_once() {
    for (requests, threads) in [(vary(20, 30), vary(3, 3)), (3, 5), (1, 1), (0, 2)] {
        let results = watched(move || on_threads(requests, threads, |i| i * 10));
        let mut got = results.unwrap_or_else(|e| panic!("{e}"));
        got.sort_unstable();
        assert_eq!(
            got,
            (0..requests).map(|i| i * 10).collect::<Vec<_>>(),
            "{requests} requests on {threads} threads: `request` must be called once for each number; the results were {got:?}"
        );
    }
}

/// A two-step update loses what another thread did between the steps; real threads collide
/// there only by chance, so the answer's text is read.
#[test]
fn the_next_number_is_taken_in_one_step() {
    checker::source::assert_no_calls_to(
        env!("CARGO_MANIFEST_DIR"),
        &["store"],
        "a number read with `load` and written back with `store` is taken in two steps, and two threads can take the same number between them (on real threads that happens only by chance, so the checker reads the text); take the next number in one step, with `fetch_add`",
    );
}

/// A request that panics on its thread: its result is lost, so `on_threads` must say so with
/// an `Err`, neither drop it quietly nor panic itself.
#[test]
fn a_thread_that_panics_is_an_error() {
    checker::quiet_relayed_panics();
    let (n, threads) = (vary(6, 4), 2);
    let bad = n / 2;
    let outcome = std::panic::catch_unwind(move || {
        watched(move || {
            on_threads(n, threads, move |i| {
                if i == bad {
                    panic!("request {bad} failed {}", checker::DELIBERATE);
                }
                i
            })
        })
    });
    match outcome {
        Ok(Err(_)) => {}
        Ok(Ok(results)) => panic!(
            "request {bad} panicked on its thread, and on_threads answered Ok with {} results: a thread that panicked is an error to return (`join` gives it as an `Err`), not one to drop",
            results.len()
        ),
        Err(_) => panic!(
            "request {bad} panicked on its thread, and on_threads panicked too: join each thread and turn its panic into an `Err`"
        ),
    }
}
