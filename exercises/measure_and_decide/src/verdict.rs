//! Given by the task (do not edit: `cargo exercise check` notices): the suite's verdict on a
//! speedup, as every program prints it (a copy of `speedup_verdict` and `speedup_shows` in
//! shared/src/format.rs, with `fmt_ratio`). It decides from the figures it is given: whether
//! the parallel run reached 70% of the ideal speedup, `min(workers, cores)`.

use std::time::Duration;

/// The share of the ideal speedup (`min(workers, cores)`) that a run must reach for a program
/// to say that the speedup shows.
pub const SHOWN: f64 = 0.7;

/// How many times faster `new` is than `base`: `9.9x`. A zero `new` prints `inf`.
pub fn fmt_ratio(base: Duration, new: Duration) -> String {
    if new.is_zero() {
        return "inf".to_string();
    }
    format!("{:.1}x", base.as_secs_f64() / new.as_secs_f64())
}

/// A parallel run's verdict: `2.0x faster on 2 workers: the parallel speedup shows` or
/// `only 1.1x on 2 workers, where up to 2x is possible: ...`.
pub fn speedup_verdict(base: Duration, new: Duration, workers: u32, cores: u32) -> String {
    let ideal = workers.min(cores).max(1);
    let ratio = fmt_ratio(base, new);
    if ideal == 1 {
        return format!(
            "{ratio} on {workers} worker(s) and {cores} core(s): no speedup is possible"
        );
    }
    if speedup_shows(base, new, workers, cores) {
        format!("{ratio} faster on {workers} workers: the parallel speedup shows")
    } else {
        format!(
            "only {ratio} on {workers} workers, where up to {ideal}x is possible: the machine was \
             busy or the work too small to show it; run again with nothing else running, in a \
             release build"
        )
    }
}

/// Whether `new` is at least [`SHOWN`] of the ideal speedup over `base`.
pub fn speedup_shows(base: Duration, new: Duration, workers: u32, cores: u32) -> bool {
    let ideal = f64::from(workers.min(cores).max(1));
    !new.is_zero() && base.as_secs_f64() / new.as_secs_f64() >= SHOWN * ideal
}
