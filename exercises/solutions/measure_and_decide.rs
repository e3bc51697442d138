//! # Measure and decide
//!
//! Guide: "Performance comparison" and "Best practices: 4. Measure performance". Program:
//! examples-threads/src/bin/parallel_cpu/runs.rs, which times each version `--runs` times (3 by
//! default) and compares their medians, with the verdict of `shared::speedup_verdict`
//! (`cargo run --release -p examples-threads --bin parallel_cpu -- --runs 5`).
//!
//! One timing of each version says little on a shared machine: another process can slow any
//! run. Time each version several times and compare typical runs. Write `median` (the middle
//! sample once sorted; for an even count the mean of the middle two; `None` for no samples),
//! then `decide`, which hands the medians of the sequential and the parallel samples to
//! `speedup_verdict` (src/verdict.rs, the suite's rule), or gives `None` without samples.
//!
//! Check it: `cargo exercise check measure_and_decide`. The checker makes up hundreds of sets
//! of samples, different on every run: odd and even counts, in any order, with outliers (a
//! run slowed by another process, or one with nothing else to do).

use std::time::Duration;

pub mod verdict;
use verdict::speedup_verdict;

/// The middle sample once sorted (the mean of the middle two for an even count); None if
/// there are none.
pub fn median(samples: &[Duration]) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some((sorted[mid - 1] + sorted[mid]) / 2),
    }
}

/// The verdict on the parallel version (on `workers` threads, `cores` cores) against the
/// sequential one, from the medians of their samples; None if either has none.
pub fn decide(
    sequential: &[Duration],
    parallel: &[Duration],
    workers: u32,
    cores: u32,
) -> Option<String> {
    Some(speedup_verdict(
        median(sequential)?,
        median(parallel)?,
        workers,
        cores,
    ))
}
