//! tokio + reqwest: one client (one connection pool) shared by every task.

use std::time::{Duration, Instant};

use crate::Outcome;

/// `n` GETs of `url`, each a task of its own, all spawned before any is awaited.
pub fn requests(url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let urls = vec![url.to_string(); n];
    Ok(runtime.block_on(fetch_all(&reqwest::Client::new(), urls)))
}

/// GETs every URL at once, each in a task of its own, through one client (one connection
/// pool); the outcomes in the order of `urls`.
async fn fetch_all(client: &reqwest::Client, urls: Vec<String>) -> Vec<Outcome> {
    // exercise concurrent_fetch {
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
    // exercise concurrent_fetch }
}

/// One GET, its body read: the status (or the error, with its causes) and how long it took.
async fn fetch(client: reqwest::Client, url: String) -> Outcome {
    let start = Instant::now();
    let result = async {
        let response = client.get(&url).send().await?;
        let status = response.status().as_u16();
        response.bytes().await?; // read the body: the request is complete
        Ok::<_, reqwest::Error>(status)
    }
    .await
    .map_err(|e| error_chain(&e));
    (result, start.elapsed())
}

/// An error with its causes: reqwest's top-level message is "error sending request", and the
/// cause says why (hyper's errors nest the same way).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
