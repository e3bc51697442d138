//! Given with the exercise (do not edit it: the checker notices): `hammer`, as in the program
//! `shared_state` (without its test witness), with a note of each run for the checker; and the
//! thread-safe types, from loom when the checker runs.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Types that threads may share: std's, or loom's when the checker runs, so that it can try
/// every interleaving of the threads. Take them from here rather than from `std::sync`.
pub mod sync {
    #[cfg(pitfalls_loom)]
    pub use loom::sync::{
        Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    };
    #[cfg(not(pitfalls_loom))]
    pub use std::sync::{
        Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    };
}

/// What one call of `hammer` was asked to do, for the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub threads: u32,
    /// Calls of `add_one` by each thread.
    pub increments: u64,
}

thread_local! {
    // One note per calling thread: the checker's tests run side by side.
    static LAST: Cell<Option<Run>> = const { Cell::new(None) };
    // Calls of `add_one` the checker adds, unasked, to each thread of the next run.
    static UNASKED: Cell<u64> = const { Cell::new(0) };
}

/// For the checker: the next `hammer` on this thread runs `add_one` `extra` more times on each
/// thread than it was asked to, so that only a count of what was added is right, never one
/// worked out from the arguments.
#[doc(hidden)]
pub fn add_unasked(extra: u64) {
    UNASKED.with(|u| u.set(extra));
}

/// The last run of `hammer` from this thread, taken (a second look sees `None`).
pub fn last_run() -> Option<Run> {
    LAST.with(Cell::take)
}

/// Runs `add_one` `increments` times on each of `threads` threads, each with a local count of
/// its own that it returns at the end. The threads wait at a barrier first, so that they count
/// at the same time (and contend). The threads are scoped: `add_one` may borrow from the
/// caller, and is shared by reference between the threads, so it must be `Sync`. Returns the
/// sum of the local counts and the time from the first thread's start to the last one's
/// finish, or an error if a thread panicked.
pub fn hammer(
    threads: u32,
    increments: u64,
    add_one: impl Fn(&mut u64) + Sync,
) -> Result<(u64, Duration), String> {
    let unasked = UNASKED.with(Cell::take);
    let outcome = run_threads(threads, increments + unasked, &add_one);
    if outcome.is_ok() {
        LAST.with(|l| {
            l.set(Some(Run {
                threads,
                increments,
            }))
        });
    }
    outcome
}

#[cfg(not(pitfalls_loom))]
fn run_threads(
    threads: u32,
    increments: u64,
    add_one: &(dyn Fn(&mut u64) + Sync),
) -> Result<(u64, Duration), String> {
    let ready = std::sync::Barrier::new(threads as usize);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    ready.wait();
                    let (start, mut local) = (Instant::now(), 0);
                    for _ in 0..increments {
                        add_one(&mut local);
                    }
                    (local, start, Instant::now())
                })
            })
            .collect();
        let (mut sum, mut first, mut last) = (0, None::<Instant>, None::<Instant>);
        for h in handles {
            let (local, start, end) = h.join().map_err(|_| "a counting thread panicked")?;
            sum += local;
            first = Some(first.map_or(start, |f| f.min(start)));
            last = Some(last.map_or(end, |l| l.max(end)));
        }
        Ok((sum, last.zip(first).map_or(Duration::ZERO, |(l, f)| l - f)))
    })
}

/// The same on loom's threads, which loom interleaves in every way there is. Loom has no
/// scoped threads, so `add_one` is lent to them as `'static`, and every thread is joined
/// before this returns, as `std::thread::scope` does (a panic fails loom's whole run).
#[cfg(pitfalls_loom)]
fn run_threads(
    threads: u32,
    increments: u64,
    add_one: &(dyn Fn(&mut u64) + Sync),
) -> Result<(u64, Duration), String> {
    // SAFETY: every thread that gets this reference is joined below, before it goes stale.
    let add_one: &'static (dyn Fn(&mut u64) + Sync) = unsafe { std::mem::transmute(add_one) };
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            loom::thread::spawn(move || {
                let mut local = 0;
                for _ in 0..increments {
                    add_one(&mut local);
                }
                local
            })
        })
        .collect();
    let mut sum = Ok(0);
    for h in handles {
        match (h.join(), &mut sum) {
            (Ok(local), Ok(sum)) => *sum += local,
            _ => sum = Err("a counting thread panicked".to_string()),
        }
    }
    sum.map(|sum| (sum, start.elapsed()))
}
