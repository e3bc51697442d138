//! The guide's decision ("When to use each approach"), beside what was measured: for each
//! scenario, the approach the guide picks for it, and which approach was fastest here.

use std::time::Duration;

use shared::fmt_duration;

use crate::siblings::Row;

/// What the work does with its time, as a profile tells it (see `io_or_cpu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// It mostly waits: network, disk, timers.
    Io,
    /// It mostly computes.
    Cpu,
}

/// A job to make concurrent.
#[derive(Clone, Copy, Debug)]
pub struct Task {
    pub bound: Bound,
    /// How many of its operations should be under way at once (connections, requests, files,
    /// chunks of work).
    pub at_once: u32,
    /// Whether the libraries it must use only block (no async version of them).
    pub blocking_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approach {
    /// asyncio; in Rust, tasks on an async runtime (tokio).
    Async,
    /// threading: blocking calls, each on a thread of its own or of a pool.
    Threads,
    /// multiprocessing; in Rust, rayon or threads on every core (processes to isolate crashes).
    Parallel,
}

/// The guide's choice for `task`: CPU-bound work needs every core; I/O-bound work with
/// libraries that only block needs threads, whatever the count; otherwise thousands of
/// operations at once (1,000 or more) are for async, and fewer for threads, simpler and enough.
pub fn choose(task: &Task) -> Approach {
    // exercise choose_approach {
    match task.bound {
        Bound::Cpu => Approach::Parallel,
        Bound::Io if task.blocking_only => Approach::Threads,
        Bound::Io if task.at_once >= 1_000 => Approach::Async,
        Bound::Io => Approach::Threads,
    }
    // exercise choose_approach }
}

/// The approach a row of the table takes (None for the sequential baseline).
fn approach_of(scenario: &str, approach: &str) -> Option<Approach> {
    match (scenario, approach) {
        (_, "tokio" | "smol" | "async-std" | "lean") => Some(Approach::Async),
        ("io", "threads") => Some(Approach::Threads),
        (_, "threads" | "rayon" | "processes") => Some(Approach::Parallel),
        _ => None,
    }
}

/// For one scenario's rows: the guide's pick for it, and the fastest approach measured (the
/// guide decides by kind of work and scale, so on a small run another can be as fast).
pub fn pick_line(scenario: &str, rows: &[&Row]) -> Option<String> {
    let task = match scenario {
        // The suite's HTTP clients have async versions (reqwest, hyper), so not blocking-only.
        "io" => Task {
            bound: Bound::Io,
            at_once: rows.iter().filter_map(|r| r.requests).max()?,
            blocking_only: false,
        },
        "cpu" => Task {
            bound: Bound::Cpu,
            at_once: rows.iter().filter_map(|r| r.workers).max()?,
            blocking_only: false,
        },
        _ => return None,
    };
    let pick = choose(&task);
    // In the guide's own words, with what each means here.
    let named = match pick {
        Approach::Async => "asyncio (async tasks)",
        Approach::Threads => "threading (threads)",
        Approach::Parallel => {
            "multiprocessing (in Rust, threads, rayon or processes on every core)"
        }
    };
    let what = match task.bound {
        Bound::Io => format!("{} requests at once", task.at_once),
        Bound::Cpu => format!(
            "CPU-bound work on {}",
            shared::fmt_count(task.at_once, "worker", "workers")
        ),
    };
    let time = |r: &Row| fmt_duration(Duration::from_secs_f64(r.wall_s));
    let fastest_of = |picked: bool| {
        rows.iter()
            .filter(|r| approach_of(scenario, &r.approach).is_some_and(|a| !picked || a == pick))
            .min_by(|a, b| a.wall_s.total_cmp(&b.wall_s))
    };
    let (best, fastest) = (fastest_of(true)?, fastest_of(false)?);
    Some(format!(
        "{scenario}: the guide picks {named} for {what}; its fastest here: {} {}; the fastest \
         of all: {} {}",
        best.approach,
        time(best),
        fastest.approach,
        time(fastest)
    ))
}
