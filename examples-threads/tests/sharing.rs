//! `shared_state`, `channels`, `sync_primitives` and `thread_pool`: exact counts under
//! contention, pipelines that add up, backpressure that holds, primitives that keep their
//! promises, and pools that agree with the sequential answer. Where an outcome depends on
//! which thread runs first (a backlog, a semaphore filling up, a steal), a witness barrier in
//! the program makes it certain instead of likely.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, ratio, run};

const SHARED_STATE: &str = env!("CARGO_BIN_EXE_shared_state");
const CHANNELS: &str = env!("CARGO_BIN_EXE_channels");
const SYNC_PRIMITIVES: &str = env!("CARGO_BIN_EXE_sync_primitives");
const THREAD_POOL: &str = env!("CARGO_BIN_EXE_thread_pool");

#[test]
fn every_shared_counter_is_exact_under_contention() {
    // The four threads were all counting at the same moment (a barrier inside the counting,
    // which threads started one after another could never pass): they really contended.
    let w = Witness::new();
    let r = w.run(
        SHARED_STATE,
        &["--threads", "4", "--increments", "100000"],
        None,
    );
    assert!(w.count("counting") >= 4);
    for approach in [
        "std Mutex",
        "parking_lot Mutex",
        "std RwLock (write)",
        "AtomicU64 fetch_add",
        "local, summed at the end",
    ] {
        let cells = r.row(approach);
        assert_eq!(cells[1], "400000", "{approach}: {cells:?}");
        assert_eq!(cells[2], "yes", "{approach}: {cells:?}");
    }
    // The fastest and slowest named are those of the wall column printed above them.
    let approaches = [
        "std Mutex",
        "parking_lot Mutex",
        "std RwLock (write)",
        "AtomicU64 fetch_add",
        "local, summed at the end",
    ];
    let wall = |a: &str| common::ms(r.row(a)[3]);
    let summary = r.line("every approach counted exactly 400000; fastest in this run: ");
    let named = |after: &str| {
        summary
            .split(after)
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
    };
    let (fastest, slowest) = (named("fastest in this run: "), named("slowest: "));
    for a in approaches {
        assert!(
            wall(fastest) <= wall(a) && wall(a) <= wall(slowest),
            "{a}: {summary}"
        );
    }
    assert_refused(SHARED_STATE, &["--threads", "0"]);
    assert_refused(SHARED_STATE, &["--increments", "0"]);
    // One thread shares the counter with nobody: nothing to contend, nothing to show.
    assert_refused(SHARED_STATE, &["--threads", "1"]);
    // Too few increments to outlast the threads' wake-up: the times would not be contention.
    assert_refused(SHARED_STATE, &["--threads", "2", "--increments", "99999"]);
}

#[test]
fn pipelines_add_up_and_bounded_channels_push_back() {
    let w = Witness::new();
    let r = w.run(
        CHANNELS,
        &["--messages", "20000", "--workers", "3", "--capacity", "4"],
        None,
    );
    let expected: u64 = (1..=20_000u64).map(|x| x * x % 1_000_003).sum();
    for library in ["std mpsc", "crossbeam", "flume"] {
        let cells = r.row(library);
        assert_eq!(cells[1], expected.to_string(), "{library}");
        assert_eq!(cells[2], "yes");
    }
    // Backpressure: the bounded backlog stays at the capacity (plus the message being sent and
    // the one being received), whatever the timing. The unbounded channel never holds the
    // producer back: under the witness its consumer starts only once the producer has sent
    // all 2000, and the producer got there.
    let bounded: usize = r.row("bounded(4)")[1].parse().unwrap();
    let unbounded: usize = r.row("unbounded ")[1].parse().unwrap();
    assert!(bounded <= 4 + 2, "bounded backlog {bounded}");
    assert_eq!(w.count("unbounded-all-sent"), 2);
    assert_eq!(unbounded, 2000, "unbounded backlog");
    assert!(unbounded > 10 * bounded, "unbounded backlog {unbounded}");
    // Every message from both producers, and the loop ends on a timeout once both are done
    // (how many timeouts a late producer cost is the machine's business).
    assert!(
        r.line("select:").starts_with(
            "select: 10 fast and 3 slow messages, then a timeout with both producers done ("
        ),
        "{}",
        r.stdout
    );
    for channel in [
        "std mpsc unbounded",
        "crossbeam bounded(1024)",
        "flume unbounded",
    ] {
        assert!(r.row(channel)[1].ends_with(" M"), "{channel}");
    }
    assert_refused(CHANNELS, &["--capacity", "0"]);
    assert_refused(CHANNELS, &["--messages", "0"]);
    // A bounded channel that holds half the backpressure scene's messages pushes nothing back.
    assert_refused(CHANNELS, &["--capacity", "1000"]);
    assert_refused(CHANNELS, &["--messages", "10", "--capacity", "8"]);
    // Each refusal names a change that the program then accepts.
    for (refused, advice, accepted) in [
        (
            &["--messages", "10", "--capacity", "8"][..],
            "lower --capacity to 4 or less",
            &["--messages", "10", "--capacity", "4"][..],
        ),
        (
            &["--messages", "2"],
            "raise --messages to 17 or more",
            &["--messages", "17"],
        ),
        (
            &["--messages", "2", "--capacity", "5000"],
            "raise --messages to 2000 and lower --capacity to 999 or less",
            &["--messages", "2000", "--capacity", "999"],
        ),
    ] {
        let r = run(CHANNELS, refused);
        assert_eq!(r.code, Some(2), "{refused:?}");
        assert!(r.stderr.contains(advice), "{}", r.stderr);
        let r = run(CHANNELS, &[accepted, &["--workers", "1"]].concat());
        assert!(r.success(), "{accepted:?}: {}", r.stderr);
        assert!(r.stdout.contains("1 producer -> 1 worker -> 1 collector"));
    }
    // 100 million messages may all sit in unbounded queues at once: past the memory cap.
    assert_refused(CHANNELS, &["--messages", "100000000"]);
}

