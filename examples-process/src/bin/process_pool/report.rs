//! The report: the table, the answer, a speedup verdict per parallel approach, and the
//! memory, all from what this run measured.

use std::process::ExitCode;

use shared::{Measurement, SHOWN, Table, fmt_duration, fmt_kib, fmt_ratio, speedup_verdict};

use crate::worker::divisions;
use crate::{Args, Mode};

/// The table, the answer, a speedup verdict per parallel approach, and the memory.
pub fn report(
    args: &Args,
    rows: &[(Mode, u64, Measurement)],
    workers: u32,
    busy: u32,
    cores: u32,
) -> ExitCode {
    let mut table = Table::new([
        "approach",
        "workers",
        "primes",
        "wall",
        "cpu",
        "RSS high-water",
        "vs sequential",
    ]);
    let base = rows
        .iter()
        .find(|r| r.0 == Mode::Sequential)
        .map(|r| r.2.wall);
    for (mode, primes, m) in rows {
        table.row([
            mode.name().to_string(),
            match *mode {
                Mode::Sequential => "1".to_string(),
                _ if busy < workers => format!("{workers} ({busy} with jobs)"),
                _ => workers.to_string(),
            },
            primes.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            fmt_kib(m.peak_rss_kib),
            base.map_or("-".into(), |b| fmt_ratio(b, m.wall)),
        ]);
    }
    print!("{table}");
    println!(
        "(RSS high-water: this process's peak since it started, so a row may carry the rows above \
         it; for processes, plus every worker's own peak. --mode measures one approach alone)"
    );
    let same = rows.windows(2).all(|w| w[0].1 == w[1].1);
    // One --mode ran alone: there is nothing to agree with.
    let from = match rows {
        [(mode, ..)] => format!("from {} alone", mode.name()),
        _ => "from every approach".to_string(),
    };
    println!(
        "primes below {}: {} {from}{}",
        args.limit,
        rows[0].1,
        if same { "" } else { " -- BUT THEY DIFFER" }
    );
    if !same {
        eprintln!("error: the approaches counted different numbers of primes");
        return ExitCode::FAILURE;
    }
    // The verdicts are decided from this run's figures: a busy machine hides the speedup.
    // Only the workers with jobs can speed anything up; say so when some had none.
    let idle = if busy < workers {
        format!(" (the {busy} of {workers} workers that had jobs)")
    } else {
        String::new()
    };
    let best = balance(args.limit, args.chunk, busy);
    for (mode, _, m) in rows.iter().filter(|r| r.0 != Mode::Sequential) {
        let Some(base) = base else { continue };
        if busy > cores || best >= 0.95 * f64::from(busy) {
            let verdict = speedup_verdict(base, m.wall, busy, cores);
            println!("{}: {verdict}{idle}", mode.name());
            continue;
        }
        // Few jobs of unequal size: the last one keeps a worker busy while the others wait.
        let got = base.as_secs_f64() / m.wall.as_secs_f64().max(1e-9);
        // Shown: SHOWN of the ceiling and also 40% of the gain over 1x that it allows (as 1.4x
        // of 2x), so that a ceiling near 1x never calls a slowdown (0.8x of 1.1x) a speedup.
        let bar = (SHOWN * best).max(1.0 + (2.0 * SHOWN - 1.0) * (best - 1.0));
        let why = if got > 1.1 * best {
            "more than that: the sequential run was slower for another reason; run again"
        } else if got >= bar {
            "the parallel speedup shows"
        } else {
            "the machine was busy or the work too small to show it"
        };
        println!(
            "{}: {} on {busy} workers, where {} jobs of unequal size allow about {best:.1}x at most \
             (estimated from their trial divisions: the last jobs keep one worker busy while the \
             others wait): {why}",
            mode.name(),
            fmt_ratio(base, m.wall),
            args.limit.div_ceil(args.chunk),
        );
    }
    let peak = |mode| rows.iter().find(|r| r.0 == mode).map(|r| r.2.peak_rss_kib);
    if let (Some(pool), Some(rayon)) = (peak(Mode::Processes), peak(Mode::Rayon)) {
        println!(
            "memory: the pool's high-water marks add up to {} (this process and {workers} \
             workers), rayon's {}: {}",
            fmt_kib(pool),
            fmt_kib(rayon),
            if pool > rayon {
                "processes pay in memory for an isolation that threads do not need here"
            } else {
                "no more for the pool this time"
            }
        );
    }
    ExitCode::SUCCESS
}

/// The best speedup the jobs themselves allow on `busy` workers, each with a core: every job
/// costs about its trial divisions, and each worker takes the next job as soon as it is free,
/// as the feeders do; the total over the time the busiest worker needs.
fn balance(limit: u64, chunk: u64, busy: u32) -> f64 {
    if limit.div_ceil(chunk) > 100_000 {
        return f64::from(busy); // tiny jobs: nothing left over worth a verdict of its own
    }
    let mut free_at = vec![0.0_f64; busy.max(1) as usize];
    let mut total = 0.0;
    for start in (0..limit).step_by(chunk as usize) {
        let end = (start + chunk).min(limit);
        let cost = divisions(end).saturating_sub(divisions(start)) as f64;
        let first = free_at.iter_mut().min_by(|a, b| a.total_cmp(b));
        if let Some(t) = first {
            *t += cost;
        }
        total += cost;
    }
    let last = free_at.iter().copied().fold(0.0, f64::max);
    if last > 0.0 {
        total / last
    } else {
        f64::from(busy)
    }
}
