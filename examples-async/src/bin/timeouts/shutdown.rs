//! Part 5, graceful shutdown: the program handles SIGINT and SIGTERM itself, stops taking new
//! jobs, and waits (up to `--drain-ms`) for the ones in flight, counting any it had to abandon.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use shared::fmt_duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::task::TaskTracker;

use crate::Args;

/// 5. Graceful shutdown on Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
pub async fn run(args: &Args) -> ExitCode {
    println!(
        "== 5. graceful shutdown: two new jobs every 50 ms, each {} ms",
        args.job_ms
    );
    // Registered now, before the prompt, so that a Ctrl-C from here on is ours to handle.
    let (mut interrupt, mut terminate) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: cannot handle SIGINT and SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "press Ctrl-C to shut down (or wait {} ms)",
        args.shutdown_after_ms
    );
    let tracker = TaskTracker::new();
    let (accepted, finished) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    let deadline = tokio::time::sleep(Duration::from_millis(args.shutdown_after_ms));
    tokio::pin!(deadline);
    tick.tick().await; // the first tick is immediate
    let why = loop {
        // Two jobs a tick, accepted before waiting: however early a Ctrl-C comes, there are
        // jobs in flight to drain.
        for _ in 0..2 {
            accepted.fetch_add(1, Ordering::SeqCst);
            let (finished, job) = (Arc::clone(&finished), Duration::from_millis(args.job_ms));
            tracker.spawn(async move {
                tokio::time::sleep(job).await; // the job's work
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        tokio::select! {
            _ = interrupt.recv() => break "SIGINT",
            _ = terminate.recv() => break "SIGTERM",
            _ = &mut deadline => break "no Ctrl-C in time, shutting down as if one came",
            _ = tick.tick() => {}
        }
    };
    let in_flight = tracker.len();
    let in_flight = shared::fmt_count(in_flight, "job", "jobs");
    println!("{why}: stopped accepting; waiting for {in_flight} in flight");
    let start = Instant::now();
    tracker.close();
    let drained = tokio::time::timeout(Duration::from_millis(args.drain_ms), tracker.wait()).await;
    let (accepted, finished) = (
        accepted.load(Ordering::SeqCst),
        finished.load(Ordering::SeqCst),
    );
    println!(
        "accepted {accepted}, finished {finished}, lost {}; {} {}",
        accepted - finished,
        if drained.is_ok() {
            "drained in"
        } else {
            "gave up after"
        },
        fmt_duration(start.elapsed())
    );
    if drained.is_err() {
        // The jobs still running are dropped with the runtime: work lost, so status 1.
        eprintln!(
            "error: {} of {accepted} jobs abandoned after --drain-ms {}",
            accepted - finished,
            args.drain_ms
        );
        return ExitCode::FAILURE;
    }
    if finished < accepted {
        // Drained, yet not finished: a job ended without its work (it panicked).
        eprintln!("error: {} of {accepted} jobs failed", accepted - finished);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
