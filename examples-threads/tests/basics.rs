//! `spawn_join`, `file_processing`, `background_task` and `thread_memory`: the basics check
//! themselves, the pool's file results equal the sequential ones, the front keeps drawing
//! while a worker computes (frames counted, not timed), a cancelled worker stops within a
//! chunk, and an idle thread's resident cost does not follow its stack size.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, kib, ms, ratio, run};

const SPAWN_JOIN: &str = env!("CARGO_BIN_EXE_spawn_join");
const FILE_PROCESSING: &str = env!("CARGO_BIN_EXE_file_processing");
const BACKGROUND_TASK: &str = env!("CARGO_BIN_EXE_background_task");
const THREAD_MEMORY: &str = env!("CARGO_BIN_EXE_thread_memory");

#[test]
fn spawn_join_scenes_all_check_out() {
    let r = run(
        SPAWN_JOIN,
        &[
            "--threads",
            "3",
            "--depth",
            "100000",
            "--stack-mib",
            "64",
            "--sleep-ms",
            "50",
        ],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // join waited for the sleeping thread: never less than its sleep (the CPU figure beside it
    // belongs to the machine and is not asserted).
    let joined = r.line("spawn + join:");
    assert!(
        joined.starts_with(
            "spawn + join: the thread slept 50.0 ms and returned 5050; join returned "
        ),
        "{joined}"
    );
    // Measured from before the spawn, so never under the sleep, however busy the machine.
    let waited = joined.split("join returned ").nth(1).unwrap();
    assert!(
        ms(waited.split(" after").next().unwrap()) >= 50.0,
        "{joined}"
    );
    assert!(r.line("move:").ends_with("their sum 499500"));
    assert_eq!(
        r.line("named:"),
        "named: the thread calls itself \"loader-1\""
    );
    assert!(
        r.line("scope: 3 threads summed")
            .contains("500000500000 (one thread: 500000500000)")
    );
    assert!(
        r.line("panic:")
            .contains("\"disk on fire\"; join returned Err and main goes on")
    );
    // The panic went to stderr, from the named thread, and the program still succeeded.
    assert!(
        r.stderr.contains("'doomed'") && r.stderr.contains("disk on fire"),
        "{}",
        r.stderr
    );
    // 100,000 frames do not fit in the default 2 MiB, in debug or release builds.
    assert!(
        r.line("stack: recursion 100000 deep")
            .contains("more than the 2 MiB")
    );
    assert!(
        r.stdout
            .contains("all six scenes gave the expected results")
    );
    assert_refused(SPAWN_JOIN, &["--stack-mib", "0"]);
    assert_refused(SPAWN_JOIN, &["--threads", "0"]);
    // A stack the recursion may touch in full counts as memory: 4 GiB is past the cap.
    assert_refused(SPAWN_JOIN, &["--stack-mib", "4096"]);
    // The header's Try this: a recursion that would overflow its stack is refused, not run.
    assert_refused(SPAWN_JOIN, &["--stack-mib", "1"]);
}

#[test]
fn the_pool_finds_what_the_sequential_pass_finds() {
    let r = run(
        FILE_PROCESSING,
        &["--files", "60", "--kib-per-file", "8", "--workers", "3"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(r.line("wrote 60 files of 8 KiB into").contains("/"));
    assert!(
        r.line("results identical for all 60 files:")
            .contains("words")
    );
    // The verdict agrees with the speedup printed in the table (never asserted itself).
    assert_verdict(r.line("thread pool: "), ratio(r.row("thread pool")[4]), 3);
    // The same seed writes the same text: the totals are reproducible across runs.
    let again = run(
        FILE_PROCESSING,
        &["--files", "60", "--kib-per-file", "8", "--workers", "2"],
    );
    assert_eq!(
        again.line("results identical"),
        r.line("results identical"),
        "same seed, same files, same totals"
    );
    let other = run(
        FILE_PROCESSING,
        &["--files", "60", "--kib-per-file", "8", "--seed", "7"],
    );
    assert_ne!(other.line("results identical"), r.line("results identical"));
    // The temporary tree is gone afterwards.
    let dir = r
        .line("wrote ")
        .split(" into ")
        .nth(1)
        .unwrap()
        .split(" in ")
        .next()
        .unwrap();
    assert!(!std::path::Path::new(dir).exists(), "{dir} was left behind");
    assert_refused(FILE_PROCESSING, &["--files", "0"]);
    assert_refused(FILE_PROCESSING, &["--kib-per-file", "0"]);
    // A pool of one thread, or one file for the pool: nothing can run side by side.
    assert_refused(FILE_PROCESSING, &["--workers", "1"]);
    assert_refused(FILE_PROCESSING, &["--files", "1"]);
    // 256 workers each holding a 16 MiB file is 4 GiB of memory, past the cap.
    assert_refused(
        FILE_PROCESSING,
        &[
            "--files",
            "10",
            "--kib-per-file",
            "16384",
            "--workers",
            "256",
        ],
    );
}

/// The frames a `background_task` row says were drawn mid-work: "21 (19 mid-work)" gives 19.
fn mid_work(cells: &[&str]) -> u64 {
    let frames = cells[2];
    let inner = frames
        .split('(')
        .nth(1)
        .and_then(|r| r.strip_suffix(" mid-work)"));
    inner
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("frames cell {frames:?}"))
}

#[test]
fn the_front_keeps_drawing_while_the_worker_computes() {
    let w = Witness::new();
    let r = w.run(
        BACKGROUND_TASK,
        &["--limit", "3000000", "--frame-ms", "20"],
        None,
    );
    assert!(
        r.line("with a worker thread")
            .contains("same answer, 216816 primes")
    );
    // Inline, the front is busy computing: it cannot draw a frame while the work is under way,
    // and its one long gap spans the whole computation. Both are certain, not timed.
    let inline = r.row("inline");
    assert_eq!(mid_work(&inline), 0, "{inline:?}");
    assert!(ms(inline[3]) >= ms(inline[1]), "{inline:?}");
    // With a worker thread, the front drew while the work was under way: the worker waited
    // after its first chunk until the front had drawn that progress (a two-party barrier).
    let thread = r.row("thread");
    assert!(mid_work(&thread) >= 1, "{thread:?}");
    assert!(w.count("drawn-mid-work") >= 2);
}

#[test]
fn a_cancel_stops_the_worker_within_a_chunk() {
    let r = run(
        BACKGROUND_TASK,
        &["--limit", "1000000000", "--cancel-after-ms", "200"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // A billion numbers take minutes: the cancel came first, and the worker gave up.
    let line = r.line("cancelled after");
    assert_eq!(r.row("thread")[4], "cancelled", "{}", r.stdout);
    // The worker reads the flag before each chunk of 20000 numbers, so it checks at most the
    // chunk it was in when the front asked (one more if the flag and the progress cross in
    // the CPUs' store buffers at that very moment), however long that took.
    let after = common::number_after(line, "after the request, ");
    assert!(line.contains("(chunks of 20000)"), "{line}");
    assert!(after <= 2 * 20_000, "{line}");
    assert!(
        !r.stdout.contains("inline"),
        "a cancelled run skips the inline part"
    );
    // Work that ends long before its cancel is due: no cancel was asked for, and it says so.
    let r = run(
        BACKGROUND_TASK,
        &["--limit", "200000", "--cancel-after-ms", "60000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.line("the worker finished"),
        "the worker finished before the cancel was due: 17984 primes"
    );
    assert_refused(BACKGROUND_TASK, &["--frame-ms", "0"]);
    assert_refused(BACKGROUND_TASK, &["--limit", "5"]);
    // One chunk of work: progress jumps from 0 to done, nothing can be drawn mid-work.
    assert_refused(BACKGROUND_TASK, &["--limit", "39999"]);
}

#[test]
fn idle_threads_cost_little_resident_memory_whatever_the_stack() {
    let r = run(
        THREAD_MEMORY,
        &["--threads", "300", "--stack-kib", "64,8192"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (small, big) = (r.row("64 KiB"), r.row("8.0 MiB"));
    assert_eq!((small[1], big[1]), ("300", "300"));
    // Resident: tens of KiB at most, for either stack size.
    for row in [&small, &big] {
        assert!(kib(row[3]) < 128.0, "{row:?}");
    }
    // Address space: the stack, its guard page and the signal stack with its guard (16 KiB in
    // all), and nothing else, since the measuring copies allow glibc one malloc arena: an
    // 8 MiB stack costs 8 MiB and a little, a 64 KiB one well under 1 MiB.
    assert!(kib(big[4]) >= 8.0 * 1024.0, "{big:?}");
    assert!(kib(big[4]) < 8.0 * 1024.0 + 256.0, "{big:?}");
    assert!(kib(small[4]) >= 64.0 && kib(small[4]) < 256.0, "{small:?}");
    assert_eq!(
        r.line("(measured with"),
        "(measured with MALLOC_ARENA_MAX=1: see the header for why)"
    );
    // The verdict follows the figures: resident memory did not follow the stack size.
    assert!(
        r.line("300 idle threads: 8.0 MiB stacks instead of 64 KiB added ")
            .ends_with("the kernel gives a thread pages only as it touches them"),
        "{}",
        r.stdout
    );
    assert_refused(THREAD_MEMORY, &["--threads", "0"]);
    // Too few threads: page rounding and other allocations would swamp each one's share.
    assert_refused(THREAD_MEMORY, &["--threads", "49"]);
    assert_refused(THREAD_MEMORY, &["--stack-kib", "1"]);
    // One stack size has nothing to be compared with.
    assert_refused(THREAD_MEMORY, &["--stack-kib", "64"]);
    assert_refused(THREAD_MEMORY, &["--stack-kib", "64,64"]);
}
