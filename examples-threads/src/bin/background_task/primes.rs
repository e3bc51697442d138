//! The work of `background_task`: whether a number is prime, by trial division by odd numbers
//! up to its square root, slow enough for a front to have something to wait for; and what it
//! costs.

use std::process::ExitCode;

pub fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// About how many trial divisions `is_prime` makes for every number below `limit`: each prime p
/// costs sqrt(p) / 2, and there are about limit / ln(limit) of them, so the sum grows as
/// limit^1.5 / (3 ln limit); most composites stop at a small factor (about one each).
pub fn divisions(limit: u64) -> u128 {
    let n = limit.max(3) as f64;
    (n.powf(1.5) / (3.0 * n.ln())) as u128 + u128::from(limit)
}

/// Trial divisions a millisecond, roughly, in a release build: what a cancel deadline allows.
const PER_MS: u128 = 500_000;

/// Estimated trial divisions: the inline run's and the worker's, or the worker's up to a
/// cancel (a run that will cancel skips the inline run, which could not notice it).
fn work(limit: u64, cancel_after_ms: Option<u64>) -> u128 {
    let once = divisions(limit);
    cancel_after_ms.map_or(2 * once, |ms| once.min(u128::from(ms) * PER_MS))
}

/// The cap on run time: inline, nothing is drawn until the work ends, so a run without a
/// cancel stops at --limit 50,000,000 (about 15 s silent, 30 s in all); a run that will cancel
/// ends by its deadline, at most about 90 s of work. Ok(true): a long run, to show progress.
pub fn check(limit: u64, cancel: Option<u64>, default: u64) -> Result<bool, ExitCode> {
    let (this, default) = (work(limit, cancel), work(default, None));
    let cap = cancel.map_or(work(50_000_000, None), |_| 90_000 * PER_MS);
    // Without a cancel there is no --cancel-after-ms to lower: giving one ends the run by it.
    let lower = match cancel {
        Some(_) => "--limit or --cancel-after-ms",
        None => "--limit, or give --cancel-after-ms 90000 or less",
    };
    shared::cli::cap_work("trial divisions (estimated)", this, default, cap, lower)?;
    Ok(this > 10 * default)
}
