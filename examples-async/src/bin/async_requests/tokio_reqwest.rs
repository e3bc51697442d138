//! tokio + reqwest: one client (one connection pool) shared by every task.

use std::time::{Duration, Instant};

use crate::{Outcome, error_chain};

/// `n` GETs of `url`, each a task of its own, all spawned before any is awaited.
pub fn requests(url: &str, n: usize) -> Result<Vec<Outcome>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (client, url) = (client.clone(), url.to_string());
                tokio::spawn(async move {
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
                })
            })
            .collect();
        let mut outcomes = Vec::with_capacity(n);
        for t in tasks {
            // A task that panicked counts as a failed request, never as a silent success.
            outcomes.push(
                t.await
                    .unwrap_or_else(|e| (Err(e.to_string()), Duration::ZERO)),
            );
        }
        Ok(outcomes)
    })
}
