//! The checker of `bounded_semaphore` (do not edit: `cargo exercise check` notices). Every
//! test runs on one thread with tokio's paused clock. The checker's jobs stay in flight until
//! it releases them; between two steps it sleeps one (virtual) millisecond, which the clock
//! reaches only once every task has run as far as it can, so each count it reads is exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bounded_semaphore::with_semaphore;
use tokio::sync::Semaphore;
use tokio::time::{Duration, sleep};

/// The jobs' shared counters, and the checker's hold on them.
struct Jobs {
    in_flight: AtomicUsize,
    /// Permits the checker adds to let that many jobs finish.
    release: Semaphore,
}

/// A job: in flight from its first poll until the checker releases it; then answers `ok`.
async fn job(jobs: Arc<Jobs>, ok: bool) -> bool {
    jobs.in_flight.fetch_add(1, Ordering::SeqCst);
    if let Ok(permit) = jobs.release.acquire().await {
        permit.forget();
    }
    jobs.in_flight.fetch_sub(1, Ordering::SeqCst);
    ok
}

/// Lets every task run as far as it can: the paused clock reaches the millisecond only when
/// nothing else can run.
async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

/// A limit of 2 to 5 and a number of jobs, from the process id: nothing to hard-code.
fn sizes() -> (usize, usize) {
    let seed = std::process::id() as usize;
    let limit = 2 + seed % 4;
    (limit, 3 * limit + 1 + seed % limit)
}

#[tokio::test(start_paused = true)]
async fn at_most_limit_in_flight_and_limit_reached() {
    let (limit, n) = sizes();
    let jobs = Arc::new(Jobs {
        in_flight: AtomicUsize::new(0),
        release: Semaphore::new(0),
    });
    let all = (0..n)
        .map(|_| job(Arc::clone(&jobs), true))
        .collect::<Vec<_>>();
    let run = tokio::spawn(with_semaphore(all.into_iter(), limit));
    let mut finished = 0;
    while finished < n {
        settle().await;
        let now = jobs.in_flight.load(Ordering::SeqCst);
        let waiting = n - finished;
        assert!(
            now <= limit,
            "limit {limit}, {waiting} jobs not yet done: {now} were in flight at once"
        );
        assert_eq!(
            now,
            limit.min(waiting),
            "limit {limit}, {waiting} jobs not yet done: only {now} were in flight, the others waited though permits were free"
        );
        jobs.release.add_permits(now); // these finish; the next ones may start
        finished += now;
    }
    let ok = run.await.expect("with_semaphore panicked");
    assert_eq!(ok, n as u32, "{n} jobs all answered true: counted {ok}");
}

#[tokio::test(start_paused = true)]
async fn every_success_is_counted() {
    checker::quiet_deliberate_panics();
    let (limit, n) = sizes();
    let seed = std::process::id() as usize;
    let jobs = Arc::new(Jobs {
        in_flight: AtomicUsize::new(0),
        release: Semaphore::new(n), // nobody waits
    });
    let every = 2 + seed % 3;
    let panics_at = seed % n;
    let answers: Vec<bool> = (0..n).map(|i| i % every != 0).collect();
    let all: Vec<_> = (0..n)
        .map(|i| {
            let (jobs, ok) = (Arc::clone(&jobs), answers[i]);
            async move {
                if i == panics_at {
                    panic!("job {i}: a bug {}", checker::DELIBERATE);
                }
                job(jobs, ok).await
            }
        })
        .collect();
    let expected = (0..n).filter(|&i| answers[i] && i != panics_at).count() as u32;
    let ok = with_semaphore(all.into_iter(), limit).await;
    assert_eq!(
        ok, expected,
        "{n} jobs, {expected} of them answering true (the others false, one panicking): counted {ok}"
    );
}
