//! # Start simple
//!
//! Guide: "Best practices: 1. Start simple" (begin with sequential code, add concurrency only
//! where needed). Program: examples-threads/src/bin/start_simple.rs
//! (`cargo run --release -p examples-threads --bin start_simple`).
//!
//! The computing stage of a pipeline runs `analyse` (src/analyse.rs) on every page and adds
//! up the results. First write `compute_sequential`, the plain loop: it is the reference every
//! faster version is checked against. Then write `compute_parallel`, which spreads the pages
//! over the cores (rayon's `par_iter` is made for this; threads work too) and must give the
//! very same answer.
//!
//! Check it: `cargo exercise check start_simple`. The answers are compared with each other and
//! with the checker's own, on pages that change on every run; while `compute_parallel` runs,
//! the first calls to `analyse` wait until two are under way at once, which only a
//! parallel version brings about.

// solution {
use rayon::prelude::*;

// solution }
pub mod analyse;
use analyse::analyse;

/// The computing stage, one page after another: the reference answer.
pub fn compute_sequential(pages: &[String], work: u64) -> u64 {
    // region: examples-threads/src/bin/start_simple.rs start_simple
    // starter {
    // | let _ = (pages, work, analyse); // not written yet
    // | 0
    // starter }
}

/// The computing stage, the pages spread across the cores: the same answer, sooner.
pub fn compute_parallel(pages: &[String], work: u64) -> u64 {
    // region: examples-threads/src/bin/start_simple.rs start_simple_parallel
    // starter {
    // | // Not parallel yet: the sequential version, once it is written.
    // | compute_sequential(pages, work)
    // starter }
}
