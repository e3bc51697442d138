//! The checker of `choose_approach` (do not edit: `cargo exercise check` notices).

use choose_approach::{Approach, Bound, Task, choose};

fn task(bound: Bound, at_once: u32, blocking_only: bool) -> Task {
    Task {
        bound,
        at_once,
        blocking_only,
    }
}

/// The guide's own use cases, each with the approach it files them under.
fn ask(cases: &[(&str, Task, Approach)]) {
    for (what, t, expected) in cases {
        assert_eq!(
            choose(t),
            *expected,
            "{what} ({t:?}): the guide says {expected:?}"
        );
    }
}

/// A number that changes from run to run.
fn vary(lo: u32, spread: u32) -> u32 {
    lo + std::process::id() % spread
}

#[test]
fn cpu_bound_work_goes_to_every_core() {
    use Approach::Parallel;
    ask(&[
        (
            "mathematical calculations",
            task(Bound::Cpu, vary(2, 64), false),
            Parallel,
        ),
        (
            "image/video processing",
            task(Bound::Cpu, vary(100, 5000), false),
            Parallel,
        ),
        (
            "data analysis",
            task(Bound::Cpu, vary(8, 16), true),
            Parallel,
        ),
        (
            "scientific computing",
            task(Bound::Cpu, vary(1_000, 100_000), false),
            Parallel,
        ),
    ]);
}

#[test]
fn blocking_libraries_need_threads() {
    use Approach::Threads;
    ask(&[
        (
            "network requests with blocking libraries",
            task(Bound::Io, vary(10, 90), true),
            Threads,
        ),
        (
            "file processing with std::fs",
            task(Bound::Io, vary(100, 400), true),
            Threads,
        ),
        (
            "a database driver with no async version",
            task(Bound::Io, vary(1_000, 9_000), true),
            Threads,
        ),
    ]);
}

#[test]
fn high_concurrency_io_is_for_async() {
    use Approach::Async;
    ask(&[
        (
            "a web server handling many requests",
            task(Bound::Io, vary(1_000, 50_000), false),
            Async,
        ),
        (
            "web scraping thousands of URLs",
            task(Bound::Io, vary(2_000, 8_000), false),
            Async,
        ),
        (
            "exactly a thousand connections",
            task(Bound::Io, 1_000, false),
            Async,
        ),
    ]);
}

#[test]
fn moderate_concurrency_io_is_for_threads() {
    use Approach::Threads;
    ask(&[
        (
            "the guide's 10 HTTP requests",
            task(Bound::Io, 10, false),
            Threads,
        ),
        (
            "dozens of downloads",
            task(Bound::Io, vary(24, 60), false),
            Threads,
        ),
        (
            "hundreds of requests",
            task(Bound::Io, vary(100, 899), false),
            Threads,
        ),
        (
            "one short of a thousand",
            task(Bound::Io, 999, false),
            Threads,
        ),
    ]);
}

#[test]
fn any_task() {
    // Made-up tasks, every kind: the rule above decides each one.
    let mut x = u64::from(std::process::id()) * 2_654_435_761 + 1;
    for _ in 0..500 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bound = if x % 3 == 0 { Bound::Cpu } else { Bound::Io };
        let at_once = [1, 10, 100, 999, 1_000, 1_001, 10_000, 100_000][(x >> 8) as usize % 8]
            + (x >> 16) as u32 % 3;
        let t = task(bound, at_once, (x >> 32) % 2 == 0);
        let expected = match (t.bound, t.blocking_only, t.at_once >= 1_000) {
            (Bound::Cpu, _, _) => Approach::Parallel,
            (Bound::Io, true, _) => Approach::Threads,
            (Bound::Io, false, true) => Approach::Async,
            (Bound::Io, false, false) => Approach::Threads,
        };
        assert_eq!(
            choose(&t),
            expected,
            "{t:?}: the guide's answer is {expected:?}"
        );
    }
}
