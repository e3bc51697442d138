//! The checker of `bounded_semaphore` (do not edit: `cargo exercise check` notices). Every
//! test runs on one thread with tokio's paused clock. The checker's jobs stay in flight until
//! it releases them, one at a time and not in the order they started; between two steps it
//! sleeps one (virtual) millisecond, which the paused clock reaches only once every task has
//! run as far as it can (it moves only when nothing else can run, never by the real time), so
//! each count it reads is exact.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bounded_semaphore::with_semaphore;
use tokio::sync::Semaphore;
use tokio::time::{Duration, sleep};

/// The jobs' shared counters, and the checker's hold on each job.
struct Jobs {
    in_flight: AtomicUsize,
    /// The most jobs that were ever in flight at once.
    most: AtomicUsize,
    /// The jobs in flight, in the order they started.
    started: Mutex<Vec<usize>>,
    /// One per job: the checker adds a permit to let that job finish.
    release: Vec<Semaphore>,
}

impl Jobs {
    /// `n` jobs, held until released, or finishing at once if `held` is false.
    fn new(n: usize, held: bool) -> Arc<Jobs> {
        Arc::new(Jobs {
            in_flight: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            started: Mutex::new(Vec::new()),
            release: (0..n)
                .map(|_| Semaphore::new(if held { 0 } else { 1 }))
                .collect(),
        })
    }
}

/// Job `i`: in flight from its first poll until the checker releases it; then answers `ok`.
async fn job(jobs: Arc<Jobs>, i: usize, ok: bool) -> bool {
    let now = jobs.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    jobs.most.fetch_max(now, Ordering::SeqCst);
    jobs.started.lock().unwrap().push(i);
    if let Ok(permit) = jobs.release[i].acquire().await {
        permit.forget();
    }
    jobs.started.lock().unwrap().retain(|&j| j != i);
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

/// "1 was", "3 were".
fn were(n: usize) -> String {
    if n == 1 {
        "1 was".into()
    } else {
        format!("{n} were")
    }
}

/// Which job in flight (listed in the order they started) the checker lets finish at `step`:
/// the newest first, then the oldest, then one drawn from the process id. So no order of
/// awaiting (the oldest first, the newest first, a whole batch) lines up with the releases.
fn pick(started: &[usize], step: usize, draw: &mut u64) -> usize {
    let at = match step {
        0 => started.len() - 1,
        1 => 0,
        _ => {
            // xorshift: a different order on every run, the same all through this run.
            *draw ^= *draw << 13;
            *draw ^= *draw >> 7;
            *draw ^= *draw << 17;
            (*draw % started.len() as u64) as usize
        }
    };
    started[at]
}

#[tokio::test(start_paused = true)]
async fn at_most_limit_in_flight_and_limit_reached() {
    let (limit, n) = sizes();
    let jobs = Jobs::new(n, true);
    let all = (0..n)
        .map(|i| job(Arc::clone(&jobs), i, true))
        .collect::<Vec<_>>();
    let run = tokio::spawn(with_semaphore(all.into_iter(), limit));
    let mut draw = u64::from(std::process::id()) | 1;
    for finished in 0..=n {
        settle().await;
        let now = jobs.in_flight.load(Ordering::SeqCst);
        let most = jobs.most.load(Ordering::SeqCst);
        let waiting = n - finished;
        assert!(
            most <= limit,
            "limit {limit}, {n} jobs: {} in flight at once. Each task must hold its permit for the whole job: a permit taken with `let _ = ...` is dropped at once; bind it to a name (`let _permit = ...`)",
            were(most)
        );
        let when = if finished == 0 {
            "at first".to_string()
        } else {
            format!(
                "after the checker let {finished} finish (one at a time, not in the order they started)"
            )
        };
        assert_eq!(
            now,
            limit.min(waiting),
            "limit {limit}, {n} jobs: {when}, only {} in flight while {} not yet done: a job that waits must start as soon as fewer than `limit` are in flight",
            were(now),
            were(waiting)
        );
        if waiting == 0 {
            break;
        }
        let started = jobs.started.lock().unwrap().clone();
        jobs.release[pick(&started, finished, &mut draw)].add_permits(1);
    }
    let ok = run.await.expect("with_semaphore panicked");
    assert_eq!(ok, n as u32, "{n} jobs all answered true: counted {ok}");
}

#[tokio::test(start_paused = true)]
async fn every_success_is_counted() {
    checker::quiet_deliberate_panics();
    let (limit, n) = sizes();
    let seed = std::process::id() as usize;
    let jobs = Jobs::new(n, false); // nobody waits
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
                job(jobs, i, ok).await
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
