//! The checker of `process_pool` (do not edit: `cargo exercise check` notices). The workers
//! are real processes (`src/bin/pool_worker.rs`); the barrier they meet at is a folder of
//! files, made afresh for each run. The limits, the numbers of workers and the sizes of the
//! jobs come from the process id: a learner cannot guess them, and each test that asks for
//! workers asks for two different numbers, so no number of one's own passes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use checker::calls::serial;
use process_pool::count_processes;
use process_pool::pool::{RUN, Run, watch};

fn seed() -> u64 {
    u64::from(std::process::id())
}

/// A limit that changes from run to run.
fn limit() -> u64 {
    30_000 + seed() % 997 * 31
}

/// Two different numbers of workers, from 2 to 7, that change from run to run.
fn two_worker_counts() -> (u32, u32) {
    let a = 2 + (seed() % 3) as u32;
    (a, a + 1 + (seed() / 3 % 3) as u32)
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

/// A folder removed when dropped: after a run, and when a watchdog's panic ends one.
struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh, empty folder for one run's barrier.
fn barrier_dir() -> Folder {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "process_pool-check-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).expect("a temporary folder");
    Folder(dir)
}

/// How one run goes: its workers meet at a barrier of every worker that gets a job
/// (`AtOnce`), or run free (`Free`), or run free and the worker given job `id` dies on it.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Free,
    AtOnce,
    DiesOn(usize),
}

/// Runs the learner's pool one way.
fn pool(limit: u64, workers: u32, chunk: u64, way: Way) -> (Result<(u64, u64), String>, Arc<Run>) {
    let _one_at_a_time = serial();
    let jobs = limit.div_ceil(chunk);
    let parties = match way {
        Way::AtOnce => u64::from(workers).min(jobs) as usize,
        _ => 1,
    };
    let dies_on = match way {
        Way::DiesOn(id) => Some(id),
        _ => None,
    };
    let dir = barrier_dir();
    let run = watch(
        PathBuf::from(env!("CARGO_BIN_EXE_pool_worker")),
        dir.0.clone(),
        parties,
        dies_on,
    );
    let _watching = RUN.watch(Arc::clone(&run));
    let result = checker::watchdog_after(
        // Beyond the barrier's own patience, so that a run that waited there says so.
        checker::PATIENCE * if way == Way::AtOnce { 3 } else { 1 },
        "`count_processes` never returned: is a feeder waiting for a worker, or a worker for a job?",
        move || count_processes(limit, workers, chunk),
    );
    drop(dir);
    (result, run)
}

/// `n` things, in words: "1 job", "2 jobs".
fn count(n: u64, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// Fails unless exactly `workers` workers were started.
fn started_exactly(run: &Run, workers: u32, jobs: u64) {
    let started = run.started.load(Ordering::SeqCst);
    assert!(
        started == u64::from(workers),
        "`workers` was {workers}, for {}, and {started} worker {} started: start exactly `workers`, whatever the number (the checker draws a new one each run), even with fewer jobs",
        count(jobs, "job"),
        if started == 1 {
            "process was"
        } else {
            "processes were"
        }
    );
}

#[test]
fn the_workers_work_at_once() {
    let (a, b) = two_worker_counts();
    let limit = limit();
    // First free, then at the barrier: a pool of a number of its own fails one of the two.
    for (workers, way) in [(a, Way::Free), (b, Way::AtOnce)] {
        let (result, run) = pool(limit, workers, 1_000, way);
        started_exactly(&run, workers, limit.div_ceil(1_000));
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}

#[test]
fn the_count_is_right() {
    let (a, b) = two_worker_counts();
    let limit = limit();
    for (limit, workers, chunk) in [
        (limit, a, 1_000),
        (limit + 4_321, b, 777),
        (limit / 2, a + 1, 3_000),
    ] {
        let (result, run) = pool(limit, workers, chunk, Way::Free);
        let (total, peaks) = result.unwrap_or_else(|e| panic!("{e}"));
        let expected = sieve(limit);
        assert!(
            total == expected,
            "below {limit}, with {workers} workers and jobs of {chunk}, there are {expected} primes, not {total}"
        );
        let reported = run.peaks.load(Ordering::SeqCst);
        assert!(
            peaks == reported,
            "the workers reported peaks adding up to {reported} KiB: return their sum, not {peaks}"
        );
    }
}

#[test]
fn every_job_is_fed_once() {
    let (_, workers) = two_worker_counts();
    let (limit, chunk) = (limit(), 1_500);
    let (result, run) = pool(limit, workers, chunk, Way::Free);
    result.unwrap_or_else(|e| panic!("{e}"));
    let (fed, jobs) = (run.fed.load(Ordering::SeqCst), limit.div_ceil(chunk));
    assert!(
        fed == jobs,
        "{jobs} jobs, but `feed` handed out {fed}: the feeders must share one `next` counter"
    );
}

#[test]
fn a_dead_worker_is_an_error() {
    let (workers, _) = two_worker_counts();
    let (limit, chunk) = (limit(), 1_000);
    let jobs = limit.div_ceil(chunk);
    let dies_on = (seed() / 9 % jobs) as usize;
    let (result, run) = pool(limit, workers, chunk, Way::DiesOn(dies_on));
    let failures = run
        .failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some(failure) = failures.first() else {
        panic!(
            "the worker given job {dies_on} died on it, yet no `feed` returned an error: was job {dies_on} ever fed?"
        );
    };
    match result {
        Err(e) if failures.iter().any(|f| e.contains(f.as_str())) => {}
        Ok((total, _)) => panic!(
            "a worker died on job {dies_on} (`feed` returned the error {failure:?}), and `count_processes` still answered Ok, with {total} primes: when a `feed` fails, return its error"
        ),
        Err(e) => panic!(
            "a worker died on job {dies_on}, and `feed` returned the error {failure:?}; `count_processes` answered another error, {e:?}: return the error `feed` gave"
        ),
    }
}

#[test]
fn more_workers_than_jobs() {
    // One or two jobs, for three to six workers: the others get none.
    let limit = 2_000 + limit() % 1000;
    let workers = 3 + (seed() % 4) as u32;
    let jobs = 1 + seed() / 4 % 2;
    let (result, run) = pool(limit, workers, limit.div_ceil(jobs), Way::Free);
    started_exactly(&run, workers, jobs);
    let (total, _) = result.unwrap_or_else(|e| panic!("{e}"));
    let stopped = run.stopped.load(Ordering::SeqCst);
    assert!(
        stopped == u64::from(workers),
        "{workers} workers for {}: `feed` stopped {stopped} of them; give every worker to `feed`, one that gets no job too: it closes the worker's stdin and waits for it to exit",
        count(jobs, "job")
    );
    let expected = sieve(limit);
    assert!(
        total == expected,
        "below {limit}, with {workers} workers for {}, there are {expected} primes, not {total}",
        count(jobs, "job")
    );
}
