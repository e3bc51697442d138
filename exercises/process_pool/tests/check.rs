//! The checker of `process_pool` (do not edit: `cargo exercise check` notices). The workers
//! are real processes (`src/bin/pool_worker.rs`); the barrier they meet at is a folder of
//! files, made afresh for each run.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use checker::calls::serial;
use process_pool::count_processes;
use process_pool::pool::{RUN, Run, watch};

/// A limit that changes from run to run.
fn limit() -> u64 {
    30_000 + u64::from(std::process::id()) % 997 * 31
}

/// The primes below `limit`, by the sieve of Eratosthenes (nothing like the task's code).
fn sieve(limit: u64) -> u64 {
    let n = limit as usize;
    let mut composite = vec![false; n.max(2)];
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            (i * i..n).step_by(i).for_each(|j| composite[j] = true);
        }
    }
    count
}

/// A fresh, empty folder for one run's barrier.
fn barrier_dir() -> PathBuf {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "process_pool-check-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).expect("a temporary folder");
    dir
}

/// Runs the learner's pool; with `at_once`, its workers meet at a barrier of every worker that
/// gets a job (the other tests run free).
fn pool(
    limit: u64,
    workers: u32,
    chunk: u64,
    at_once: bool,
) -> (Result<(u64, u64), String>, Arc<Run>) {
    let _one_at_a_time = serial();
    let jobs = limit.div_ceil(chunk);
    let parties = if at_once {
        u64::from(workers).min(jobs) as usize
    } else {
        1
    };
    let dir = barrier_dir();
    let run = watch(
        PathBuf::from(env!("CARGO_BIN_EXE_pool_worker")),
        dir.clone(),
        parties,
    );
    let _watching = RUN.watch(Arc::clone(&run));
    let result = checker::watchdog_after(
        // Beyond the barrier's own patience, so that a run that waited there says so.
        checker::PATIENCE * if at_once { 3 } else { 1 },
        "`count_processes` never returned: is a feeder waiting for a worker, or a worker for a job?",
        move || count_processes(limit, workers, chunk),
    );
    let _ = std::fs::remove_dir_all(&dir);
    (result, run)
}

#[test]
fn the_workers_work_at_once() {
    let workers = 3;
    let (result, run) = pool(limit(), workers, 1_000, true);
    let started = run.started.load(Ordering::SeqCst);
    assert!(
        started >= u64::from(workers),
        "{workers} workers were asked for, {started} started"
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn the_count_is_right() {
    let limit = limit();
    for (limit, workers, chunk) in [
        (limit, 3, 1_000),
        (limit + 4_321, 2, 777),
        (limit / 2, 4, 3_000),
    ] {
        let (result, run) = pool(limit, workers, chunk, false);
        let (total, peaks) = result.unwrap_or_else(|e| panic!("{e}"));
        let expected = sieve(limit);
        assert_eq!(
            total, expected,
            "below {limit}, with {workers} workers and jobs of {chunk}, there are {expected} primes, not {total}"
        );
        let reported = run.peaks.load(Ordering::SeqCst);
        assert_eq!(
            peaks, reported,
            "the workers reported peaks adding up to {reported} KiB: return their sum, not {peaks}"
        );
    }
}

#[test]
fn every_job_is_fed_once() {
    let (limit, chunk) = (limit(), 1_500);
    let (result, run) = pool(limit, 3, chunk, false);
    result.unwrap_or_else(|e| panic!("{e}"));
    let (fed, jobs) = (run.fed.load(Ordering::SeqCst), limit.div_ceil(chunk));
    assert_eq!(
        fed, jobs,
        "{jobs} jobs, but `feed` handed out {fed}: the feeders must share one `next` counter"
    );
}

#[test]
fn more_workers_than_jobs() {
    // Two jobs for four workers: two workers get one each, the other two none.
    let limit = 2_000 + limit() % 1000;
    let (result, _) = pool(limit, 4, limit.div_ceil(2), true);
    let (total, _) = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(total, sieve(limit), "below {limit} on 4 workers, 2 jobs");
}
