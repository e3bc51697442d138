//! `bounded_concurrency`, `async_files`, `async_database`: limits, files and databases from
//! async code, with the answers checked and the trade-offs measured.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, kib, ms, run, timing_lock};

const BOUNDED: &str = env!("CARGO_BIN_EXE_bounded_concurrency");
const FILES: &str = env!("CARGO_BIN_EXE_async_files");
const DATABASE: &str = env!("CARGO_BIN_EXE_async_database");

#[test]
fn bounded_variants_never_exceed_the_limit_and_peak_lower() {
    let _t = timing_lock();
    let r = run(
        BOUNDED,
        &[
            "--jobs",
            "1000",
            "--limit",
            "50",
            "--delay-ms",
            "30",
            "--buffer-kib",
            "128",
        ],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let unbounded = r.row("unbounded");
    assert_eq!(unbounded[1], "1000");
    assert!(unbounded[2].parse::<u32>().unwrap() > 50, "{unbounded:?}");
    for name in ["semaphore", "join-set", "buffer-unordered"] {
        let row = r.row(name);
        assert_eq!(row[1], "1000", "{row:?}");
        let most: u32 = row[2].parse().unwrap();
        assert!((1..=50).contains(&most), "{row:?}");
        // 1,000 jobs x 128 KiB in flight at once against at most 50: the peak shows it.
        assert!(
            kib(row[4]) < 0.7 * kib(unbounded[4]),
            "{row:?} vs {unbounded:?}"
        );
        // And the price: 20 rounds of 30 ms at least.
        assert!(ms(row[3]) >= 600.0, "{row:?}");
    }
    assert_refused(BOUNDED, &["--jobs", "0"]);
    assert_refused(BOUNDED, &["--jobs", "10", "--limit", "20"]);
}

#[test]
fn every_way_of_writing_files_reads_the_same_bytes() {
    let r = run(FILES, &["--files", "100", "--kib", "16"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let rows = [
        r.row("std::fs, sequential"),
        r.row("tokio::fs, concurrent"),
        r.row("spawn_blocking + std::fs"),
    ];
    assert!(rows.iter().all(|row| row[3] == rows[0][3]), "{rows:?}");
    // tokio::fs runs on the blocking pool: more threads than the sequential run had.
    let threads = |row: &Vec<&str>| row[2].parse::<u32>().unwrap();
    assert!(threads(&rows[1]) > threads(&rows[0]), "{rows:?}");
    assert!(r.line("checksums identical").contains("blocking pool"));
    assert_refused(FILES, &["--files", "0"]);
    assert_refused(FILES, &["--dir", "/nonexistent/place"]);
    assert_refused(FILES, &["--files", "100000", "--kib", "65536"]);
}

#[test]
fn a_shared_connection_serializes_and_a_pool_does_not() {
    let _t = timing_lock();
    let r = run(
        DATABASE,
        &["--rows", "100000", "--queries", "30", "--pool", "2"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let sequential = r.row("sequential");
    let shared = r.row("async tasks, one shared connection");
    let pool = r.row("async tasks, a pool");
    assert_eq!(sequential[5], shared[5]);
    assert_eq!(sequential[5], pool[5]);
    // One connection runs one query at a time, however many tasks wait for it.
    assert!(
        ms(shared[3]) > 0.75 * ms(sequential[3]),
        "{shared:?} vs {sequential:?}"
    );
    // Two connections on two cores: clearly faster than one (ideal 2x; noisy machines).
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        assert!(ms(pool[3]) < 0.85 * ms(shared[3]), "{pool:?} vs {shared:?}");
    }
    assert!(r.line("answers identical").len() > 20);
    assert_refused(DATABASE, &["--pool", "0"]);
    assert_refused(DATABASE, &["--rows", "0"]);
}

const RUNTIMES: &str = env!("CARGO_BIN_EXE_runtimes");

#[test]
fn the_same_workload_runs_on_three_runtimes() {
    let _t = timing_lock();
    let r = run(
        RUNTIMES,
        &["--tasks", "2000", "--delay-ms", "200", "--messages", "2000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for runtime in ["tokio", "smol", "async-std (discontinued)"] {
        let row = r.row(runtime);
        assert_eq!(row[1], "2000", "{row:?}");
        // 2,000 tasks sleeping 200 ms at once: about one delay, not 2,000 of them.
        assert!((200.0..1000.0).contains(&ms(row[2])), "{row:?}");
        assert!(kib(row[6]) > 0.0);
    }
    assert!(
        r.stdout
            .contains("async_std::task::spawn(f)      -> smol::spawn(f)")
    );
    assert_refused(RUNTIMES, &["--tasks", "0"]);
    assert_refused(RUNTIMES, &["--one", "nope"]);
}
