//! # Profile first
//!
//! Guide: "I/O BOUND vs CPU BOUND" and "Best practices: profile to identify bottlenecks".
//! Program: examples-process/src/bin/io_or_cpu/main.rs
//! (`cargo run --release -p examples-process --bin io_or_cpu`).
//!
//! Before choosing async, threads or processes, measure what a run does with its time. A
//! `Profile` (src/profile.rs) holds what the kernel counted for one run: wall time, CPU time
//! (user + system) and the time it sat ready to run with no free core. Write `classify`: the
//! share of the wall time the run *wanted* the CPU (computing or queued for a core) decides:
//! under 30% "I/O-bound", over 70% "CPU-bound", otherwise (30% and 70% included) "mixed",
//! each with one line of the guide's advice. A run on several cores can want more than 100%.
//!
//! Check it: `cargo exercise check profile_first`. The checker makes hundreds of profiles
//! (different on every run) on both sides of each threshold, on the thresholds themselves,
//! and on a busy machine where a computing run spends much of its time queued.

mod profile;
pub use profile::Profile;

/// The checker's way in: the verdict and its advice for one run.
pub fn verdict(p: &Profile) -> (&'static str, &'static str) {
    classify(p)
}

/// The share of the wall time it was running or ready to run: what it asked of the CPU,
/// whether or not a busy machine gave it a core. The rest it spent blocked, waiting.
fn wanted(p: &Profile) -> f64 {
    (p.cpu + p.queued.unwrap_or_default()).as_secs_f64() / p.wall.as_secs_f64().max(1e-9)
}

/// The verdict and the guide's advice, from the share of the time it wanted the CPU.
fn classify(p: &Profile) -> (&'static str, &'static str) {
    let busy = wanted(p);
    if busy < 0.3 {
        (
            "I/O-bound",
            "it mostly waits: overlap the waits with async tasks or threads; more cores would not help",
        )
    } else if busy > 0.7 {
        (
            "CPU-bound",
            "it mostly computes: split it across cores with rayon, threads or processes; async alone would not help",
        )
    } else {
        (
            "mixed",
            "it waits and computes: profile the parts separately and treat each by its kind",
        )
    }
}
