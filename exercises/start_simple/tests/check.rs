//! The checker of `start_simple` (do not edit: `cargo exercise check` notices).

use std::sync::Arc;

use checker::calls::serial;
use start_simple::analyse::{RUN, Run, watch};
use start_simple::{compute_parallel, compute_sequential};

/// Pages and work that change from run to run, so no answer can be written in.
fn input(seed: u64) -> (Vec<String>, u64) {
    let pid = u64::from(std::process::id()) + seed;
    let pages = (0..6 + pid % 5)
        .map(|i| "page text ".repeat(((pid * 7 + i * 13) % 40) as usize))
        .collect();
    (pages, 2_000 + pid % 3_000)
}

/// What the answer must be: the page lengths plus the primes below `work`, once per page.
fn expected(pages: &[String], work: u64) -> u64 {
    let n = work as usize;
    let mut composite = vec![false; n.max(2)];
    let mut primes = 0;
    for i in 2..n {
        if !composite[i] {
            primes += 1;
            (i * i..n).step_by(i).for_each(|j| composite[j] = true);
        }
    }
    pages.iter().map(|p| p.len() as u64 + primes).sum()
}

/// The parallel version in a pool of 3 threads; with `at_once`, its first 2 calls to
/// `analyse` held until both are under way (any parallel version has 2 at once, even one that
/// splits the pages over the 2 cores of a small machine).
fn parallel(pages: Vec<String>, work: u64, at_once: bool) -> (u64, Arc<Run>) {
    let _one_at_a_time = serial();
    let run = watch(if at_once { 2 } else { 1 });
    let _watching = RUN.watch(Arc::clone(&run));
    let answer = checker::watchdog_after(
        checker::PATIENCE * 3,
        "`compute_parallel` never returned",
        move || {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .expect("a pool of 3 threads");
            pool.install(|| compute_parallel(&pages, work))
        },
    );
    (answer, run)
}

/// The sequential version, with nothing watched (so `analyse` never waits).
fn sequential(pages: Vec<String>, work: u64) -> u64 {
    let _one_at_a_time = serial();
    checker::watchdog("`compute_sequential` never returned", move || {
        compute_sequential(&pages, work)
    })
}

#[test]
fn the_sequential_version_is_right() {
    for seed in 0..3 {
        let (pages, work) = input(seed);
        let want = expected(&pages, work);
        let count = pages.len();
        let got = sequential(pages, work);
        assert_eq!(
            got, want,
            "{count} pages with work {work} add up to {want}; `compute_sequential` returned {got}"
        );
    }
}

#[test]
fn the_parallel_version_runs_at_once() {
    let (pages, work) = input(0);
    let count = pages.len();
    let (_, run) = parallel(pages, work, true);
    let calls = run.calls.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        calls, count,
        "`compute_parallel` called `analyse` {calls} time(s) for {count} pages: it must analyse every page, once"
    );
    assert!(
        !run.gave_up.load(std::sync::atomic::Ordering::SeqCst),
        "the pages were analysed one at a time: `compute_parallel` never had 2 calls to `analyse` under way at once (in a pool of 3 threads)"
    );
}

#[test]
fn the_parallel_version_agrees_with_the_sequential_one() {
    for seed in 0..3 {
        let (pages, work) = input(seed);
        let reference = sequential(pages.clone(), work);
        let (answer, _) = parallel(pages.clone(), work, false);
        assert_eq!(
            answer,
            reference,
            "{} pages with work {work}: `compute_sequential` returned {reference}, `compute_parallel` {answer}",
            pages.len()
        );
        assert_eq!(
            answer,
            expected(&pages, work),
            "{} pages with work {work} add up to {}, not {answer}",
            pages.len(),
            expected(&pages, work)
        );
    }
}

/// A two-step update loses what another thread did between the steps; real threads collide
/// there only by chance, so the answer's text is read.
#[test]
fn no_two_step_updates() {
    checker::source::assert_no_calls_to(
        env!("CARGO_MANIFEST_DIR"),
        &["store"],
        "a total read with `load` and written back with `store` is updated in two steps, and an update made by another thread between them is lost (on real threads only by chance, so the checker reads the text); add up with `sum()`, or `fetch_add`",
    );
}
