//! The report: the answer per region and the top products (from the sequential pass), then
//! each approach's time and whether its merged answer equals the sequential one.

use std::process::ExitCode;

use shared::{Measurement, Table, fmt_count, fmt_duration, fmt_ratio};

use crate::Partial;

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `answers[0]` and `timings[0]` are the sequential pass's.
pub fn report(
    answers: &[&Partial],
    timings: &[(&str, u32, Measurement)],
    top: usize,
    rows: u64,
    workers: u32,
) -> ExitCode {
    let seq = answers[0];
    let mut regions = Table::new(["region", "orders", "quantity", "revenue", "mean price"]);
    for (name, t) in &seq.regions {
        regions.row([
            name.clone(),
            t.orders.to_string(),
            t.quantity.to_string(),
            money(t.revenue_cents),
            // A mean after the merge: total of prices over number of orders.
            money(t.price_cents_sum / t.orders.max(1)),
        ]);
    }
    print!("{regions}");
    let best: Vec<String> = seq
        .top(top)
        .iter()
        .map(|(p, r)| format!("#{p} {}", money(*r)))
        .collect();
    // A small file may hold fewer products than --top asks for: name what is listed.
    let listed = if best.len() < top {
        format!("all {} products sold (fewer than --top {top})", best.len())
    } else {
        format!("top {}", fmt_count(top, "product", "products"))
    };
    println!("{listed} by revenue: {}", best.join(", "));
    let mut timing = Table::new([
        "approach",
        "workers",
        "wall",
        "cpu",
        "vs sequential",
        "answer",
    ]);
    let base = timings[0].2.wall;
    for ((name, w, m), answer) in timings.iter().zip(answers) {
        timing.row([
            name.to_string(),
            w.to_string(),
            fmt_duration(m.wall),
            fmt_duration(m.cpu()),
            fmt_ratio(base, m.wall),
            if *answer == seq { "equal" } else { "DIFFERS" }.to_string(),
        ]);
    }
    print!("{timing}");
    if answers.iter().all(|a| *a == seq) {
        println!(
            "{rows} rows on {workers} workers: every region total and every product total merged equal to the sequential pass"
        );
        ExitCode::SUCCESS
    } else {
        println!("{rows} rows on {workers} workers: BUT THE MERGED ANSWER DIFFERS");
        eprintln!("error: a merged answer differs from the sequential pass");
        ExitCode::FAILURE
    }
}
