//! The checker of `clean_up` (do not edit: `cargo exercise check` notices). The workers are
//! real processes (`src/bin/shutdown_worker.rs`), and the SIGINT is real: the ledger raises
//! it, a handler registered here records it in the flag `feed` reads. Each worker says on
//! stderr when its stdin closed, so a worker killed instead of sent its EOF is seen; a worker
//! can be made to die with a job in its hands, or to exit with a failing status.

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
    /// The workers that never saw their stdin close (killed, or still running).
    no_eof: Vec<u32>,
}

/// How the workers behave: as they should, one dies with job `crash_on` in its hands, or
/// every one exits with `exit_code` at EOF.
struct Workers {
    crash_on: u32,
    exit_code: u8,
}

const WELL: Workers = Workers {
    crash_on: 0,
    exit_code: 0,
};

/// Runs a pool of `WORKERS` feeders over `jobs` jobs, as the program's `main` does.
fn pool(jobs: u32, interrupt_after: u32, behave: Workers) -> Outcome {
    let _one_at_a_time = serial();
    let program = PathBuf::from(env!("CARGO_BIN_EXE_shutdown_worker"));
    let run = watch(program, behave.crash_on, behave.exit_code);
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
        .collect::<Vec<_>>();
    // A worker still running keeps its stderr open: end it, so that what it said can be read.
    for (pid, state) in &left {
        if state != "Z" {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
    for reader in std::mem::take(&mut *run.readers.lock().unwrap()) {
        let _ = reader.join();
    }
    let said = run.said.lock().unwrap();
    let no_eof = run
        .pids
        .lock()
        .unwrap()
        .iter()
        .copied()
        .filter(|&pid| {
            !said
                .iter()
                .any(|(p, line)| *p == pid && line.starts_with("stdin closed"))
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
        no_eof,
    }
}

/// The workers left behind, with what each state means.
fn leftovers(o: &Outcome) -> String {
    o.left
        .iter()
        .map(|(pid, state)| match state.as_str() {
            "Z" => format!("pid {pid} in state Z (it exited, but was never waited for)"),
            _ => format!(
                "pid {pid} in state {state} (still running when `feed` returned: nobody waited for it to exit)"
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every worker exited and was waited for, after it saw its stdin close.
fn cleaned_up(o: &Outcome, when: &str) {
    assert!(
        o.left.is_empty(),
        "{when}, worker processes were still there: {}. Close each worker's stdin (`drop(w.to)`), then `w.child.wait()`, on every way out of `feed`, an error too",
        leftovers(o)
    );
    assert!(
        o.no_eof.is_empty(),
        "{when}, worker(s) {:?} never saw their stdin close: they were ended another way (killed?). Close the stdin (`drop(w.to)`): the worker then finishes on its own and exits, and its exit status says whether it ended well",
        o.no_eof
    );
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
    let o = pool(jobs, after, WELL);
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
    let o = pool(40, interrupt_after(), WELL);
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
    let o = pool(40, interrupt_after(), WELL);
    no_failures(&o);
    cleaned_up(&o, "after the pool stopped");
}

#[test]
fn without_a_signal_every_job_is_done() {
    let jobs = 12 + std::process::id() % 9;
    let o = pool(jobs, 0, WELL);
    no_failures(&o);
    assert_eq!(
        o.ledger.done, jobs as usize,
        "with no signal, all {jobs} jobs are done, not {}",
        o.ledger.done
    );
    cleaned_up(&o, "after the pool finished");
}

#[test]
fn a_worker_that_dies_is_reported_and_cleaned_up() {
    let crash_on = 3 + std::process::id() % 5;
    let o = pool(
        20,
        0,
        Workers {
            crash_on,
            exit_code: 0,
        },
    );
    let failed = o.results.iter().filter(|r| r.is_err()).count();
    assert_eq!(
        failed, 1,
        "one worker died with job {crash_on} in its hands: its `feed` must return an error, and only its; the feeders returned {:?}",
        o.results
    );
    assert!(
        o.left.is_empty(),
        "after a worker died with job {crash_on} in its hands, worker processes were still there: {}. The worker that failed must be waited for too: clean up before returning the error, not after a `?`",
        leftovers(&o)
    );
}

#[test]
fn a_worker_that_exits_badly_is_reported() {
    let exit_code = 4 + (std::process::id() % 3) as u8;
    let o = pool(
        10,
        0,
        Workers {
            crash_on: 0,
            exit_code,
        },
    );
    cleaned_up(&o, "after the pool finished");
    for (n, r) in o.results.iter().enumerate() {
        assert!(
            r.is_err(),
            "worker {n} did every job and then exited with status {exit_code}, yet `feed` returned {r:?}: a worker that does not exit well is a failure to report (`status.success()`)"
        );
    }
}
