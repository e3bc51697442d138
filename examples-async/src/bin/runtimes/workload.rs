//! The workload, once per runtime: `tasks` tasks that each sleep `delay` (spawning and
//! timers), then two tasks passing `messages` messages back and forth over a channel (task
//! switching). The three versions are the same code with the runtime's names; `main` prints
//! the port from async-std to smol.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The workload's sizes: sleeping tasks, how long each sleeps, ping-pong round trips.
pub struct Workload {
    pub tasks: u32,
    pub delay: Duration,
    pub messages: u32,
}

/// What each runtime's run returns: the two phases' times (the counts are below).
pub type Phases = (Duration, Duration);

/// Sleepers asleep now, the most at once, those that woke, and ping-pong round trips done
/// (each runtime runs in a process of its own): counted, not assumed.
static ASLEEP: AtomicU32 = AtomicU32::new(0);
pub static MOST_ASLEEP: AtomicU32 = AtomicU32::new(0);
pub static WOKE: AtomicU32 = AtomicU32::new(0);
pub static ROUND_TRIPS: AtomicU32 = AtomicU32::new(0);

/// One sleeper, counted from before its sleep until it wakes.
async fn sleeper(sleep: impl Future) {
    MOST_ASLEEP.fetch_max(ASLEEP.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
    // test witness {: a no-op outside the tests
    if let Some(start) = START.get() {
        start.wait().await;
    }
    // test witness }
    sleep.await;
    ASLEEP.fetch_sub(1, Ordering::SeqCst);
    WOKE.fetch_add(1, Ordering::SeqCst);
}

// test witness {: "all asleep at once" made certain under the tests
/// Every sleeper waits here until all are spawned. A tokio barrier, which works on any
/// runtime; set only when `WITNESS_DIR` is.
static START: std::sync::OnceLock<tokio::sync::Barrier> = std::sync::OnceLock::new();

/// Before the sleepers are spawned: how many the barrier waits for.
pub fn witness_sleepers(n: u32) {
    if shared::witness::enabled() {
        let _ = START.set(tokio::sync::Barrier::new(n as usize));
    }
}
// test witness }

pub fn on_tokio(w: &Workload) -> Result<Phases, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    Ok(runtime.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..w.tasks)
            .map(|_| tokio::spawn(sleeper(tokio::time::sleep(w.delay))))
            .collect();
        for t in tasks {
            let _ = t.await; // a sleeper that panicked never counts itself in WOKE
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let echo = tokio::spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                let _ = pong_tx.send(v).await;
            }
        });
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let messages = w.messages;
        let pinger = tokio::spawn(async move {
            for i in 0..messages {
                if ping_tx.send(i).await.is_err() || pong_rx.recv().await.is_none() {
                    break; // the echo is gone: the round trips done so far are counted
                }
                ROUND_TRIPS.fetch_add(1, Ordering::Relaxed);
            }
        });
        let _ = pinger.await;
        let _ = echo.await;
        (sleepers, start.elapsed())
    }))
}

/// The ping-pong's two sides for smol and async-std (their channels are the same crate).
async fn echo(ping: smol::channel::Receiver<u32>, pong: smol::channel::Sender<u32>) {
    while let Ok(v) = ping.recv().await {
        let _ = pong.send(v).await;
    }
}

async fn ping(ping: smol::channel::Sender<u32>, pong: smol::channel::Receiver<u32>, n: u32) {
    for i in 0..n {
        if ping.send(i).await.is_err() || pong.recv().await.is_err() {
            break; // the echo is gone: the round trips done so far are counted
        }
        ROUND_TRIPS.fetch_add(1, Ordering::Relaxed);
    }
}

pub fn on_smol(w: &Workload) -> Result<Phases, String> {
    // smol::spawn: the global executor (SMOL_THREADS threads, default 1) plus the reactor.
    Ok(smol::block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..w.tasks)
            .map(|_| smol::spawn(sleeper(smol::Timer::after(w.delay))))
            .collect();
        for t in tasks {
            t.await; // a sleeper's panic would resume here
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, ping_rx) = smol::channel::bounded::<u32>(1);
        let (pong_tx, pong_rx) = smol::channel::bounded::<u32>(1);
        let echo = smol::spawn(echo(ping_rx, pong_tx));
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let pinger = smol::spawn(ping(ping_tx, pong_rx, w.messages));
        pinger.await;
        echo.await;
        (sleepers, start.elapsed())
    }))
}

/// DISCONTINUED upstream. The smol version above is this one with the names changed (see the
/// port printed by `main`); async-std's channels are the `async-channel` crate too (major
/// version 1 there, 2 in smol, with the same calls), so the ping-pong uses smol's here.
pub fn on_async_std(w: &Workload) -> Result<Phases, String> {
    Ok(async_std::task::block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..w.tasks)
            .map(|_| async_std::task::spawn(sleeper(async_std::task::sleep(w.delay))))
            .collect();
        for t in tasks {
            t.await; // a sleeper's panic would resume here
        }
        let sleepers = start.elapsed();
        let start = Instant::now();
        let (ping_tx, ping_rx) = smol::channel::bounded::<u32>(1);
        let (pong_tx, pong_rx) = smol::channel::bounded::<u32>(1);
        let echo = async_std::task::spawn(echo(ping_rx, pong_tx));
        // The pinger is a task too, so that both sides live on the runtime's own threads.
        let pinger = async_std::task::spawn(ping(ping_tx, pong_rx, w.messages));
        pinger.await;
        echo.await;
        (sleepers, start.elapsed())
    }))
}
