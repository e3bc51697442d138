//! The checker of `background_worker` (do not edit: `cargo exercise check` notices). The
//! caller here is a test thread that waits for progress with a patience far beyond what a
//! right answer needs: no clock decides anything.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;

use background_worker::work::{RUN, Run, watch};
use background_worker::{CHUNK, Shared, count_primes};
use checker::PATIENCE;
use checker::calls::serial;

/// A limit that changes from run to run: several chunks, not a whole number of them.
fn limit() -> u64 {
    4 * CHUNK + 1 + u64::from(std::process::id()) % (2 * CHUNK)
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

/// What one background run showed.
struct Seen {
    answer: Option<u64>,
    /// The progress the caller read while the work was under way (None: it saw none).
    progress: Option<u64>,
    done_below_at_end: u64,
    run: Arc<Run>,
}

/// Starts `count_primes` on a worker thread and plays the caller: waits for the first progress
/// (cancelling then, if asked), lets the worker go on, and collects the answer. With `hold`,
/// the second chunk waits until the caller has read the progress.
fn background(limit: u64, cancel: bool, hold: bool) -> Seen {
    let _one_at_a_time = serial();
    let shared = Arc::new(Shared::default());
    let run = watch(hold, Some(Arc::clone(&shared)));
    let _watching = RUN.watch(Arc::clone(&run));
    let worker = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || count_primes(limit, &shared))
    };
    // The caller keeps going: here it only looks for progress, as a UI would between frames.
    let mut progress = None;
    let since = std::time::Instant::now(); // only a patience, far beyond a right answer's needs
    while since.elapsed() < PATIENCE {
        let done = shared.done_below.load(Ordering::SeqCst);
        if done > 0 {
            progress = Some(done);
            break;
        }
        if worker.is_finished() {
            break;
        }
        thread::sleep(std::time::Duration::from_millis(1));
    }
    if cancel && progress.is_some() {
        shared.cancel.store(true, Ordering::SeqCst);
    }
    if let Some(gate) = &run.hold
        && progress.is_some_and(|p| p < limit)
    {
        gate.wait();
    }
    let answer = checker::watchdog_after(
        PATIENCE * if hold { 3 } else { 2 } / 2,
        "`count_primes` never returned",
        move || worker.join().expect("count_primes panicked"),
    );
    Seen {
        answer,
        progress,
        done_below_at_end: shared.done_below.load(Ordering::SeqCst),
        run,
    }
}

#[test]
fn progress_is_published_while_the_work_runs() {
    let limit = limit();
    let seen = background(limit, false, true);
    if let Some((n, claimed)) = *seen.run.claimed_early.lock().unwrap() {
        panic!(
            "the progress said {claimed} (every number below it checked) before {n} was tested: publish a chunk's progress after testing it, not before"
        );
    }
    match seen.progress {
        Some(p) if p < limit => {}
        Some(p) => panic!(
            "the caller saw no progress until the work was done ({p} of {limit}): it must see each chunk's progress while the worker goes on"
        ),
        None => panic!("the caller saw no progress at all while the work ran"),
    }
    assert!(
        !seen.run.gave_up.load(Ordering::SeqCst),
        "the worker's second chunk started before the caller had read the first one's progress"
    );
}

#[test]
fn the_answer_is_right() {
    let limit = limit();
    let seen = background(limit, false, false);
    assert_eq!(
        seen.answer,
        Some(sieve(limit)),
        "there are {} primes below {limit}; `count_primes` returned {:?}",
        sieve(limit),
        seen.answer
    );
    assert_eq!(
        seen.done_below_at_end, limit,
        "once the work is done, `done_below` must say all {limit} numbers were checked, not {}",
        seen.done_below_at_end
    );
}

#[test]
fn a_cancel_stops_the_worker_within_a_chunk() {
    let limit = limit();
    let seen = background(limit, true, true);
    assert!(seen.progress.is_some(), "the caller saw no progress at all");
    assert_eq!(
        seen.answer, None,
        "the caller set `cancel` after the first chunk, so `count_primes` must return None, not {:?}",
        seen.answer
    );
    let beyond = seen.run.beyond_second_chunk.load(Ordering::SeqCst);
    assert_eq!(
        beyond, 0,
        "the caller set `cancel` during the second chunk, yet the worker went on and tested {beyond} numbers after it: check the flag before each chunk"
    );
}

#[test]
fn one_chunk_or_less() {
    let _one_at_a_time = serial();
    let run = watch(false, None);
    let _watching = RUN.watch(run);
    for limit in [0, 2, 1_000, CHUNK, CHUNK + 1] {
        let shared = Shared::default();
        let answer = checker::watchdog("`count_primes` never returned", move || {
            count_primes(limit, &shared)
        });
        assert_eq!(answer, Some(sieve(limit)), "below {limit}");
    }
}
