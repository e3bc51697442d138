//! The checker of `profile_first` (do not edit: `cargo exercise check` notices). Every
//! profile is made up here, different on every run: no clock is read to decide anything.

use std::time::Duration;

use profile_first::{Profile, verdict};

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
    /// A whole number in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn profile(wall: Duration, cpu: Duration, queued: Option<Duration>) -> Profile {
    Profile {
        wall,
        cpu,
        queued,
        voluntary: 0,
        involuntary: 0,
        status: "exit status: 0".into(),
        succeeded: true,
    }
}

/// A run whose CPU time plus queued time is `permille`/1000 of its wall time (some of it
/// queued, when `queued` says so), with a wall time anywhere from 1 ms to 100 s.
fn made(rng: &mut Rng, permille: u64, queued: bool) -> Profile {
    let wall = rng.range(1_000_000, 100_000_000_000); // ns
    let wanted = wall / 1000 * permille;
    // One thread's queued time is counted, so it never passes the wall time.
    let q = if queued {
        wanted.min(wall) / 1000 * rng.range(1, 1000)
    } else {
        0
    };
    let cpu = Duration::from_nanos(wanted - q);
    let queued = queued.then(|| Duration::from_nanos(q));
    profile(Duration::from_nanos(wall / 1000 * 1000), cpu, queued)
}

fn describe(p: &Profile) -> String {
    format!("wall {:?}, cpu {:?}, queued {:?}", p.wall, p.cpu, p.queued)
}

/// `count` runs with a share drawn from `lo..hi` per mille, each with and without time
/// queued, must all be called `expected`.
fn all_called(expected: &str, lo: u64, hi: u64, count: usize) {
    let mut rng = Rng::new();
    for i in 0..count {
        let permille = rng.range(lo, hi);
        let p = made(&mut rng, permille, i % 2 == 1);
        let (got, _) = verdict(&p);
        assert_eq!(
            got,
            expected,
            "a run with {} (so it wanted the CPU {:.1}% of the wall time) was called {got:?}, not {expected:?}",
            describe(&p),
            (p.cpu + p.queued.unwrap_or_default()).as_secs_f64() / p.wall.as_secs_f64() * 100.0
        );
    }
}

/// A run of 10 s that wanted the CPU `permille`/1000 of it must be called `expected`: a share
/// just past a threshold, where a share rounded or cut to a whole percent lands on the other
/// side.
fn near_threshold(permille: u64, expected: &str) {
    let p = profile(
        Duration::from_secs(10),
        Duration::from_millis(10 * permille),
        None,
    );
    let got = verdict(&p).0;
    assert_eq!(
        got,
        expected,
        "a run that wanted the CPU {:.1}% of the time ({}) is {expected:?}, not {got:?}: compare the share itself, not a whole percent",
        permille as f64 / 10.0,
        describe(&p)
    );
}

#[test]
fn waiting_runs_are_io_bound() {
    all_called("I/O-bound", 0, 295, 300);
    near_threshold(296, "I/O-bound");
}

#[test]
fn computing_runs_are_cpu_bound() {
    // Up to 4 cores' worth: a run on several threads can use more CPU time than wall time.
    all_called("CPU-bound", 705, 4000, 300);
    near_threshold(704, "CPU-bound");
}

#[test]
fn in_between_is_mixed() {
    all_called("mixed", 305, 695, 300);
    // The thresholds themselves are mixed: "under 30%" and "over 70%" leave them out.
    let s = Duration::from_secs;
    for cpu in [3, 7] {
        let p = profile(s(10), s(cpu), None);
        let got = verdict(&p).0;
        assert_eq!(
            got,
            "mixed",
            "a run that wanted the CPU exactly {}% of the time ({}) is \"mixed\", not {got:?}",
            cpu * 10,
            describe(&p)
        );
    }
}

#[test]
fn time_queued_for_a_core_counts_as_wanting_the_cpu() {
    let ms = Duration::from_millis;
    let mut rng = Rng::new();
    // A computing run on a busy machine: on a core 40% of the time, queued for one 50%.
    let wall = rng.range(1_000, 10_000);
    let busy = profile(ms(wall), ms(wall * 4 / 10), Some(ms(wall / 2)));
    let got = verdict(&busy).0;
    assert_eq!(
        got,
        "CPU-bound",
        "a run on a busy machine ({}) wanted the CPU 90% of the time, yet it was called {got:?}: time spent waiting for a core is not time spent waiting for I/O",
        describe(&busy)
    );
    let some = profile(ms(wall), ms(wall / 10), Some(ms(wall * 3 / 10)));
    let got = verdict(&some).0;
    assert_eq!(
        got,
        "mixed",
        "{}: 40% in all, so \"mixed\", not {got:?}",
        describe(&some)
    );
    // Where the queued time could not be read, the CPU time alone decides.
    let unknown = profile(ms(wall), ms(wall / 10), None);
    let got = verdict(&unknown).0;
    assert_eq!(
        got,
        "I/O-bound",
        "{}: 10% with nothing known queued, so \"I/O-bound\", not {got:?}",
        describe(&unknown)
    );
}

#[test]
fn each_verdict_comes_with_advice() {
    let s = Duration::from_secs;
    let advice: Vec<(&str, &str)> = [1, 5, 9]
        .map(|cpu| verdict(&profile(s(10), s(cpu), None)))
        .into();
    for (kind, why) in &advice {
        assert!(!why.trim().is_empty(), "{kind:?} came with no advice");
    }
    assert!(
        advice[0].1 != advice[1].1 && advice[1].1 != advice[2].1 && advice[0].1 != advice[2].1,
        "each kind needs its own advice, got {advice:?}"
    );
}
