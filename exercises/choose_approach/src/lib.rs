//! # Choose the approach
//!
//! Guide: "When to use each approach" and "Best practices: 2. Choose the right tool". Program:
//! examples-process/src/bin/compare/ (`cargo run --release -p examples-process --bin compare`),
//! which measures every approach on the guide's two scenarios and prints, for each, the
//! guide's pick beside the fastest measured (its `choose.rs`).
//!
//! Encode the guide's decision in `choose`: CPU-bound work needs every core (`Parallel`:
//! multiprocessing in Python; rayon or threads in Rust, processes where a crash must stay
//! isolated). I/O-bound work with libraries that only block needs `Threads`, whatever the
//! count. Otherwise I/O-bound work at high concurrency, thousands (1,000 or more) at once, is
//! for `Async`; at moderate concurrency, dozens to hundreds (under 1,000), `Threads` are
//! simpler and enough.
//!
//! Check it: `cargo exercise check choose_approach`. The checker asks about the guide's own use
//! cases (web servers, scraping, file processing, blocking clients, maths, images, data
//! analysis), then about hundreds of made-up tasks, different on every run.

/// What the work does with its time, as a profile tells it (see `profile_first`).
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

/// The guide's choice for `task`.
pub fn choose(task: &Task) -> Approach {
    // Async for everything: it is the fashionable one.
    let _ = task;
    Approach::Async
}
