//! # Threaded fetch
//!
//! Guide: "Threading: network requests with blocking libraries". Program:
//! examples-threads/src/bin/threaded_requests/main.rs
//! (`cargo run -p examples-threads --bin threaded_requests`).
//!
//! A blocking GET parks the thread that makes it until the answer comes, so N requests made
//! one after another take N times as long as one. `fetch_all` hands its URLs to `on_threads`,
//! which as written makes the requests one by one on the caller's thread. Make `on_threads`
//! call `request` for every number in `0..requests` on `threads` threads at once, each thread
//! taking the next number nobody has taken until none is left, and return every result (in
//! any order). `threads` may be fewer than `requests` (a pool) or as many (one per request).
//! A thread that panics (in `request`) makes `on_threads` return an `Err` saying so.
//!
//! Check it: `cargo exercise check threaded_fetch`. The checker's loopback server holds each
//! request until `threads` of them have arrived, which only threads waiting side by side
//! bring about, and counts the most in flight at once; the URLs change on every run. It also
//! makes request 0 wait until every other number has been asked for, which threads with a
//! fixed share each never do.

use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

pub mod http;

/// Calls `request(0)` to `request(requests - 1)` on `threads` threads; the results in any
/// order.
pub fn on_threads<T: Send>(
    requests: u32,
    threads: u32,
    request: impl Fn(u32) -> T + Sync,
) -> Result<Vec<T>, String> {
    let (next, request) = (&AtomicU32::new(0), &request);
    thread::scope(|s| {
        let work = move || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    return done;
                }
                done.push(request(i));
            }
        };
        let handles = (0..threads)
            .map(|w| {
                thread::Builder::new()
                    .name(format!("worker-{}", w + 1))
                    .spawn_scoped(s, work)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        // Join every thread before looking at any: one left unjoined that panicked too would
        // make the scope panic instead of returning this error.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        let mut results = Vec::new();
        for j in joined {
            results.extend(j.map_err(|_| "a request thread panicked".to_string())?);
        }
        Ok(results)
    })
}

/// Fetches every URL on `threads` threads; the answers in the order of `urls`.
pub fn fetch_all(urls: &[String], threads: u32) -> Result<Vec<Result<String, String>>, String> {
    let mut answers = on_threads(urls.len() as u32, threads, |i| {
        (i, http::get(&urls[i as usize]))
    })?;
    answers.sort_by_key(|(i, _)| *i);
    Ok(answers.into_iter().map(|(_, answer)| answer).collect())
}
