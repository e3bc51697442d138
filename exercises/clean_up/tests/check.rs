//! The checker of `clean_up` (do not edit: `cargo exercise check` notices). The workers are
//! real processes (`src/bin/shutdown_worker.rs`), and the SIGINT is real: the ledger raises
//! it, a handler registered here records it in the flag `feed` reads.

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::thread;

use checker::calls::serial;
use clean_up::feed;
use clean_up::pool::{Args, Ledger, RUN, start_worker, watch};
use signal_hook::consts::SIGINT;

const WORKERS: usize = 2;

/// After how many jobs the pool sends itself SIGINT: changes from run to run.
fn interrupt_after() -> u32 {
    3 + std::process::id() % 6
}

/// What one run of the pool left.
struct Outcome {
    results: Vec<Result<(), String>>,
    ledger: Ledger,
    /// The workers that are still there: (pid, state), a state of Z being a zombie.
    left: Vec<(u32, String)>,
}

/// Runs a pool of `WORKERS` feeders over `jobs` jobs, as the program's `main` does.
fn pool(jobs: u32, interrupt_after: u32) -> Outcome {
    let _one_at_a_time = serial();
    let run = watch(PathBuf::from(env!("CARGO_BIN_EXE_shutdown_worker")));
    let _watching = RUN.watch(Arc::clone(&run));
    let signal = Arc::new(AtomicUsize::new(0));
    let handler = signal_hook::flag::register_usize(SIGINT, Arc::clone(&signal), SIGINT as usize)
        .expect("a SIGINT handler");
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| start_worker().expect("a worker process"))
        .collect();
    let ledger = Arc::new(Mutex::new(Ledger::new(jobs)));
    let results = {
        let (ledger, signal) = (Arc::clone(&ledger), Arc::clone(&signal));
        checker::watchdog(
            "the pool never finished: is a feeder waiting for its worker to exit while the worker still waits for jobs on an open stdin?",
            move || {
                let args = Args {
                    jobs,
                    span: 2_000,
                    interrupt_after,
                };
                let next = AtomicUsize::new(0);
                thread::scope(|s| {
                    let feeders: Vec<_> = workers
                        .into_iter()
                        .enumerate()
                        .map(|(n, w)| {
                            let (args, next, signal, ledger) = (&args, &next, &*signal, &*ledger);
                            s.spawn(move || feed(n, w, args, next, signal, ledger))
                        })
                        .collect();
                    feeders
                        .into_iter()
                        .map(|f| f.join().unwrap_or_else(|_| Err("a feeder panicked".into())))
                        .collect::<Vec<_>>()
                })
            },
        )
    };
    signal_hook::low_level::unregister(handler);
    let left = run
        .pids
        .lock()
        .unwrap()
        .iter()
        .filter_map(|&pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let state = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .next()?
                .to_string();
            Some((pid, state))
        })
        .collect();
    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .and_then(|l| l.into_inner().ok())
        .expect("the ledger, back from the feeders");
    Outcome {
        results,
        ledger,
        left,
    }
}

fn no_failures(o: &Outcome) {
    for r in &o.results {
        if let Err(e) = r {
            panic!("a feeder failed: {e}");
        }
    }
}

#[test]
fn a_signal_stops_the_pool_taking_jobs() {
    let (jobs, after) = (40, interrupt_after());
    let o = pool(jobs, after);
    no_failures(&o);
    let l = &o.ledger;
    let not_started = l.sent.iter().filter(|&&n| n == 0).count();
    assert!(
        not_started > 0,
        "SIGINT came after {after} of {jobs} jobs, yet every job was sent: check `signal` before taking each job"
    );
    assert!(
        l.done < after as usize + WORKERS,
        "SIGINT came after {after} jobs, when the {WORKERS} workers held at most {} more, yet {} were done: no new job may start once `signal` is set",
        WORKERS - 1,
        l.done
    );
    assert!(
        l.announced,
        "the signal was never announced (`Ledger::announce`)"
    );
}

#[test]
fn nothing_is_lost_or_done_twice() {
    let o = pool(40, interrupt_after());
    no_failures(&o);
    let l = &o.ledger;
    for (i, (&sent, answers)) in l.sent.iter().zip(&l.answers).enumerate() {
        assert!(sent <= 1, "job {} was sent {sent} times", i + 1);
        assert_eq!(
            answers.len(),
            sent as usize,
            "job {} was sent {sent} time(s) and answered {} time(s): a job sent must be finished",
            i + 1,
            answers.len()
        );
    }
}

#[test]
fn every_worker_exits_and_is_waited_for() {
    let o = pool(40, interrupt_after());
    no_failures(&o);
    assert!(
        o.left.is_empty(),
        "after the pool stopped, worker processes were still there: {} (state Z: it exited but was never waited for; close its stdin, then `wait` for it)",
        o.left
            .iter()
            .map(|(pid, state)| format!("pid {pid} in state {state}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

#[test]
fn without_a_signal_every_job_is_done() {
    let jobs = 12 + std::process::id() % 9;
    let o = pool(jobs, 0);
    no_failures(&o);
    assert_eq!(
        o.ledger.done, jobs as usize,
        "with no signal, all {jobs} jobs are done, not {}",
        o.ledger.done
    );
    assert!(
        o.left.is_empty(),
        "after the pool finished, worker processes were still there: {:?} (state Z: it exited but was never waited for)",
        o.left
    );
}
