//! The server's counters, shared by every connection task: connections open (and the most at
//! once), requests, and `/delay` requests in flight, counted by a guard so that the count
//! cannot drift.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Each counter is atomic: connection tasks on every worker thread update them at once.
#[derive(Default)]
pub struct Stats {
    pub open: AtomicU64,
    pub peak_open: AtomicU64,
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    /// `/delay` requests waiting for their answer.
    pub in_flight: AtomicU64,
    // test witness {: what the tests' gate watches
    /// `/delay` requests that have arrived so far.
    arrived: tokio::sync::watch::Sender<u64>,
    // test witness }
}

impl Stats {
    /// Open connections, their peak, requests, requests in flight.
    pub fn snapshot(&self) -> [u64; 4] {
        [&self.open, &self.peak_open, &self.requests, &self.in_flight]
            .map(|c| c.load(Ordering::Relaxed))
    }
}

/// One `/delay` request in flight. Dropping it takes it off the count, also when the client
/// hangs up and hyper drops the handler mid-wait: the count cannot drift.
pub struct InFlight(Arc<Stats>);

impl InFlight {
    pub fn enter(stats: &Arc<Stats>) -> InFlight {
        stats.in_flight.fetch_add(1, Ordering::Relaxed);
        stats.arrived.send_modify(|n| *n += 1); // test witness
        InFlight(Arc::clone(stats))
    }

    // test witness {
    /// Test witness: under `WITNESS_GATE=N`, hold the request until N have arrived, so that
    /// "N in flight at once" is certain; at most the witness timeout, and a no-op otherwise.
    pub async fn gate(&self) {
        if let Some(n) = shared::witness::gate() {
            let mut arrived = self.0.arrived.subscribe();
            let wait = arrived.wait_for(|a| *a >= n);
            let _ = tokio::time::timeout(shared::witness::timeout(), wait).await;
        }
    }
    // test witness }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One open connection. Dropping it takes it off the count, however the connection's task
/// ends: answered, hung up on, or unwound by a panic (which the panic hook reports).
pub struct Open(pub Arc<Stats>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}
