//! `--sweep`: how each approach scales. The I/O scenario at each request count of `--points`
//! that an approach can reach within the cut-off, the CPU scenario on 1..workers; a fresh
//! child process per point, a table of each, notes for what was not run.

use std::path::Path;
use std::time::Duration;

use shared::{Table, fmt_duration, fmt_kib, print_json};

use crate::Args;
use crate::charts::write_sweep_charts;
use crate::siblings::{Failed, MAX_WORKER_PROCESSES, Row, Server, cpu_plan, io_plan, run_row};

/// Past this, a point of the I/O sweep is not run: it is the guide's own sequential example.
pub const CUTOFF: Duration = Duration::from_secs(10);

/// How many delays one after another `approach` takes for `n` requests.
pub fn rounds(approach: &str, n: u32) -> u32 {
    match approach {
        "sequential" => n,
        "processes" => n.div_ceil(MAX_WORKER_PROCESSES),
        _ => 1,
    }
}

/// Why `approach` cannot have `n` requests in flight and finish within the cut-off, if so.
pub fn out_of_reach(approach: &str, n: u32, delay_ms: u64) -> Option<String> {
    let rounds = rounds(approach, n);
    let total = Duration::from_millis(delay_ms) * rounds;
    if total <= CUTOFF {
        return None;
    }
    let (total, cutoff) = (fmt_duration(total), fmt_duration(CUTOFF));
    Some(match approach {
        "sequential" => format!(
            "one request at a time: {n} x {delay_ms} ms = {total}, past the {cutoff} cut-off"
        ),
        _ => format!(
            "at most {MAX_WORKER_PROCESSES} worker processes, so {n} requests queue in {rounds} \
             rounds of {delay_ms} ms = {total}, past the {cutoff} cut-off"
        ),
    })
}

/// Runs both sweeps and reports them; an error if a point failed (after the report).
pub fn sweep(dir: &Path, args: &Args, workers: u32) -> Result<(), Failed> {
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let (mut tried, mut failed) = (0, 0);
    let server = Server::start(dir)?;
    eprintln!("web_server at {} (its own process)", server.url);
    for &n in &args.points {
        for plan in io_plan(n, args.delay_ms, &server.url) {
            let approach = plan.0;
            if let Some(why) = out_of_reach(approach, n, args.delay_ms) {
                notes.push(format!("{approach} at {n} requests: not run: {why}"));
                continue;
            }
            eprintln!("  io sweep: {approach}, {n} requests ...");
            tried += 1;
            match run_row(dir, "io-sweep", &plan) {
                Ok(mut row) => {
                    row.requests = Some(n);
                    if approach == "processes" && n > MAX_WORKER_PROCESSES {
                        notes.push(format!(
                            "{approach} at {n} requests: {MAX_WORKER_PROCESSES} worker processes, \
                             so {} rounds of {} ms",
                            n.div_ceil(MAX_WORKER_PROCESSES),
                            args.delay_ms
                        ));
                    }
                    rows.push(row);
                }
                // A cap of the suite met on the way is a finding, not a failure.
                Err(e) if e.refused => notes.push(format!(
                    "{approach} at {n} requests: not run: {}",
                    e.message
                )),
                Err(e) => {
                    failed += 1;
                    notes.push(format!("{approach} at {n} requests: FAILED: {}", e.message));
                }
            }
        }
    }
    drop(server);
    for w in 1..=workers {
        for plan in cpu_plan(args.limit, w) {
            if plan.0 == "sequential" && w > 1 {
                continue; // one worker whatever the count: measured once
            }
            eprintln!("  cpu sweep: {}, {w} workers ...", plan.0);
            let mut row = run_row(dir, "cpu-sweep", &plan)?;
            row.workers = Some(w);
            rows.push(row);
        }
    }

    if args.json {
        rows.iter().for_each(print_json);
        notes.iter().for_each(|n| eprintln!("note: {n}"));
    } else {
        report_sweep(args, workers, &rows, &notes);
    }
    if let Some(svg) = &args.svg {
        for path in write_sweep_charts(svg, args, &rows)? {
            eprintln!("wrote {}", path.display());
        }
    }
    if failed > 0 {
        return Err(
            format!("{failed} of {tried} points of the I/O sweep failed (see the notes)").into(),
        );
    }
    Ok(())
}

/// One table: a row per approach, a column per point (`x`), `cell` for each measurement.
fn sweep_table(rows: &[&Row], x: fn(&Row) -> Option<u32>, cell: impl Fn(&Row) -> String) -> Table {
    let mut xs: Vec<u32> = rows.iter().filter_map(|r| x(r)).collect();
    xs.sort_unstable();
    xs.dedup();
    let mut approaches: Vec<&str> = Vec::new();
    for r in rows {
        if !approaches.contains(&r.approach.as_str()) {
            approaches.push(&r.approach);
        }
    }
    let mut head = vec!["approach".to_string()];
    head.extend(xs.iter().map(u32::to_string));
    let mut table = Table::new(head);
    for a in approaches {
        let mut line = vec![a.to_string()];
        for &point in &xs {
            let found = rows.iter().find(|r| r.approach == a && x(r) == Some(point));
            line.push(found.map_or("-".into(), |r| cell(r)));
        }
        table.row(line);
    }
    table
}

fn report_sweep(args: &Args, workers: u32, rows: &[Row], notes: &[String]) {
    let io: Vec<&Row> = rows.iter().filter(|r| r.scenario == "io-sweep").collect();
    let cpu: Vec<&Row> = rows.iter().filter(|r| r.scenario == "cpu-sweep").collect();
    let wall = |r: &Row| fmt_duration(Duration::from_secs_f64(r.wall_s));
    let rss = |r: &Row| fmt_kib(r.peak_rss_kib);
    println!(
        "I/O sweep, requests of {} ms in flight at once: wall time",
        args.delay_ms
    );
    print!("{}", sweep_table(&io, |r| r.requests, wall));
    println!("\nI/O sweep: peak RSS of the client (all its processes)");
    print!("{}", sweep_table(&io, |r| r.requests, rss));
    for n in notes {
        println!("  {n}");
    }
    let seq = cpu
        .iter()
        .find(|r| r.approach == "sequential")
        .map(|r| r.wall_s);
    let speedup = |r: &Row| match seq {
        Some(s) => format!("{} ({:.2}x)", wall(r), s / r.wall_s),
        None => wall(r),
    };
    println!(
        "\nCPU sweep, primes below {}, by workers: wall time (speedup over sequential)",
        args.limit
    );
    print!("{}", sweep_table(&cpu, |r| r.workers, speedup));
    println!("\nCPU sweep: peak RSS");
    print!("{}", sweep_table(&cpu, |r| r.workers, rss));

    if let Some(&top) = args.points.iter().max() {
        let at: Vec<String> = io
            .iter()
            .filter(|r| r.requests == Some(top))
            .map(|r| format!("{} {} in {}", r.approach, wall(r), rss(r)))
            .collect();
        println!(
            "io sweep: at {top} requests of {} ms: {}; whatever is missing could not reach it (see the notes)",
            args.delay_ms,
            at.join(", ")
        );
    }
    if let Some(s) = seq {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let ideal = workers.min(cores);
        let at: Vec<String> = cpu
            .iter()
            .filter(|r| r.workers == Some(workers) && r.approach != "sequential")
            .map(|r| format!("{} {:.2}x", r.approach, s / r.wall_s))
            .collect();
        println!(
            "cpu sweep: on {workers} workers, speedup over sequential: {} (the ideal is {ideal}x: \
             {workers} workers on {cores} cores)",
            at.join(", ")
        );
    }
}