#[test]
fn every_sync_primitive_keeps_its_promise() {
    let w = Witness::new();
    let r = w.run(
        SYNC_PRIMITIVES,
        &["--threads", "10", "--permits", "3", "--items", "5000"],
        None,
    );
    assert!(
        r.line("Condvar queue:")
            .contains("5000 items consumed once each (sum 12502500, expected 12502500)")
    );
    // Ten threads: ten phase-1 steps numbered 0..=9, then phase 2 from 10.
    assert_eq!(
        r.line("Barrier:"),
        "Barrier: 10 threads; the last phase-1 step was #9, the first phase-2 step #10"
    );
    assert!(r.line("OnceLock:").contains("the initialiser ran 1 time,"));
    assert!(
        r.line("thread_local!:")
            .contains("[100, 200, 300, 400] ...; main thread's copy: 0")
    );
    // Never more than 3 inside (the program checks it), and 3 at once for certain: the first
    // three inside wait for each other (a witness barrier) before giving their permits back.
    let semaphore = r.line("Semaphore:");
    assert!(
        semaphore.contains("3 permits, at most 3 inside at once"),
        "{semaphore}"
    );
    assert!(w.count("semaphore-3") >= 3);
    // Ten threads x 3 turns, 3 at a time: 10 rounds of 10 ms at the least, said as such.
    assert!(
        semaphore.ends_with("(3 at a time take 10 rounds of 10 ms or more)"),
        "{semaphore}"
    );
    assert!(r.stdout.contains("every primitive kept its promise"));
    // The smallest run reads in the singular where it should.
    let args = ["--threads", "2", "--permits", "1", "--items", "1"];
    let r = run(SYNC_PRIMITIVES, &args);
    assert!(r.success(), "{}", r.stderr);
    assert!(
        r.line("Condvar queue:")
            .starts_with("Condvar queue: 1 producer, 1 consumer, 1 item consumed once each")
    );
    assert!(
        r.line("Semaphore:")
            .starts_with("Semaphore: 2 threads x 3 turns, 1 permit, at most 1 inside at once")
    );
    assert_refused(SYNC_PRIMITIVES, &["--threads", "1"]);
    assert_refused(SYNC_PRIMITIVES, &["--permits", "0"]);
    // As many permits as threads: nobody ever waits at the semaphore.
    assert_refused(SYNC_PRIMITIVES, &["--threads", "4", "--permits", "4"]);
}

#[test]
fn every_pool_agrees_with_the_sequential_loop() {
    let w = Witness::new();
    let r = w.run(
        THREAD_POOL,
        &["--limit", "100000", "--workers", "3", "--chunk", "500"],
        None,
    );
    let expected = r.row("sequential loop")[2].to_string();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (pool, threads) in [
        ("MiniPool (channel + Mutex)", 3),
        ("rayon par_iter (global pool)", cores),
        ("rayon ThreadPool (install)", 3),
        ("crossbeam work stealing", 3),
    ] {
        let cells = r.row(pool);
        assert_eq!(cells[1], threads.to_string(), "{pool}");
        assert_eq!(cells[2], expected, "{pool}");
        assert_eq!(cells[3], "yes", "{pool}");
        // The verdict agrees with the speedup in the row (the speedup is the machine's).
        let verdict = r.line(&format!("{pool}: "));
        assert_verdict(verdict, ratio(cells[5]), threads as u32);
    }
    // All tasks start with worker 0: the others get work only by stealing it, and under the
    // witness all three workers held a task at once, so the two others stole at least once.
    assert!(w.count("stealing-3") >= 3);
    let steals = r.line("work stealing:");
    let stolen = common::number_after(steals, "stole ");
    assert!(stolen >= 2, "{steals}");
    assert_refused(THREAD_POOL, &["--chunk", "0"]);
    assert_refused(THREAD_POOL, &["--workers", "0"]);
    // 100 million tasks of one number each, all queued at once: past the memory cap.
    assert_refused(THREAD_POOL, &["--limit", "100000000", "--chunk", "1"]);
}
