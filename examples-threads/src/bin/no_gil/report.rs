//! The report of `no_gil`: one JSON object per run, or the table of times and speedups over
//! the first row, a summary of the last row, and the verdicts on the CPU speedups, decided from
//! this run's times (and on an I/O speedup past what the waits allow).

use std::thread;
use std::time::Duration;

use serde::Serialize;
use shared::{Table, fmt_count, fmt_duration, print_json, speedup_verdict};

/// One (work, GIL or not) column: its wall times and the most threads mid-chunk at once, one
/// per thread count, in the order of `--threads`.
pub type Column = (&'static str, bool, Vec<Duration>, Vec<u64>);

#[derive(Serialize)]
struct Row {
    work: &'static str,
    gil: bool,
    threads: u32,
    wall_s: f64,
    speedup: f64,
    /// CPU work only: the most threads that were in the middle of a chunk at the same moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    most_computing: Option<u64>,
}

/// How many times faster row `i` is than the first row.
fn speedup(times: &[Duration], i: usize) -> f64 {
    times[0].as_secs_f64() / times[i].as_secs_f64()
}

pub fn json(threads: &[u32], columns: &[Column]) {
    for (work, gil, times, most) in columns {
        for (i, &threads) in threads.iter().enumerate() {
            print_json(&Row {
                work,
                gil: *gil,
                threads,
                wall_s: times[i].as_secs_f64(),
                speedup: speedup(times, i),
                most_computing: (*work == "cpu").then_some(most[i]),
            });
        }
    }
}

fn heading(work: &str, gil: bool) -> String {
    format!("{work} {}", if gil { "GIL" } else { "no GIL" })
}

pub fn table(threads: &[u32], columns: &[Column], requests: u32) {
    let mut headers = vec!["threads".to_string()];
    headers.extend(columns.iter().map(|(w, g, _, _)| heading(w, *g)));
    let mut table = Table::new(headers);
    for (i, count) in threads.iter().enumerate() {
        let mut row = vec![count.to_string()];
        for (_, _, times, _) in columns {
            row.push(format!(
                "{} {:.1}x",
                fmt_duration(times[i]),
                speedup(times, i)
            ));
        }
        table.row(row);
    }
    print!("{table}");
    let last = threads.len() - 1;
    let summary: Vec<String> = columns
        .iter()
        .map(|(w, g, times, _)| format!("{} {:.1}x", heading(w, *g), speedup(times, last)))
        .collect();
    let most: Vec<String> = columns
        .iter()
        .filter(|(w, ..)| *w == "cpu")
        .map(|(w, g, _, most)| format!("{} {}", heading(w, *g), most[last]))
        .collect();
    let cores = thread::available_parallelism().map_or(1, |n| n.get() as u32);
    // The last row is not always the largest count (`--threads 2,1`): "1 thread" reads right.
    println!(
        "on {}: {} ({} here); most threads mid-chunk at once: {}",
        fmt_count(threads[last], "thread", "threads"),
        summary.join(", "),
        fmt_count(cores, "core", "cores"),
        most.join(", ")
    );
    // Under the GIL, at most one thread computes at once (counted): a speedup there is the
    // one-thread row slowed by something else, not parallelism, and the line says which.
    let gil = columns.iter().find(|(w, g, ..)| *w == "cpu" && *g);
    // Only from 1 thread to more (`--threads 1,2,1` ends where it began: nothing to compare).
    if let (Some((_, _, times, most)), 1, 2..) = (gil, threads[0], threads[last]) {
        let (n, s) = (threads[last], speedup(times, last));
        let why = if s > 1.1 {
            format!(
                "more than the 1.0x that taking turns allows, with at most {} computing at \
                 once: the one-thread row was slowed by something else (another program on \
                 the machine); run again before trusting it",
                fmt_count(most[last], "thread", "threads")
            )
        } else {
            // No "take turns" here: with `bump()` removed (Try this), one thread does it all.
            let most = most[last];
            format!(
                "{n} threads compute no faster than one under the GIL, which lets one compute \
                 at a time (at most {most} did here)"
            )
        };
        println!("cpu GIL, 1 -> {n} threads: {s:.1}x, {why}");
    }
    // Without the GIL, the CPU column is a parallel speedup: judge it from this run's times.
    let plain = columns.iter().find(|(w, g, ..)| *w == "cpu" && !*g);
    if let (Some((_, _, times, _)), 1) = (plain, threads[0]) {
        let verdict = speedup_verdict(times[0], times[last], threads[last], cores);
        let n = fmt_count(threads[last], "thread", "threads");
        println!("cpu no GIL, 1 -> {n}: {verdict}");
    }
    // The I/O columns: n threads wait for ceil(requests / n) answers one after another, so a
    // speedup past requests / that is the one-thread row slowed by something else: say so.
    for (_, gil, times, _) in columns.iter().filter(|(w, ..)| *w == "io") {
        let n = threads[last];
        let ceiling = f64::from(requests) / f64::from(requests.div_ceil(n));
        if threads[0] == 1 && n >= 2 && speedup(times, last) > 1.1 * ceiling {
            println!(
                "{}, 1 -> {}: {:.1}x, more than the {ceiling:.1}x that waiting side by side allows \
                 for {requests} requests: the one-thread row was slowed by something else \
                 (another program on the machine); run again before trusting it",
                heading("io", *gil),
                fmt_count(n, "thread", "threads"),
                speedup(times, last)
            );
        }
    }
}
