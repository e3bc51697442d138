//! Several runs of each approach, the verdict from their medians (one run says little on a
//! shared machine, where another process can slow any one of them), and the known counts.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use shared::{Measurement, Table, fmt_count, fmt_duration, fmt_ratio, measure, speedup_verdict};

/// Known prime counts, to check the answer and not just compare approaches with each other.
const KNOWN: [(u64, u64); 9] = [
    (10, 4),
    (100, 25),
    (1_000, 168),
    (10_000, 1_229),
    (100_000, 9_592),
    (1_000_000, 78_498),
    (2_000_000, 148_933),
    (10_000_000, 664_579),
    (100_000_000, 5_761_455),
];

/// The known count of primes below `limit`, if it is one of those in [`KNOWN`].
pub fn known(limit: u64) -> Option<u64> {
    KNOWN.iter().find(|(l, _)| *l == limit).map(|(_, p)| *p)
}

/// About how many trial divisions counting the primes below `limit` takes: each prime p costs
/// sqrt(p) / 2 of them, and there are about limit / ln(limit) primes, so the sum grows as
/// limit^1.5 / (3 ln limit); most composites stop at a small factor (about one each).
pub fn divisions(limit: u64) -> u128 {
    let n = limit.max(3) as f64;
    (n.powf(1.5) / (3.0 * n.ln())) as u128 + u128::from(limit)
}

/// The wall time of a run, in trial divisions: `runs` times each approach, the sequential one
/// (if `sequential`) at full cost, each of `parallel` others shared by `share` busy cores.
pub fn work(limit: u64, runs: u32, sequential: bool, parallel: u32, share: u32) -> u128 {
    let each = divisions(limit) * u128::from(runs);
    each * u128::from(sequential) + each * u128::from(parallel) / u128::from(share.max(1))
}

/// The typical run: the middle time once sorted (the mean of the middle two for an even
/// count), None if there are none. One run slowed by another process moves a mean, not this.
pub fn median(samples: &[Duration]) -> Option<Duration> {
    // exercise measure_and_decide {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some((sorted[mid - 1] + sorted[mid]) / 2),
    }
    // exercise measure_and_decide }
}

/// The verdict on the parallel version (on `workers` threads, `cores` cores) against the
/// sequential one, from the medians of their wall times; None if either has none.
pub fn decide(
    sequential: &[Duration],
    parallel: &[Duration],
    workers: u32,
    cores: u32,
) -> Option<String> {
    // exercise measure_and_decide_verdict {
    Some(speedup_verdict(
        median(sequential)?,
        median(parallel)?,
        workers,
        cores,
    ))
    // exercise measure_and_decide_verdict }
}

/// `count` measured `runs` times, every run's count the same: the count, the last run's
/// measurement with the median of the wall times (the work's own CPU time varies little from
/// run to run), and every run's wall time. `each` hears of every run as it finishes (its
/// number from 1, and its wall time), so that a long run shows progress.
pub fn timed(
    runs: u32,
    count: impl Fn() -> Result<u64, String>,
    mut each: impl FnMut(u32, Duration),
) -> Result<(u64, Measurement, Vec<Duration>), String> {
    let (mut walls, mut last) = (Vec::new(), None);
    for run in 1..=runs {
        // rayon hands a worker's panic on to the thread that called it: caught, an error here.
        let (primes, m) = measure(|| catch_unwind(AssertUnwindSafe(&count)));
        let primes = primes.map_err(|_| "a worker thread panicked".to_string())??;
        if let Some((before, _)) = last.filter(|(before, _)| *before != primes) {
            return Err(format!("one run counted {before} primes, another {primes}"));
        }
        each(run, m.wall);
        walls.push(m.wall);
        last = Some((primes, m));
    }
    let (primes, mut m) = last.ok_or("no run")?;
    m.wall = median(&walls).ok_or("no run")?;
    Ok((primes, m, walls))
}

/// One approach's runs.
pub struct Run {
    pub name: &'static str,
    pub workers: u32,
    pub primes: u64,
    /// The last run's measurement, with the median wall time.
    pub m: Measurement,
    pub walls: Vec<Duration>,
}

/// The first line: what is counted, on how many threads and cores, and how it is timed.
pub fn announce(limit: u64, workers: u32, cores: u32, runs: u32) {
    let (on, cores) = (
        fmt_count(workers, "worker", "workers"),
        fmt_count(cores, "core", "cores"),
    );
    let timed = fmt_count(runs, "time", "times");
    println!(
        "counting the primes below {limit} on {on}, {cores}; each approach timed {timed}, \
         compared by the median wall time"
    );
}

/// The table, the summary, and a verdict per parallel approach against the sequential one.
pub fn report(runs: &[Run], limit: u64, checked: bool, workers: u32, cores: u32) {
    let sequential = runs.iter().find(|r| r.name == "sequential");
    let mut table = Table::new(["approach", "workers", "primes", "wall", "cpu", "speedup"]);
    for run in runs {
        table.row([
            run.name.to_string(),
            run.workers.to_string(),
            run.primes.to_string(),
            fmt_duration(run.m.wall),
            fmt_duration(run.m.cpu()),
            sequential.map_or("-".into(), |s| fmt_ratio(s.m.wall, run.m.wall)),
        ]);
    }
    print!("{table}");
    let checked = if checked {
        ", checked against the known count"
    } else {
        ""
    };
    println!(
        "primes below {limit}: {}{checked}; {} on {}, {}",
        runs[0].primes,
        runs.iter()
            .map(|r| format!("{} {}", r.name, fmt_duration(r.m.wall)))
            .collect::<Vec<_>>()
            .join(", "),
        fmt_count(workers, "worker", "workers"),
        fmt_count(cores, "core", "cores")
    );
    // The verdicts come from this run's times, so a busy machine is named, not hidden.
    for run in runs.iter().filter(|r| r.name != "sequential") {
        if let Some(verdict) =
            sequential.and_then(|s| decide(&s.walls, &run.walls, run.workers, cores))
        {
            println!("{}: {verdict}", run.name);
        }
    }
}
