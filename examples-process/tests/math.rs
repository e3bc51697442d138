//! `parallel_math`: the same bits of pi on any number of threads or processes, and a speedup
//! on two cores.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, timing_lock};

const PARALLEL_MATH: &str = env!("CARGO_BIN_EXE_parallel_math");

#[test]
fn every_split_gives_the_same_bits() {
    let _t = timing_lock();
    let args = [
        "--samples",
        "4000000",
        "--steps",
        "4000000",
        "--workers",
        "1,2,3",
    ];
    let r = run(PARALLEL_MATH, &args);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
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
    // Two workers against one, threads and processes alike (about 2x measured; 1.3x here).
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        for kind in ["threads", "processes"] {
            let wall = |w: &str| ms(rows.iter().find(|r| r[0] == kind && r[1] == w).unwrap()[4]);
            assert!(wall("2") * 1.3 < wall("1"), "{kind}: {}", r.stdout);
        }
    }
    assert_refused(PARALLEL_MATH, &["--workers", "0"]);
    assert_refused(PARALLEL_MATH, &["--samples", "10"]);
    assert_refused(PARALLEL_MATH, &["--workers", "1,x"]);
}
