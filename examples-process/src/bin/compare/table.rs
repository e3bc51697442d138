//! The comparison table: every approach beside the guide's words, a line per scenario, and
//! the cost of one unit (a process, a thread, a task) from `process_memory`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use shared::{Table, fmt_duration, fmt_kib, fmt_kib_f64, fmt_ratio};

use crate::siblings::{Failed, Row, run_json};

/// What `process_memory --json` prints per unit.
#[derive(Debug, Deserialize)]
pub struct UnitCost {
    #[serde(rename = "unit")]
    approach: String,
    spawn_join_s: f64,
    rss_kib: f64,
    pss_kib: Option<f64>,
}

/// The cost of one unit: `process_memory` measures a process, a thread and a task the same
/// way (spawn and join an empty one, then hold 200 waiting).
pub fn unit_costs(dir: &Path) -> Result<Vec<UnitCost>, Failed> {
    eprintln!("  one unit: process_memory ...");
    run_json(dir, "process_memory", &["--count".into(), "200".into()])
}

/// The guide's own words for each row: (time, memory).
fn guide_says(scenario: &str, approach: &str) -> (&'static str, &'static str) {
    match (scenario, approach) {
        ("io", "sequential") => ("10 x 1 s = 10 s", "Low"),
        ("io", "tokio" | "smol" | "async-std" | "lean") => ("~1 s (asyncio)", "Low-Medium"),
        ("io", "threads") => ("~1 s", "Medium-High"),
        ("io", "processes") => ("~1 s", "High"),
        ("cpu", "threads") => ("no faster (the GIL)", "-"),
        ("cpu", "processes") => ("true parallelism", "-"),
        ("unit", "process") => ("-", "High"),
        ("unit", "thread") => ("-", "Medium-High"),
        ("unit", "async task") => ("-", "Low-Medium"),
        _ => ("-", "-"),
    }
}

fn secs_of(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn secs(s: f64) -> String {
    fmt_duration(Duration::from_secs_f64(s))
}

/// The table of every row, then one line per scenario (`scenarios`: name and what it ran).
pub fn report(rows: &[Row], scenarios: &[(&str, String)]) {
    let mut table = Table::new([
        "scenario",
        "approach",
        "guide: time",
        "guide: memory",
        "wall",
        "cpu",
        "peak RSS",
        "vs sequential",
    ]);
    for r in rows {
        let base = rows
            .iter()
            .find(|b| b.scenario == r.scenario && b.approach == "sequential")
            .map_or(r.wall_s, |b| b.wall_s);
        let (time, memory) = guide_says(&r.scenario, &r.approach);
        table.row([
            r.scenario.clone(),
            r.approach.clone(),
            time.into(),
            memory.into(),
            secs(r.wall_s),
            secs(r.cpu_s),
            fmt_kib(r.peak_rss_kib),
            fmt_ratio(
                Duration::from_secs_f64(base),
                Duration::from_secs_f64(r.wall_s),
            ),
        ]);
    }
    print!("{table}");
    for (scenario, what) in scenarios {
        let these: Vec<&Row> = rows.iter().filter(|r| r.scenario == *scenario).collect();
        let Some(seq) = these.iter().find(|r| r.approach == "sequential") else {
            continue;
        };
        let others: Vec<&&Row> = these
            .iter()
            .filter(|r| r.approach != "sequential")
            .collect();
        let slowest = others.iter().map(|r| r.wall_s).fold(0.0, f64::max);
        let fastest = others
            .iter()
            .map(|r| r.wall_s)
            .fold(f64::INFINITY, f64::min);
        let lightest = others.iter().min_by_key(|r| r.peak_rss_kib);
        let heaviest = others.iter().max_by_key(|r| r.peak_rss_kib);
        println!(
            "{scenario}: {what}: sequential {}; concurrent approaches {} to {} ({:.1}x to {:.1}x); memory from {} ({}) to {} ({})",
            secs(seq.wall_s),
            secs(fastest),
            secs(slowest),
            seq.wall_s / slowest,
            seq.wall_s / fastest,
            lightest.map_or(String::new(), |r| fmt_kib(r.peak_rss_kib)),
            lightest.map_or("", |r| r.approach.as_str()),
            heaviest.map_or(String::new(), |r| fmt_kib(r.peak_rss_kib)),
            heaviest.map_or("", |r| r.approach.as_str()),
        );
        // What the guide would have picked, beside what was fastest here.
        if let Some(line) = crate::choose::pick_line(scenario, &these) {
            println!("{line}");
        }
        // Parallel CPU work can be at most as many times faster as it has workers and cores:
        // the verdict, from this run's figures, says so when a busy machine hid the speedup.
        let best = others.iter().min_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        if let (true, Some(best)) = (*scenario == "cpu", best) {
            let workers = these.iter().filter_map(|r| r.workers).max().unwrap_or(1);
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
            let (seq, new) = (secs_of(seq.wall_s), secs_of(best.wall_s));
            let verdict = shared::speedup_verdict(seq, new, workers, cores);
            println!("cpu: the fastest, {}: {verdict}", best.approach);
        }
    }
}

/// The cost of one unit, beside the guide's word for its memory.
pub fn report_units(units: &[UnitCost]) {
    println!();
    let mut table = Table::new([
        "one unit",
        "guide: memory",
        "spawn + join",
        "RSS held",
        "own share (PSS)",
    ]);
    for u in units {
        table.row([
            u.approach.clone(),
            guide_says("unit", &u.approach).1.into(),
            secs(u.spawn_join_s),
            fmt_kib_f64(u.rss_kib),
            u.pss_kib.map_or("-".into(), |p| fmt_kib(p.round() as u64)),
        ]);
    }
    print!("{table}");
    let [process, thread, task] =
        ["process", "thread", "async task"].map(|name| units.iter().find(|u| u.approach == name));
    if let (Some(p), Some(t), Some(a)) = (process, thread, task) {
        // A few tasks may not grow the heap by a page: keep the memory ratio finite.
        println!(
            "one unit: a process costs {:.0}x a thread's time to spawn and join and {:.0}x its resident memory (RSS, shared pages included); a thread {:.0}x a task's time and {:.0}x its resident memory",
            p.spawn_join_s / t.spawn_join_s,
            p.rss_kib / t.rss_kib.max(0.01),
            t.spawn_join_s / a.spawn_join_s,
            t.rss_kib / a.rss_kib.max(0.01),
        );
    }
}
