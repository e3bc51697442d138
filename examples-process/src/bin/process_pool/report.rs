//! The report: the table, the answer, a speedup verdict per parallel approach, and the
//! memory, all from what this run measured.

use std::process::ExitCode;

use shared::{Measurement, Table, fmt_duration, fmt_kib, fmt_ratio, speedup_verdict};

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
    println!(
        "primes below {}: {} from every approach{}",
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
    for (mode, _, m) in rows.iter().filter(|r| r.0 != Mode::Sequential) {
        if let Some(base) = base {
            println!(
                "{}: {}{idle}",
                mode.name(),
                speedup_verdict(base, m.wall, busy, cores)
            );
        }
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
