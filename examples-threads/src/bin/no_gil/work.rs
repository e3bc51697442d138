//! The two workloads of `no_gil`, each run with or without the simulated GIL: one global lock
//! (a parking_lot Mutex), held while computing and handed over every 5 ms, released around
//! each blocking request, as CPython does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// CPython's switch interval: a thread that computes is asked to hand the GIL over this often.
const SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// The simulated GIL: `None` runs without one.
pub type Gil = Option<Mutex<()>>;

fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// How many threads are computing at this moment, and the most that ever were at once.
#[derive(Default)]
pub struct Computing {
    now: AtomicU64,
    pub most: AtomicU64,
}

/// Numbers per chunk of CPU work, taken from the shared counter.
pub const CHUNK: u64 = 1_000;

/// One thread's share of the CPU work: chunks of numbers taken from a counter that all the
/// threads of the run share.
pub fn compute(
    gil: &Gil,
    next: &AtomicU64,
    limit: u64,
    computing: &Computing,
    threads: u32, // test witness
) -> u64 {
    // test witness {: the threads that get a chunk meet once, each on its first chunk
    let parties = limit.div_ceil(CHUNK).min(u64::from(threads)) as usize;
    let mut first = true;
    // test witness }
    let mut guard = gil.as_ref().map(Mutex::lock);
    let mut held_since = Instant::now();
    let mut found = 0;
    loop {
        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
        if start >= limit {
            return found;
        }
        // Counted while computing a chunk: under the GIL, never more than one thread at once.
        let now = computing.now.fetch_add(1, Ordering::SeqCst) + 1;
        computing.most.fetch_max(now, Ordering::SeqCst);
        // test witness {: without the GIL, all threads computing at once
        if guard.is_none() && std::mem::take(&mut first) {
            shared::witness::arrive(&format!("cpu-{threads}"), parties);
        }
        // test witness }
        found += (start..(start + CHUNK).min(limit))
            .filter(|&n| is_prime(n))
            .count() as u64;
        computing.now.fetch_sub(1, Ordering::SeqCst);
        // Every 5 ms, hand the GIL to a waiting thread (if any) and queue up for it again.
        if let Some(g) = guard.as_mut()
            && held_since.elapsed() >= SWITCH_INTERVAL
        {
            parking_lot::MutexGuard::bump(g);
            held_since = Instant::now();
        }
    }
}

/// One thread's share of the I/O work: `n` requests, numbered by a counter that all the
/// threads of the run share.
pub fn fetch(
    gil: &Gil,
    next: &AtomicU64,
    n: u64,
    agent: &ureq::Agent,
    url: &str,
    threads: u32, // test witness
) -> u64 {
    // test witness {: the threads that get a request meet before they wait on it
    let section = format!("io-{}-{threads}", gil.is_some());
    let parties = n.min(u64::from(threads)) as usize;
    // test witness }
    let mut ok = 0;
    loop {
        // Deciding what to do next is Python code: it runs under the GIL.
        let guard = gil.as_ref().map(Mutex::lock);
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return ok;
        }
        // A blocking call releases the GIL while it waits, as CPython's socket code does.
        drop(guard);
        shared::witness::arrive(&section, parties); // test witness: the threads wait at once, GIL or not
        let response = agent.get(url).call();
        let _guard = gil.as_ref().map(Mutex::lock);
        if let Ok(mut r) = response
            && r.status() == 200
            && r.body_mut().read_to_string().is_ok()
        {
            ok += 1;
        }
    }
}

/// Runs `work` on `threads` threads sharing one counter; returns the wall time and the sum of
/// what the threads returned, or an error if one of them panicked.
pub fn run(
    threads: u32,
    work: impl Fn(&AtomicU64) -> u64 + Sync,
) -> Result<(Duration, u64), String> {
    let next = AtomicU64::new(0);
    let start = Instant::now();
    let total = thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| work(&next))).collect();
        // Every thread joined before the sum stops at an error: one left unjoined that
        // panicked too would make the scope panic instead.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        joined
            .into_iter()
            .map(|j| j.map_err(|_| "a worker thread panicked".to_string()))
            .sum::<Result<u64, String>>()
    })?;
    Ok((start.elapsed(), total))
}
