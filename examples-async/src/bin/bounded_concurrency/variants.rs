//! The four variants of running `--jobs` jobs, one of them unbounded and three that keep at
//! most `--limit` in flight, and the job itself, which counts how many are in flight at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::ValueEnum;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::Args;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    Unbounded,
    Semaphore,
    JoinSet,
    BufferUnordered,
}

/// Counts jobs in flight and remembers the most at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

/// One job: take a buffer, fetch the page into it, let go. In flight from start to end.
async fn job(
    client: reqwest::Client,
    url: Arc<str>,
    buffer_kib: u32,
    gauge: Arc<InFlight>,
) -> bool {
    let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.max.fetch_max(now, Ordering::SeqCst);
    let mut buffer = vec![0u8; buffer_kib as usize * 1024]; // touched: really resident
    buffer.iter_mut().step_by(4096).for_each(|b| *b = 1);
    let fetched = async {
        let body = client
            .get(&*url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        buffer.extend_from_slice(&body);
        Ok::<_, reqwest::Error>(())
    };
    let result = fetched.await;
    gauge.now.fetch_sub(1, Ordering::SeqCst);
    if let Err(e) = &result {
        say_first_failure(e);
    }
    result.is_ok()
}

/// The first job that fails says why on stderr (the parent prints how many failed); the
/// others only count, so that a server that is down gives one line, not thousands.
fn say_first_failure(e: &reqwest::Error) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        let cause = std::error::Error::source(e).map(|c| format!(": {c}"));
        eprintln!("a job failed: {e}{}", cause.unwrap_or_default());
    });
}

/// Runs every job the `variant` way: how many succeeded, and the most in flight at once.
pub async fn run(variant: Variant, args: &Args, url: Arc<str>) -> (u32, usize) {
    let client = reqwest::Client::new();
    let gauge = Arc::new(InFlight::default());
    let limit = args.limit as usize;
    let make = |_| {
        job(
            client.clone(),
            Arc::clone(&url),
            args.buffer_kib,
            Arc::clone(&gauge),
        )
    };
    let ok = match variant {
        Variant::Unbounded => {
            let tasks: Vec<_> = (0..args.jobs).map(|i| tokio::spawn(make(i))).collect();
            let mut ok = 0;
            for t in tasks {
                ok += u32::from(t.await.unwrap_or(false));
            }
            ok
        }
        // CHANGED: every task exists at once, but does its work only with a permit.
        Variant::Semaphore => with_semaphore((0..args.jobs).map(make), limit).await,
        Variant::JoinSet => {
            // CHANGED: a task is spawned only when one of the `limit` slots is free.
            let (mut set, mut ok) = (JoinSet::new(), 0);
            for i in 0..args.jobs {
                if set.len() == limit {
                    ok += u32::from(set.join_next().await.and_then(|r| r.ok()).unwrap_or(false));
                }
                set.spawn(make(i));
            }
            while let Some(r) = set.join_next().await {
                ok += u32::from(r.unwrap_or(false));
            }
            ok
        }
        Variant::BufferUnordered => {
            // CHANGED: no tasks at all; the stream polls at most `limit` futures at a time.
            futures::stream::iter(0..args.jobs)
                .map(make)
                .buffer_unordered(limit)
                .fold(0, |ok, done| async move { ok + u32::from(done) })
                .await
        }
    };
    (ok, gauge.max.load(Ordering::SeqCst))
}

/// At most `limit` jobs in flight: each job gets its task at once, but does its work only
/// while it holds one of `limit` permits. How many succeeded (a task that panicked did not).
async fn with_semaphore<F>(jobs: impl Iterator<Item = F>, limit: usize) -> u32
where
    F: Future<Output = bool> + Send + 'static,
{
    // exercise bounded_semaphore {
    let permits = Arc::new(Semaphore::new(limit));
    let tasks: Vec<_> = jobs
        .map(|work| {
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                // Held until the work is done: the permit goes back when `_permit` is dropped.
                let _permit = permits.acquire_owned().await.ok()?;
                Some(work.await)
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        ok += u32::from(task.await.ok().flatten().unwrap_or(false));
    }
    ok
    // exercise bounded_semaphore }
}
