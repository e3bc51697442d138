//! One way to print durations, sizes and ratios across the suite.

use std::time::Duration;

/// `1.23 s`, `45.6 ms`, `789 us` or `12 ns`: three significant figures, so that columns of
/// figures from different programs read the same way.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else if secs >= 1e-6 {
        format!("{:.1} us", secs * 1e6)
    } else {
        format!("{} ns", d.as_nanos())
    }
}

/// A size given in KiB (the unit of `getrusage`'s `ru_maxrss` on Linux), printed in the
/// largest binary unit that keeps it at or above 1: `512 KiB`, `1.5 MiB`, `2.00 GiB`.
pub fn fmt_kib(kib: u64) -> String {
    const MIB: f64 = 1024.0;
    const GIB: f64 = 1024.0 * 1024.0;
    let k = kib as f64;
    if k >= GIB {
        format!("{:.2} GiB", k / GIB)
    } else if k >= MIB {
        format!("{:.1} MiB", k / MIB)
    } else {
        format!("{kib} KiB")
    }
}

/// A per-unit size, which may be a fraction of a KiB: `0.46 KiB` below 10 KiB, else as
/// [`fmt_kib`] (`11 KiB`, `2.7 MiB`).
pub fn fmt_kib_f64(kib: f64) -> String {
    if kib >= 10.0 {
        fmt_kib(kib.round() as u64)
    } else {
        format!("{kib:.2} KiB")
    }
}

/// A count with its noun, `1 trial` or `3 trials`, so that `--trials 1` never reads "1 trials".
pub fn fmt_count<N: std::fmt::Display + PartialEq + From<u8>>(
    n: N,
    one: &str,
    many: &str,
) -> String {
    if n == N::from(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// How many times faster `new` is than `base`: `9.9x`. A zero `new` prints `inf`.
pub fn fmt_ratio(base: Duration, new: Duration) -> String {
    if new.is_zero() {
        return "inf".to_string();
    }
    format!("{:.1}x", base.as_secs_f64() / new.as_secs_f64())
}

/// `9.9x faster` when `new` took less time than `base`, else `0.8x: not faster`, so that a
/// run that did not gain is never called faster.
pub fn fmt_faster(base: Duration, new: Duration) -> String {
    if new < base {
        format!("{} faster", fmt_ratio(base, new))
    } else {
        format!("{}: not faster", fmt_ratio(base, new))
    }
}

/// The share of the ideal speedup (`min(workers, cores)`) that a run must reach for a program
/// to say that the speedup shows. Below it the program says what it measured and that the
/// machine did not let the effect show, rather than claim it.
pub const SHOWN: f64 = 0.7;

/// A parallel run's verdict, decided from this run's figures: `2.0x faster on 2 workers` or
/// `only 1.1x on 2 workers, where up to 2x is possible: ...`. The tests check that the words
/// agree with the figures, never the figures themselves.
pub fn speedup_verdict(base: Duration, new: Duration, workers: u32, cores: u32) -> String {
    let ideal = workers.min(cores).max(1);
    let ratio = fmt_ratio(base, new);
    let on = format!(
        "{} and {}",
        fmt_count(workers, "worker", "workers"),
        fmt_count(cores, "core", "cores")
    );
    if beyond_ideal(base, new, ideal) {
        // Parallelism alone cannot do this: say so rather than credit it.
        return format!(
            "{ratio} on {on}, more than the {ideal}x that \
             parallelism alone can give: the sequential run was slower for another reason \
             (another program on the machine, or caches: a worker's share of the data can fit \
             where the whole did not); run again before trusting it"
        );
    }
    if ideal == 1 {
        return format!("{ratio} on {on}: no speedup is possible");
    }
    if speedup_shows(base, new, workers, cores) {
        format!("{ratio} faster on {workers} workers: the parallel speedup shows")
    } else {
        // Only a debug build is told to rebuild (this crate is built with the program).
        let build = if cfg!(debug_assertions) {
            ", in a release build"
        } else {
            ""
        };
        format!(
            "only {ratio} on {workers} workers, where up to {ideal}x is possible: the machine was \
             busy or the work too small to show it; run again with nothing else running{build}"
        )
    }
}

/// Whether `new` beats `base` by more than a tenth past the ideal speedup.
fn beyond_ideal(base: Duration, new: Duration, ideal: u32) -> bool {
    new.is_zero() || base.as_secs_f64() / new.as_secs_f64() > 1.1 * f64::from(ideal)
}

/// Whether `new` is at least [`SHOWN`] of the ideal speedup over `base`.
pub fn speedup_shows(base: Duration, new: Duration, workers: u32, cores: u32) -> bool {
    let ideal = f64::from(workers.min(cores).max(1));
    !new.is_zero() && base.as_secs_f64() / new.as_secs_f64() >= SHOWN * ideal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(fmt_count(1u32, "trial", "trials"), "1 trial");
        assert_eq!(fmt_count(0usize, "trial", "trials"), "0 trials");
        assert_eq!(fmt_count(3u64, "process", "processes"), "3 processes");
    }

    #[test]
    fn verdicts_follow_the_figures() {
        let ms = Duration::from_millis;
        assert!(speedup_verdict(ms(200), ms(100), 2, 2).contains("2.0x faster on 2 workers"));
        assert!(speedup_verdict(ms(120), ms(100), 2, 2).starts_with("only 1.2x on 2 workers"));
        assert!(speedup_verdict(ms(100), ms(100), 1, 2).contains("no speedup is possible"));
        assert!(speedup_verdict(ms(460), ms(100), 2, 2).contains("more than the 2x"));
        assert!(speedup_verdict(ms(130), ms(100), 1, 2).contains("more than the 1x"));
    }

    #[test]
    fn faster_only_when_it_was() {
        let ms = Duration::from_millis;
        assert_eq!(fmt_faster(ms(1000), ms(100)), "10.0x faster");
        assert_eq!(fmt_faster(ms(800), ms(1000)), "0.8x: not faster");
        assert_eq!(fmt_faster(ms(100), ms(100)), "1.0x: not faster");
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(fmt_duration(Duration::from_millis(10_040)), "10.04 s");
        assert_eq!(fmt_duration(Duration::from_micros(45_600)), "45.6 ms");
        assert_eq!(fmt_duration(Duration::from_nanos(789_400)), "789.4 us");
        assert_eq!(fmt_duration(Duration::from_nanos(12)), "12 ns");
        assert_eq!(fmt_duration(Duration::ZERO), "0 ns");
    }

    #[test]
    fn sizes_pick_a_unit() {
        assert_eq!(fmt_kib(512), "512 KiB");
        assert_eq!(fmt_kib(1536), "1.5 MiB");
        assert_eq!(fmt_kib(2 * 1024 * 1024), "2.00 GiB");
        assert_eq!(fmt_kib_f64(0.456), "0.46 KiB");
        assert_eq!(fmt_kib_f64(11.04), "11 KiB");
        assert_eq!(fmt_kib_f64(2740.2), "2.7 MiB");
    }

    #[test]
    fn ratios() {
        let ten = Duration::from_millis(10_040);
        let one = Duration::from_millis(1_010);
        assert_eq!(fmt_ratio(ten, one), "9.9x");
        assert_eq!(fmt_ratio(ten, Duration::ZERO), "inf");
    }
}
