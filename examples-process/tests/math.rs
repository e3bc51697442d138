//! `parallel_math`: the same bits of pi on any number of threads or processes, with every
//! worker computing at the same time.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, ratio};

const PARALLEL_MATH: &str = env!("CARGO_BIN_EXE_parallel_math");

#[test]
fn every_split_gives_the_same_bits() {
    let w = Witness::new();
    let args = [
        "--samples",
        "4000000",
        "--steps",
        "4000000",
        "--workers",
        "1,2,3",
    ];
    let r = w.run(PARALLEL_MATH, &args, None);
    let rows: Vec<Vec<&str>> = r
        .stdout
        .lines()
        .filter(|l| {
            ["sequential", "threads", "processes"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 7, "{}", r.stdout); // sequential + 3 counts x 2 approaches
    for row in &rows {
        assert_eq!(row[2..4], rows[0][2..4], "{row:?} vs {:?}", rows[0]);
    }
    let mc: f64 = rows[0][2].parse().unwrap();
    let integral: f64 = rows[0][3].parse().unwrap();
    assert!((mc - std::f64::consts::PI).abs() < 0.01, "{mc}");
    assert!((integral - std::f64::consts::PI).abs() < 1e-9, "{integral}");
    assert!(r.stdout.contains("the same bits from every run"));
    // Each approach's verdict names its fastest row of two or more workers (a one-worker row
    // cannot show a speedup) and agrees with that row's ratio.
    for kind in ["threads", "processes"] {
        let line = r.line(&format!("fastest {kind} on 2+ workers: "));
        let wall = line
            .split(": ")
            .nth(1)
            .and_then(|w| w.split(',').next())
            .unwrap();
        let verdict = line.split_once(": ").map_or(line, |(_, v)| v);
        let workers = common::number_after(verdict, " on ").to_string();
        let row = rows
            .iter()
            .find(|row| row[0] == kind && row[1] == workers && row[4] == wall)
            .unwrap_or_else(|| panic!("no {kind} row with {wall}:\n{}", r.stdout));
        assert_ne!(row[1], "1", "{line}");
        assert!(line.contains(&format!(" {} ", row[5])), "{line} vs {row:?}");
        assert_verdict(line, ratio(row[5]), row[1].parse().unwrap());
    }
    // On W workers, all W threads (or processes) were computing their chunks at one moment:
    // a barrier inside each that a sequential run never passes. The speedup that buys is the
    // program's output in a release build, not a test's business.
    for kind in ["threads", "processes"] {
        for workers in [1, 2, 3] {
            assert_eq!(w.count(&format!("{kind}-{workers}")), workers, "{kind}");
        }
    }
    assert_refused(PARALLEL_MATH, &["--workers", "0"]);
    assert_refused(PARALLEL_MATH, &["--samples", "10"]);
    assert_refused(PARALLEL_MATH, &["--workers", "1,x"]);
    assert_refused(PARALLEL_MATH, &["--workers", "1,300"]); // more workers than the 256 chunks
    assert_refused(PARALLEL_MATH, &["--workers", "1"]); // no count that could show a speedup
}
