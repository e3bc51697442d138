//! `bounded_concurrency`, `async_files`, `async_database`: limits, files and databases from
//! async code, with the answers checked and the trade-offs measured.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, kib, ms, run, run_env};

const BOUNDED: &str = env!("CARGO_BIN_EXE_bounded_concurrency");
const FILES: &str = env!("CARGO_BIN_EXE_async_files");
const DATABASE: &str = env!("CARGO_BIN_EXE_async_database");

#[test]
fn bounded_variants_never_exceed_the_limit_and_peak_lower() {
    // The loopback server holds the first 1,000 requests (all of the unbounded run's) until
    // all have arrived (WITNESS_GATE): the unbounded run then certainly has every job, and
    // every job's buffer, in flight at once.
    let w = Witness::new();
    let r = run_env(
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
        &w.env(Some(1000)),
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let unbounded = r.row("unbounded");
    assert_eq!(unbounded[1], "1000");
    assert_eq!(unbounded[2], "1000", "{unbounded:?}");
    assert!(
        r.line("unbounded: 1000 of 1000 in flight at once (the server saw up to 1000)")
            .len()
            > 10
    );
    // The server's count beside it is the unbounded run's own: never above the client's.
    let line = r.line("unbounded: ");
    let saw = common::number_after(line, "the server saw up to ");
    assert!(saw <= unbounded[2].parse().unwrap(), "{line}");
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
        // And the price: each job waits 30 ms at the server and at most 50 wait at once, so
        // 20 rounds of 30 ms at least (a floor the sleeps guarantee, not a speed).
        assert!(ms(row[3]) >= 600.0, "{row:?}");
    }
    assert_refused(BOUNDED, &["--jobs", "0"]);
    // 61 rounds of 1968 ms (one unbounded, 20 per bounded variant): past the cap.
    assert_refused(BOUNDED, &["--jobs", "2000", "--delay-ms", "1968"]);
    assert_refused(BOUNDED, &["--jobs", "10", "--limit", "20"]);
    assert_refused(BOUNDED, &["--jobs", "20", "--limit", "20"]);
    // 8,000 buffers of 1 MiB in flight at once: past the memory cap.
    assert_refused(BOUNDED, &["--jobs", "8000", "--buffer-kib", "1024"]);
    // Past the memory cap and long enough for the time note: refused, with no note first.
    let r = run(
        BOUNDED,
        &["--jobs", "8000", "--delay-ms", "250", "--buffer-kib", "512"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(!r.stderr.contains("note:"), "{}", r.stderr);
    // 24,001 rounds of a 4 ms delay cost more than 4 ms each: past the cap.
    assert_refused(
        BOUNDED,
        &["--jobs", "8000", "--limit", "1", "--delay-ms", "4"],
    );
    // The refusal names --delay-ms only where the jobs fit with no delay at all: 24,001
    // rounds at a limit of 1 do not.
    for (limit, delay_helps) in [("100", true), ("1", false)] {
        let args = ["--jobs", "8000", "--limit", limit, "--delay-ms", "10000"];
        let r = run(BOUNDED, &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(r.stderr.contains("--delay-ms"), delay_helps, "{}", r.stderr);
    }
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
    // Each way is called faster than the sequential one only when its printed time is lower
    // (rounding keeps the order of two printed times, unless it makes them equal).
    let against = r.line("against std::fs one file after another: ");
    let (tokio_part, blocking_part) = against.split_once(", spawn_blocking").unwrap();
    for (part, row) in [(tokio_part, &rows[1]), (blocking_part, &rows[2])] {
        if ms(row[1]) != ms(rows[0][1]) {
            let faster = part.contains("x faster");
            assert_eq!(faster, ms(row[1]) < ms(rows[0][1]), "{against}");
        }
    }
    // The last line's reason agrees with the printed times: no gain claimed under a tenth.
    let best = ms(rows[0][1]) / ms(rows[1][1]).min(ms(rows[2][1]));
    let none = r
        .line("checksums identical")
        .contains("neither concurrent way gained");
    if !(1.05..=1.15).contains(&best) {
        assert_eq!(none, best < 1.1, "{best}: {}", r.stdout);
    }
    assert_refused(FILES, &["--files", "0"]);
    assert_refused(FILES, &["--files", "1"]); // nothing to overlap with
    assert_refused(FILES, &["--dir", "/nonexistent/place"]);
    assert_refused(FILES, &["--dir", "/etc/passwd"]);
    assert_refused(FILES, &["--files", "100000", "--kib", "65536"]);
    // 1 GiB fits the disk cap, but is held twice in memory (the contents, tokio::fs's copies).
    assert_refused(FILES, &["--files", "1000", "--kib", "1024"]);
}

#[test]
fn a_shared_connection_serializes_and_a_pool_does_not() {
    let w = Witness::new();
    let r = w.run(
        DATABASE,
        &["--rows", "100000", "--queries", "30", "--pool", "2"],
        None,
    );
    let sequential = r.row("sequential");
    let shared = r.row("async tasks, one shared connection");
    let pool = r.row("async tasks, a pool");
    assert_eq!(sequential[6], shared[6]);
    assert_eq!(sequential[6], pool[6]);
    // One connection runs one query at a time, however many tasks wait for it.
    assert_eq!((sequential[3], shared[3]), ("1", "1"), "{shared:?}");
    // The pool's two connections ran queries at the same moment: both reached a witness
    // barrier inside a query.
    assert_eq!(pool[3], "2", "{pool:?}");
    assert!(w.count("pool-2") >= 2);
    // The verdict on the pool's speed is the one the printed times give.
    let verdict = r.line("a pool of 2 against one shared connection: ");
    assert_verdict(verdict, ms(shared[4]) / ms(pool[4]), 2);
    // Its base is the shared connection's run: a verdict never blames the sequential one.
    assert!(!verdict.contains("sequential run"), "{verdict}");
    assert!(r.line("answers identical").len() > 20);
    // More connections than queries: the queries, not the pool, say how many run at once,
    // and the verdict counts those.
    let r = w.run(
        DATABASE,
        &["--rows", "20000", "--queries", "2", "--pool", "4"],
        None,
    );
    let (shared, pool) = (
        r.row("async tasks, one shared connection"),
        r.row("async tasks, a pool"),
    );
    assert_eq!(pool[3], "2", "{pool:?}");
    let verdict = r.line("a pool of 4 against one shared connection: ");
    assert!(verdict.contains("on 2 worker"), "{verdict}");
    assert_verdict(verdict, ms(shared[4]) / ms(pool[4]), 2);
    assert_refused(DATABASE, &["--pool", "0"]);
    // A pool of one is the shared connection again.
    assert_refused(DATABASE, &["--pool", "1"]);
    assert_refused(DATABASE, &["--rows", "0"]);
    // One query cannot run beside another: the lesson cannot show.
    assert_refused(DATABASE, &["--queries", "1"]);
}

const RUNTIMES: &str = env!("CARGO_BIN_EXE_runtimes");

#[test]
fn the_same_workload_runs_on_three_runtimes() {
    // Under the tests every sleeper waits until all 2,000 have been spawned before it sleeps,
    // so "2,000 asleep at once" is certain, on each runtime's few threads.
    let w = Witness::new();
    let r = run_env(
        RUNTIMES,
        &["--tasks", "2000", "--delay-ms", "200", "--messages", "2000"],
        &w.env(None),
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for runtime in ["tokio", "smol", "async-std (discontinued)"] {
        let row = r.row(runtime);
        assert_eq!(row[1], "2000", "{row:?}");
        assert_eq!(row[2], "2000", "{row:?}");
        // At least the one delay each of them slept.
        assert!(ms(row[3]) >= 200.0, "{row:?}");
        assert!(kib(row[7]) > 0.0);
    }
    assert!(
        r.stdout
            .contains("async_std::task::spawn(f)      -> smol::spawn(f)")
    );
    // The one change of meaning in the port: a dropped smol Task is cancelled.
    assert!(
        r.line("  drop(handle): runs on")
            .ends_with("drop(task): cancelled; detach()")
    );
    assert_refused(RUNTIMES, &["--tasks", "0"]);
    assert_refused(RUNTIMES, &["--one", "nope"]);
    // One of each is said in the singular.
    let r = run(
        RUNTIMES,
        &["--tasks", "1", "--delay-ms", "1", "--messages", "1"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("1 task sleeping 1 ms each, then 1 ping-pong round trip,")
    );
}
