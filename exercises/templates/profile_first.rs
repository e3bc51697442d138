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

// region: examples-process/src/bin/io_or_cpu/main.rs profile_first
// starter {
// | /// The share of the wall time it was computing.
// | fn wanted(p: &Profile) -> f64 {
// |     p.cpu.as_secs_f64() / p.wall.as_secs_f64()
// | }
// |
// | /// The verdict and the guide's advice. As written: two kinds, split at one half.
// | fn classify(p: &Profile) -> (&'static str, &'static str) {
// |     if wanted(p) < 0.5 {
// |         ("I/O-bound", "it mostly waits: overlap the waits")
// |     } else {
// |         ("CPU-bound", "it mostly computes: use more cores")
// |     }
// | }
// starter }
