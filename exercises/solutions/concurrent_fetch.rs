//! # Many requests at once
//!
//! Guide: "Asyncio", many concurrent connections. Program:
//! examples-async/src/bin/async_requests/tokio_reqwest.rs
//! (`cargo run --release -p examples-async --bin async_requests`).
//!
//! A request spends nearly all its time waiting for the server, so N requests made one after
//! another take N waits, and made at once about one. `fetch_all` GETs every URL with `fetch`
//! and returns the outcomes in the order of `urls`. As written it sends a request only when
//! the one before has its answer. Make every request be in flight at the same time, each in a
//! task of its own, and keep the outcomes in the order of the URLs, one per URL, failed
//! requests included. Keep the signatures.
//!
//! Check it: `cargo exercise check concurrent_fetch`. The checker's loopback server holds every
//! request until all N have arrived and counts how many it had in flight at once, so a client
//! that waits for one answer before sending the next never gets past the first; and it answers
//! the last URL first, so outcomes kept in the order they arrive are in the wrong order.

use std::time::{Duration, Instant};

/// What one request came to: its HTTP status (or the error) and how long it took.
pub type Outcome = (Result<u16, String>, Duration);

/// GETs every URL at once, each in a task of its own, through one client (one connection
/// pool); the outcomes in the order of `urls`.
pub async fn fetch_all(client: &reqwest::Client, urls: Vec<String>) -> Vec<Outcome> {
    let tasks: Vec<_> = urls
        .into_iter()
        .map(|url| tokio::spawn(fetch(client.clone(), url)))
        .collect(); // every request started before any is awaited
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        // A task that panicked counts as a failed request, never as a silent success.
        outcomes.push(
            task.await
                .unwrap_or_else(|e| (Err(e.to_string()), Duration::ZERO)),
        );
    }
    outcomes
}

/// One GET, its body read: the status (or the error) and how long it took. Given: keep it.
pub async fn fetch(client: reqwest::Client, url: String) -> Outcome {
    let start = Instant::now();
    let result = async {
        let response = client.get(&url).send().await?;
        let status = response.status().as_u16();
        response.bytes().await?; // read the body: the request is complete
        Ok::<_, reqwest::Error>(status)
    }
    .await
    .map_err(|e| e.to_string());
    (result, start.elapsed())
}
