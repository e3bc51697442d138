//! The checker of `measure_and_decide` (do not edit: `cargo exercise check` notices). Every
//! sample is made up here, different on every run: no clock is read to decide anything.

use std::time::Duration;

use measure_and_decide::verdict::speedup_verdict;
use measure_and_decide::{decide, median};

/// A small deterministic generator (splitmix64), seeded differently on every run.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Rng(u64::from(std::process::id()) << 32 ^ u64::from(nanos))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// `count` samples around `typical` ms (within 5%), in a random order, with `slow` of them
/// three to ten times slower (another process took the cores) and `fast` of them a tenth
/// faster, keeping the typical ones a majority. Returns them and their true median.
fn samples(rng: &mut Rng, typical: u64, count: usize) -> (Vec<Duration>, Duration) {
    let us = |ms: u64| Duration::from_micros(ms);
    let outliers = (count - 1) / 2 / 2;
    let mut v: Vec<Duration> = (0..count)
        .map(|i| {
            let t = typical * 1000;
            if i < outliers {
                us(t * rng.range(3, 11))
            } else if i < 2 * outliers {
                us(t * 9 / 10 - rng.range(0, t / 20))
            } else {
                us(t - t / 20 + rng.range(0, t / 10))
            }
        })
        .collect();
    let mut sorted = v.clone();
    sorted.sort_unstable();
    let mid = count / 2;
    let median = if count % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2
    };
    // A random order: runs do not come sorted.
    for i in (1..v.len()).rev() {
        let j = rng.range(0, i as u64 + 1) as usize;
        v.swap(i, j);
    }
    (v, median)
}

/// Within a microsecond of `expected` (a median computed through `f64` may be a nanosecond off).
fn close(got: Option<Duration>, expected: Duration, samples: &[Duration]) {
    let near = got.is_some_and(|g| g.abs_diff(expected) <= Duration::from_micros(1));
    assert!(
        near,
        "the median of {samples:?} is {expected:?}, not {got:?}"
    );
}

#[test]
fn the_median_of_an_odd_count_is_the_middle_sample() {
    let mut rng = Rng::new();
    for _ in 0..300 {
        let count = 2 * rng.range(0, 6) as usize + 1;
        let typical = rng.range(5, 5_000);
        let (v, expected) = samples(&mut rng, typical, count);
        close(median(&v), expected, &v);
    }
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    let mut rng = Rng::new();
    for _ in 0..300 {
        let count = 2 * rng.range(1, 6) as usize;
        let typical = rng.range(5, 5_000);
        let (v, expected) = samples(&mut rng, typical, count);
        close(median(&v), expected, &v);
    }
    let ms = Duration::from_millis;
    close(median(&[ms(30), ms(10)]), ms(20), &[ms(30), ms(10)]);
}

#[test]
fn no_samples_no_median_and_no_verdict() {
    let ms = Duration::from_millis;
    let none = median(&[]);
    assert_eq!(none, None, "no samples have no median, not {none:?}");
    let verdict = decide(&[], &[ms(10)], 2, 2);
    assert_eq!(
        verdict, None,
        "no sequential samples, so no verdict, not {verdict:?}"
    );
    let verdict = decide(&[ms(10)], &[], 2, 2);
    assert_eq!(
        verdict, None,
        "no parallel samples, so no verdict, not {verdict:?}"
    );
}

#[test]
fn the_verdict_comes_from_the_medians() {
    let mut rng = Rng::new();
    for _ in 0..300 {
        let typical = rng.range(50, 5_000);
        let (workers, cores) = (rng.range(1, 9) as u32, rng.range(1, 9) as u32);
        // A parallel version from barely faster to as fast as the cores allow.
        let speedup = rng.range(100, 100 * u64::from(workers.min(cores).max(1)) + 1);
        let (seq_count, par_count) = (rng.range(3, 10) as usize, rng.range(3, 10) as usize);
        let (seq, seq_median) = samples(&mut rng, typical * speedup / 100, seq_count);
        let (par, par_median) = samples(&mut rng, typical, par_count);
        let expected = speedup_verdict(seq_median, par_median, workers, cores);
        let got = decide(&seq, &par, workers, cores);
        assert_eq!(
            got,
            Some(expected.clone()),
            "sequential samples {seq:?} (median {seq_median:?}), parallel samples {par:?} (median {par_median:?}), {workers} workers on {cores} cores: the verdict on the medians is {expected:?}, not {got:?}"
        );
    }
}
