//! `process_pool`: worker processes over pipes give the sequential answer, in parallel, at a
//! memory cost that rayon does not pay.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, kib, ratio, run, run_env};

const PROCESS_POOL: &str = env!("CARGO_BIN_EXE_process_pool");

#[test]
fn the_pool_matches_the_sequential_count() {
    let w = Witness::new();
    let r = w.run(
        PROCESS_POOL,
        &["--limit", "1000000", "--workers", "2"],
        None,
    );
    let (seq, pool, rayon) = (r.row("sequential"), r.row("processes"), r.row("rayon"));
    for row in [&seq, &pool, &rayon] {
        assert_eq!(row[2], "78498", "{row:?}"); // primes below 1,000,000
    }
    assert_eq!(pool[1], "2");
    // Two workers share the work, at the same time: both worker processes (and both rayon
    // threads) were inside a job at one moment, a barrier that one loop could never pass.
    // How much faster that is, is the programs' own output and the benchmark's (~1.9x).
    assert!(w.count("processes-2") >= 2, "{:?}", w.dir);
    assert!(w.count("rayon-2") >= 2, "{:?}", w.dir);
    // The pool's memory counts every worker's own peak on top of the parent's, and the
    // memory line says what the table shows.
    // This process and two workers, each a whole program: about three times rayon's one.
    assert!(kib(pool[5]) > 2.0 * kib(rayon[5]), "{pool:?} vs {rayon:?}");
    let memory = r.line("memory: ");
    assert!(
        memory.contains(pool[5]) && memory.contains(rayon[5]),
        "{memory}"
    );
    assert!(memory.contains("processes pay in memory"), "{memory}");
    // The verdicts quote the table's ratios and say "shows" only where the ratio does.
    assert_verdict(r.line("processes: "), ratio(pool[6]), 2);
    assert_verdict(r.line("rayon: "), ratio(rayon[6]), 2);
}

#[test]
fn json_rows_and_tiny_or_odd_jobs() {
    let r = run(
        PROCESS_POOL,
        &[
            "--limit",
            "100000",
            "--workers",
            "3",
            "--chunk",
            "7",
            "--mode",
            "processes",
            "--json",
        ],
    );
    assert!(r.success(), "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["approach"], "processes");
    assert_eq!(
        (
            j["workers"].as_u64(),
            j["limit"].as_u64(),
            j["primes"].as_u64()
        ),
        (Some(3), Some(100000), Some(9592))
    );
    assert_eq!(j["busy"], 3);
    for field in ["wall_s", "cpu_s"] {
        assert!(j[field].as_f64().unwrap() > 0.0, "{field}: {j}");
    }
    // More workers than jobs: the idle ones get nothing and still exit cleanly, and the two
    // with a job had them at once.
    let w = Witness::new();
    let r = run_env(
        PROCESS_POOL,
        &[
            "--limit",
            "10",
            "--workers",
            "8",
            "--chunk",
            "5",
            "--mode",
            "processes",
        ],
        &w.env(None),
    );
    assert!(r.success(), "{}{}{:?}", r.stdout, r.stderr, w.failures());
    assert_eq!(r.row("processes")[1..3], ["8 (2 with jobs)", "4"]);
    // One approach alone: no sequential run to compare with, so no speedup is claimed.
    assert_eq!(r.row("processes")[6], "-");
    assert!(!r.stdout.contains("faster"), "{}", r.stdout);
    // Nor any agreement: "from every approach" needs more than one.
    assert!(
        r.stdout.contains("primes below 10: 4 from processes alone"),
        "{}",
        r.stdout
    );
    assert!(w.failures().is_empty(), "{:?}", w.failures());
    assert_eq!(w.count("processes-2"), 2);
    // Two jobs of unequal size on two workers: the bigger one sets the pace, and the verdict
    // names that ceiling (estimated from the jobs' trial divisions) instead of 2x.
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        let args = ["--limit", "200000", "--chunk", "100000", "--workers", "2"];
        let r = run(PROCESS_POOL, &args);
        assert!(r.success(), "{}{}", r.stdout, r.stderr);
        for approach in ["processes", "rayon"] {
            let line = r.line(&format!("{approach}: "));
            assert!(
                line.contains("2 jobs of unequal size allow about 1.6x at most"),
                "{line}"
            );
        }
    }
    assert_refused(PROCESS_POOL, &["--workers", "0"]);
    assert_refused(PROCESS_POOL, &["--limit", "1"]);
    assert_refused(PROCESS_POOL, &["--mode", "threads"]);
    // 100,000,000 jobs of one number: past the cap on memory, refused before any work.
    assert_refused(PROCESS_POOL, &["--limit", "100000000", "--chunk", "1"]);
}
