//! The checker of `parallel_primes` (do not edit: `cargo exercise check` notices).

use std::panic;
use std::sync::Arc;

use checker::calls::serial;
use parallel_primes::count_threads;
use parallel_primes::primes::{RUN, Run, watch};

/// Numbers per chunk, as the task's `CHUNK`.
const CHUNK: u64 = 10_000;

/// Limits and worker counts that change from run to run, so no count can be written in. The
/// limit is one past a prime and not a multiple of the worker count, so that an answer that
/// cuts `limit / workers` numbers per thread and forgets the rest misses a prime.
fn sizes() -> (u64, u32) {
    let pid = u64::from(std::process::id());
    let workers = 3 + (pid % 2) as u32;
    (past_a_prime(60_000 + pid % 1000 * 53, workers), workers)
}

/// The first limit from `from` on that is one past a prime and not a multiple of `workers`
/// (at least 3: one past an odd prime is even).
fn past_a_prime(from: u64, workers: u32) -> u64 {
    assert!(workers >= 3);
    (from..)
        .find(|&l| prime(l - 1) && !l.is_multiple_of(u64::from(workers)))
        .unwrap()
}

/// Trial division by every number up to the square root (not the task's `is_prime`, which
/// the checker watches during a run).
fn prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// The primes below `limit`, by the sieve of Eratosthenes (nothing like the task's code).
fn sieve(limit: u64) -> u64 {
    let n = limit as usize;
    let mut composite = vec![false; n.max(2)];
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            let mut j = i * i;
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    count
}

/// Runs the learner's count with `parties` threads' first calls watched (1: nobody waits),
/// `is_prime` panicking for `panic_at`; a panic of `count_threads` comes back as an `Err`.
fn run_caught(
    limit: u64,
    workers: u32,
    parties: usize,
    panic_at: Option<u64>,
) -> (std::thread::Result<Result<u64, String>>, Arc<Run>) {
    let _one_at_a_time = serial();
    let watched = watch(parties, panic_at);
    let _watching = RUN.watch(Arc::clone(&watched));
    // Beyond the gate's own patience, so that a run that waited there is reported as that.
    let limit_s = checker::PATIENCE * if parties > 1 { 3 } else { 1 };
    let result = checker::watchdog_after(
        limit_s,
        "`count_threads` never returned: is a thread waiting for work that never comes, or is a handle never joined?",
        move || panic::catch_unwind(move || count_threads(limit, workers)),
    );
    (result, watched)
}

/// [`run_caught`], with a panic of `count_threads` passed on.
fn run(limit: u64, workers: u32, parties: usize) -> (Result<u64, String>, Arc<Run>) {
    let (result, watched) = run_caught(limit, workers, parties, None);
    (result.unwrap_or_else(|p| panic::resume_unwind(p)), watched)
}

/// Fails when more threads than `workers` called `is_prime` during the run.
fn no_more_threads_than(workers: u32, watched: &Run) {
    let threads = watched.threads.threads();
    assert!(
        threads <= workers as usize,
        "`is_prime` was called from {threads} threads, but `workers` is {workers}: start exactly `workers` threads, each taking chunk after chunk until none are left, not one thread per chunk"
    );
}

#[test]
fn the_workers_count_at_once() {
    let (limit, workers) = sizes();
    // At least 6 chunks for at most 4 workers: each worker finds a chunk to take, even when the
    // others are already waiting at their first number.
    assert!(limit > u64::from(workers) * CHUNK);
    let (_, watched) = run(limit, workers, workers as usize);
    assert!(
        !watched.threads.gave_up(),
        "{workers} workers were asked for, but only {} thread(s) called `is_prime`, and they were never all counting at the same time",
        watched.threads.threads()
    );
    no_more_threads_than(workers, &watched);
}

#[test]
fn the_count_is_right() {
    let (limit, workers) = sizes();
    let others = [
        (past_a_prime(limit + 20_011, 6), 6),
        (past_a_prime(limit / 3, 5), 5),
    ];
    for (limit, workers) in [(limit, workers)].into_iter().chain(others) {
        let (result, watched) = run(limit, workers, 1);
        let expected = sieve(limit);
        assert_eq!(
            result,
            Ok(expected),
            "below {limit} on {workers} workers there are {expected} primes; `count_threads` returned {result:?}"
        );
        let calls = watched.calls.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            calls <= limit,
            "`is_prime` was called {calls} times for the {limit} numbers below {limit}: the threads test the same numbers over again, so they share nothing of the work"
        );
    }
}

#[test]
fn small_limits_and_one_worker() {
    for (limit, workers) in [(2, 3), (10, 1), (30_001, 1), (12_345, 4)] {
        let (result, _) = run(limit, workers, 1);
        let expected = sieve(limit);
        assert_eq!(
            result,
            Ok(expected),
            "below {limit} on {workers} worker(s) there are {expected} primes; `count_threads` returned {result:?}"
        );
    }
}

#[test]
fn a_panicked_thread_is_an_error() {
    checker::quiet_relayed_panics();
    let (limit, workers) = sizes();
    let limit = past_a_prime(limit / 2, workers);
    // A prime, past the first chunk: answering `false` for it would also give a wrong count.
    let pid = u64::from(std::process::id());
    let bad = (CHUNK + pid % 1000 * 11..).find(|&n| prime(n)).unwrap();
    assert!(bad < limit);
    let (result, _) = run_caught(limit, workers, 1, Some(bad));
    match result {
        Ok(Err(_)) => {}
        Ok(Ok(total)) => panic!(
            "one thread panicked (`is_prime({bad})` did, on purpose), yet `count_threads` returned Ok({total}), below {limit} on {workers} workers: a panicked thread has no count, so return an `Err` saying so, not a total without it"
        ),
        Err(_) => panic!(
            "one thread panicked (`is_prime({bad})` did, on purpose), and `count_threads` panicked with it: a counting thread's panic must come back as an `Err` (`join()` gives it as one), not be passed on with `unwrap()`"
        ),
    }
}
