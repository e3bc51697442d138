//! `livelock`, `starvation` and `blocking_in_async`: progress problems without a deadlock,
//! each made certain, measured, and fixed.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_refused_ending, ms, run};

const LIVELOCK: &str = env!("CARGO_BIN_EXE_livelock");
const STARVATION: &str = env!("CARGO_BIN_EXE_starvation");
const BLOCKING_IN_ASYNC: &str = env!("CARGO_BIN_EXE_blocking_in_async");

#[test]
fn lockstep_politeness_makes_no_progress_and_random_backoff_does() {
    // The rounds make the lockstep certain: with a constant back-off of 1 both clerks come
    // back in the same rounds (1, 3, 5, ...), collide and retreat every time.
    let r = run(LIVELOCK, &["--rounds", "50", "--transfers", "10"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("two clerks, each back off 1 round after finding"),
        "{}",
        r.stdout
    );
    assert_eq!(r.row("alice")[1..], ["0", "25"]);
    assert_eq!(r.row("bob")[1..], ["0", "25"]);
    let summary = r.line("livelock: 50 rounds");
    assert!(
        summary.contains("50 polite retreats, 0 transfers"),
        "{summary}"
    );
    // The detector really was asked, and found nothing: no thread ever waits for a lock.
    assert!(
        summary.contains("found 0 deadlocks") || summary.contains("before parking_lot"),
        "{summary}"
    );

    // The same forcing, the same first collision; only the back-off is random.
    let r = run(LIVELOCK, &["--fix", "random-backoff", "--transfers", "300"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert_eq!(r.row("alice")[1], "300");
    assert_eq!(r.row("bob")[1], "300");
    // Both clerks start together, so the first round is a collision for both.
    assert!(r.row("alice")[2].parse::<u32>().unwrap() >= 1);
    assert!(r.row("bob")[2].parse::<u32>().unwrap() >= 1);
    assert!(
        r.line("random back-off: 600 transfers")
            .contains("total 2000, as at the start")
    );

    // A random choice among one value is no choice: the lockstep stays, the livelock is shown.
    let r = run(
        LIVELOCK,
        &[
            "--fix",
            "random-backoff",
            "--backoff",
            "0",
            "--rounds",
            "200",
            "--transfers",
            "5",
        ],
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.line("back-off 0 to 0 rounds is no choice at all: 200 rounds")
            .contains("0 transfers")
            && r.stdout.contains("the livelock is back"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("random back-off:"), "{}", r.stdout);

    assert_refused(LIVELOCK, &["--rounds", "0"]);
    assert_refused(LIVELOCK, &["--rounds", "10", "--transfers", "100"]);
    // The first round always collides: 2 x --transfers rounds can never be enough for the fix.
    assert_refused(LIVELOCK, &["--rounds", "20", "--transfers", "10"]);
    // Lowering --transfers is named only where --transfers 1 would fit (3 rounds).
    let tail = "(one transfer per round at most): raise --rounds";
    assert_refused_ending(LIVELOCK, &["--rounds", "2", "--transfers", "1"], tail);
    let tail = ": raise --rounds or lower --transfers";
    assert_refused_ending(LIVELOCK, &["--rounds", "10", "--transfers", "5"], tail);
    assert_refused(LIVELOCK, &["--fix", "patience"]);
}

#[test]
fn a_stream_of_readers_starves_the_writer_until_the_lock_is_fair() {
    let r = run(
        STARVATION,
        &["--readers", "4", "--hold-ms", "2", "--duration-ms", "300"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // The policy, one step at a time (a reader inside, the writer waiting, a new reader): the
    // same outcome on every run.
    assert!(
        r.line("a reader inside, the writer waiting, a new reader arrives:")
            .ends_with(
                "the reader-preferring lock lets it in ahead of the writer; \
             the fair lock makes it wait behind the writer"
            ),
        "{}",
        r.stdout
    );
    let simple = r.row("reader-preferring (simple)");
    let fair = r.row("parking_lot RwLock (fair)");
    // Counted, not timed. Under the fair lock a read gets in after the writer asked only if it
    // was already on its way in: at most one per reader per write (0 on almost every run). A
    // reader-preferring lock lets hundreds in, as the first row shows (that figure depends on
    // how the scheduler interleaves the readers, so it is printed, not required).
    let fair_writes: u32 = fair[2].parse().unwrap();
    assert!(fair_writes >= 1, "{fair:?}");
    assert!(
        fair[3].parse::<u32>().unwrap() <= 4 * fair_writes,
        "{fair:?}"
    );
    // The summary repeats the table's counts, and says so when no read overtook the writer.
    let summary = r.line("the writer was overtaken by");
    for expected in [
        format!(
            "overtaken by {} reads and waited up to {}",
            simple[3], simple[4]
        ),
        format!("lock ({} write", simple[2]),
        format!("by {} reads and up to {}", fair[3], fair[4]),
        format!("fair one ({} write", fair[2]),
    ] {
        assert!(summary.contains(&expected), "{expected}\n{summary}");
    }
    assert_eq!(
        simple[3] == "0",
        summary.contains("the readers left gaps this run"),
        "{summary}"
    );
    assert_refused(STARVATION, &["--readers", "0"]);
    // One reader leaves the lock free between its reads: no stream to starve the writer.
    assert_refused(STARVATION, &["--readers", "1"]);
    assert_refused(STARVATION, &["--duration-ms", "1"]);
    // Too short for a read to start behind the waiting writer (it first asks at 20 ms).
    assert_refused(STARVATION, &["--hold-ms", "100", "--duration-ms", "219"]);
}

#[test]
fn blocking_inside_async_freezes_the_heartbeat() {
    let w = Witness::new();
    let r = w.run(
        BLOCKING_IN_ASYNC,
        &["--block-ms", "200", "--period-ms", "10"],
        None,
    );
    for blocked in ["std::thread::sleep inside async", "CPU loop inside async"] {
        let row = r.row(blocked);
        // The job holds the only runtime thread: not one tick can run while it does.
        assert_eq!(row[1], "0", "{row:?}");
        // So the tick due during the job waits for the end of it: at least the job's 200 ms
        // less one period (a lower bound the job's own duration guarantees).
        assert!(ms(row[2]) >= 190.0, "{row:?}");
    }
    for (fixed, section) in [
        ("spawn_blocking(sleep)", "SleepOnBlockingPool"),
        ("spawn_blocking(CPU loop)", "CpuOnBlockingPool"),
    ] {
        let row = r.row(fixed);
        // The witness: the job, on the blocking pool, and a heartbeat tick were both inside
        // their barrier at the same moment, so the heartbeat ticked while the job ran.
        assert_eq!(w.count(section), 2, "{section}");
        assert!(row[1].parse::<u32>().unwrap() >= 1, "{row:?}");
    }
    // The summary gives each job's ticks, as the table does (a sum would read as one job's).
    let summary = r.line("blocking inside async: 0 and 0 ticks while the two jobs ran");
    assert!(
        summary.contains(&format!(
            "through spawn_blocking: {} and {} ticks while they ran",
            r.row("spawn_blocking(sleep)")[1],
            r.row("spawn_blocking(CPU loop)")[1]
        )),
        "{summary}"
    );
    assert_refused(BLOCKING_IN_ASYNC, &["--block-ms", "0"]);
    // A job shorter than two periods can span as few as one tick's due time: refused.
    assert_refused(
        BLOCKING_IN_ASYNC,
        &["--block-ms", "10", "--period-ms", "10"],
    );
    assert_refused(BLOCKING_IN_ASYNC, &["--period-ms", "0"]);
}
