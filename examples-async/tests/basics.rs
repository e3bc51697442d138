//! `chef`, `timeouts`, `task_errors`, `cpu_in_async`, `task_memory`, `async_channels`: what
//! the async basics promise, checked.

#[path = "../../testing/common.rs"]
mod common;
use common::{Server, Witness, assert_refused, ms, run};

const CHEF: &str = env!("CARGO_BIN_EXE_chef");
const TIMEOUTS: &str = env!("CARGO_BIN_EXE_timeouts");
const TASK_ERRORS: &str = env!("CARGO_BIN_EXE_task_errors");
const CPU_IN_ASYNC: &str = env!("CARGO_BIN_EXE_cpu_in_async");
const TASK_MEMORY: &str = env!("CARGO_BIN_EXE_task_memory");
const ASYNC_CHANNELS: &str = env!("CARGO_BIN_EXE_async_channels");

#[test]
fn one_chef_overlaps_the_waits_and_several_overlap_the_work() {
    let w = Witness::new();
    let r = w.run(CHEF, &["--scale", "0.2"], None);
    let sequential = r.row("sequential, one dish at a time");
    let one = r.row("one chef, three dishes at once");
    let three = r.row("3 chefs");
    // One thread for the one chef, interleaving.
    assert_eq!((sequential[2], one[2]), ("1", "1"));
    // The waits overlap: on its one thread the one chef chopped all three dishes before any
    // could be picked up again, so all three simmered at once (an ordering, not a time);
    // cooking one dish after another, never more than one.
    assert_eq!((sequential[3], one[3]), ("1", "3"), "{one:?}");
    // The three chefs were inside their cooking at the same moment (a witness barrier reached
    // by all three), so three threads chopped.
    assert_eq!(w.count("chefs-3"), 3);
    assert_eq!(three[2], "3", "{three:?}");
    // The one-chef timeline: every dish on thread A, and the legend names a single thread.
    let one_chef = r.stdout.split("== one chef").nth(1).unwrap();
    let legend = one_chef
        .lines()
        .find(|l| l.starts_with("threads:"))
        .unwrap();
    assert!(!legend.contains("B ="), "{legend}");
    // The summary lines state what the table measured, and call a kitchen faster only when
    // its total was lower.
    // (Rounding keeps the order of two printed times, unless it makes them equal.)
    let faster = |line: &str, new: &str, base: &str| {
        if ms(new) != ms(base) {
            assert_eq!(line.contains("x faster"), ms(new) < ms(base), "{line}");
        }
    };
    let line = r.line("one chef on 1 thread: ");
    assert!(line.ends_with("3 dishes simmered at once"), "{line}");
    faster(line, one[1], sequential[1]);
    faster(r.line("3 chefs on 3 threads: "), three[1], one[1]);
    assert_refused(CHEF, &["--scale", "0"]);
    assert_refused(CHEF, &["--chefs", "0"]);
    assert_refused(CHEF, &["--chefs", "1"]); // no second chef to overlap with
}

#[test]
fn timeouts_cancel_and_shutdown_loses_nothing() {
    let r = run(TIMEOUTS, &["--shutdown-after-ms", "400"]);
    assert!(r.success(), "{}", r.stderr);
    // A 1 s request given 200 ms: abandoned, after at least the 200 ms it was given.
    let timed_out = r.line("timed out after ");
    let after = timed_out["timed out after ".len()..]
        .split(':')
        .next()
        .unwrap();
    assert!(ms(after) >= 200.0, "{timed_out}");
    assert!(
        r.line("select! returned the 100 ms mirror")
            .contains("the other request was dropped")
    );
    assert!(r.stdout.contains("cleanup ran for the upload task (Drop)"));
    assert!(
        r.line("task result: cancelled; cleanup ran 1 time; the code after the await ran 0 times")
            .len()
            > 10
    );
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.starts_with("worker ") && l.contains("after the cancel"))
            .count(),
        4
    );
    let report = r.line("accepted ");
    let [accepted, finished, lost] = accepted_finished_lost(report);
    assert!(
        accepted > 0 && accepted == finished && lost == 0,
        "{report}"
    );
}

/// The figures of the shutdown report, `accepted A, finished F, lost L; drained in ...`.
fn accepted_finished_lost(report: &str) -> [u64; 3] {
    let n: Vec<u64> = report
        .split([' ', ',', ';'])
        .filter_map(|w| w.parse().ok())
        .collect();
    [n[0], n[1], n[2]]
}

#[test]
fn ctrl_c_drains_every_job_in_flight() {
    let program = Server::start_after(
        TIMEOUTS,
        &[
            "--part",
            "shutdown",
            "--shutdown-after-ms",
            "60000",
            "--job-ms",
            "400",
        ],
        "press Ctrl-C",
    );
    // Whenever the signal comes, two jobs were accepted first: each tick accepts before it waits.
    program.interrupt();
    let r = program.finish();
    assert!(r.success(), "{}", r.stdout);
    assert!(
        r.stdout.contains("SIGINT: stopped accepting; waiting for"),
        "{}",
        r.stdout
    );
    let report = r.line("accepted ");
    let [accepted, finished, lost] = accepted_finished_lost(report);
    // Jobs take 400 ms and the signal came while they ran: all drained, none lost.
    assert!(
        accepted >= 2 && accepted == finished && lost == 0,
        "{report}"
    );
    assert_refused(TIMEOUTS, &["--part", "nope"]);
    assert_refused(TIMEOUTS, &["--job-ms", "0"]);
    // A refusal names --job-ms and --drain-ms only where lowering them can bring the run under
    // the cap: not where the wait for Ctrl-C alone reaches it.
    for (after, jobs_help) in [("119999", true), ("120000", false)] {
        let r = run(TIMEOUTS, &["--shutdown-after-ms", after]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(r.stderr.contains("--job-ms"), jobs_help, "{}", r.stderr);
    }
}

#[test]
fn sigterm_drains_too_and_abandoned_jobs_fail_the_run() {
    let program = Server::start_after(
        TIMEOUTS,
        &["--part", "shutdown", "--shutdown-after-ms", "60000"],
        "press Ctrl-C",
    );
    program.signal("TERM");
    let r = program.finish();
    assert!(r.success(), "{}", r.stdout);
    let [accepted, finished, lost] = accepted_finished_lost(r.line("accepted "));
    assert!(
        accepted >= 2 && accepted == finished && lost == 0,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("SIGTERM: stopped accepting"),
        "{}",
        r.stdout
    );
    // Jobs of 5 s, 100 ms to drain them: every job accepted is abandoned, and said so.
    let r = run(
        TIMEOUTS,
        &[
            "--part",
            "shutdown",
            "--shutdown-after-ms",
            "100",
            "--job-ms",
            "5000",
            "--drain-ms",
            "100",
        ],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let [accepted, finished, lost] = accepted_finished_lost(r.line("accepted "));
    assert!(
        accepted >= 2 && finished == 0 && lost == accepted,
        "{}",
        r.stdout
    );
    assert!(
        r.line("accepted ").contains("gave up after"),
        "{}",
        r.stdout
    );
    let error = format!("error: {lost} of {accepted} jobs abandoned after --drain-ms 100");
    assert!(r.stderr.contains(&error), "{}", r.stderr);
}

#[test]
fn a_panicking_task_does_not_stop_the_others() {
    let r = run(
        TASK_ERRORS,
        &["--tasks", "12", "--missing-every", "5", "--panic-at", "3"],
    );
    assert!(r.success(), "{}", r.stderr);
    // Tasks 5 and 10 ask for a missing page, task 3 panics, the other nine answer.
    assert!(
        r.line("12 tasks: 9 ok, 2 errors, 1 panicked;")
            .ends_with("cleanup ran 12 times"),
        "{}",
        r.stdout
    );
    assert_eq!(r.row("3")[1], "panicked");
    assert!(r.row("3")[2].contains("a bug while parsing the order"));
    assert_eq!(r.row("5")[2], "order 5 not found (404)");
    assert!(
        r.stderr.contains("panicked at"),
        "the default hook reports the panic"
    );
    let r = run(TASK_ERRORS, &["--tasks", "4", "--panic-at", "0"]);
    assert!(r.line("4 tasks: 3 ok, 1 error, 0 panicked").len() > 10);
    assert_refused(TASK_ERRORS, &["--tasks", "0"]);
    assert_refused(TASK_ERRORS, &["--tasks", "1"]); // no other task to carry on
    assert_refused(TASK_ERRORS, &["--panic-at", "4"]); // order 4 is missing: a 404 first
    // Every order missing: no task succeeds, so there are no others to carry on.
    assert_refused(TASK_ERRORS, &["--missing-every", "1", "--panic-at", "0"]);
}

#[test]
fn cpu_work_inline_stalls_the_heartbeat_and_offloading_does_not() {
    let w = Witness::new();
    let r = w.run(CPU_IN_ASYNC, &["--limit", "400000"], None);
    let inline = r.row("inline in the task");
    let blocking = r.row("spawn_blocking");
    let rayon = r.row("rayon + oneshot");
    // The same answer every way: primes below 400,000.
    for row in [&inline, &blocking, &rayon] {
        assert_eq!(row[1], "33860", "{row:?}");
    }
    // Inline, the job holds the runtime's only thread: not one heartbeat while it runs.
    assert_eq!(inline[4], "0", "{inline:?}");
    // Offloaded, the heartbeat beat while the job ran: the job waited at a witness barrier
    // until a beat reached it, which only a free runtime thread could do.
    assert_eq!(w.count("beat-during-SpawnBlocking"), 2);
    assert_eq!(w.count("beat-during-Rayon"), 2);
    for row in [&blocking, &rayon] {
        assert!(row[4].parse::<u32>().unwrap() >= 1, "{row:?}");
    }
    assert_refused(CPU_IN_ASYNC, &["--limit", "1"]);
    assert_refused(CPU_IN_ASYNC, &["--limit", "999"]); // ends in microseconds anywhere
    assert_refused(TASK_ERRORS, &["--tasks", "5", "--panic-at", "6"]);
    assert_refused(CPU_IN_ASYNC, &["--mode", "threads"]);
    // A refusal names --mode only where one way alone fits under the cap.
    for (limit, fewer_modes) in [("60000000", true), ("100000000", false)] {
        let r = run(CPU_IN_ASYNC, &["--limit", limit]);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(
            r.stderr.contains("fewer --mode"),
            fewer_modes,
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_waiting_task_costs_a_few_hundred_bytes() {
    let r = run(TASK_MEMORY, &["--tasks", "50000"]);
    assert!(r.success(), "{}", r.stderr);
    let row = r.row("50000");
    // A waiting thread costs tens of KiB resident (thread_memory); a task, well under 4 KiB.
    let per_task: f64 = row[4].trim_end_matches(" KiB").parse().unwrap();
    assert!(per_task > 0.0 && per_task < 4.0, "{row:?}");
    assert!(
        r.line("50000 tasks waited at once")
            .ends_with("50000 of 50000 woke and finished")
    );
    // Bigger state, bigger tasks: the future holds the locals that live across the await.
    let big = run(TASK_MEMORY, &["--tasks", "20000", "--state-bytes", "16384"]);
    let big_per_task: f64 = big.row("20000")[4]
        .trim_end_matches(" KiB")
        .parse()
        .unwrap();
    assert!(big_per_task > 16.0, "{}", big.stdout);
    assert_refused(TASK_MEMORY, &["--tasks", "0"]);
    assert_refused(TASK_MEMORY, &["--tasks", "999"]); // too few to share 4 KiB pages
    // 5,000,000 tasks of 64 KiB: 320 GiB, far past the memory cap.
    assert_refused(
        TASK_MEMORY,
        &["--tasks", "5000000", "--state-bytes", "65536"],
    );
    // The refusal names --state-bytes only where the tasks with no state at all would fit.
    for (args, state_helps) in [
        (["--tasks", "100000", "--state-bytes", "65536"], true),
        (["--tasks", "5000000", "--state-bytes", "0"], false),
    ] {
        let r = run(TASK_MEMORY, &args);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert_eq!(
            r.stderr.contains("--state-bytes"),
            state_helps,
            "{}",
            r.stderr
        );
    }
}

#[test]
fn every_channel_kind_delivers_what_it_promises() {
    let r = run(ASYNC_CHANNELS, &[]);
    assert!(r.success(), "{}", r.stdout);
    let mpsc =
        r.line("mpsc (capacity 8): 200 messages, sum 20100 (expected 20100), in order: true");
    let waited = common::number_after(mpsc, "waited for room ");
    assert!(waited > 0, "backpressure: {mpsc}");
    assert!(r.stdout.contains("oneshot: asked for 12 squared, got 144"));
    // The slow subscriber reads only after all 200 were sent: the channel (capacity 8) holds
    // the newest 8, and it is told of the 192 before them.
    assert!(
        r.stdout
            .contains("broadcast: subscriber slow received 8, was told it skipped 192")
    );
    // The sender waits for the fast ones after each burst: they keep up, however busy the
    // machine.
    for fast in ["fast-1", "fast-2"] {
        assert!(
            r.stdout.contains(&format!(
                "broadcast: subscriber {fast} received 200, was told it skipped 0"
            )),
            "{}",
            r.stdout
        );
    }
    // The reader runs only between the writer's 20 bursts of ten (one task, join!): at most
    // one wake a burst, and the last value always.
    let watch = r.line("watch: 200 updates sent");
    assert!(watch.ends_with("ended on 200"), "{watch}");
    assert!(common::number_after(watch, "woke ") <= 20, "{watch}");
    // broadcast rounds its capacity up to a power of two: 10 holds 16.
    let r = run(ASYNC_CHANNELS, &["--capacity", "10"]);
    assert!(
        r.stdout
            .contains("subscriber slow received 16, was told it skipped 184")
    );
    assert!(
        r.stdout
            .contains("flume: a blocking thread sent 200 messages to an async task, sum 20100")
    );
    // A channel that holds every message: nothing would wait or be missed, so refused; so is
    // one whose broadcast buffer (100 rounded up to 128) leaves fewer than 2 to miss.
    assert_refused(ASYNC_CHANNELS, &["--capacity", "1000"]);
    assert_refused(ASYNC_CHANNELS, &["--messages", "129", "--capacity", "100"]);
    let r = run(ASYNC_CHANNELS, &["--messages", "130", "--capacity", "100"]);
    assert!(
        r.stdout
            .contains("subscriber slow received 128, was told it skipped 2")
    );
    assert_refused(ASYNC_CHANNELS, &["--capacity", "0"]);
    assert_refused(ASYNC_CHANNELS, &["--messages", "9"]);
    // Past 65536, broadcast's buffer (131072) exceeds the most --messages accepted (75,000).
    assert_refused(ASYNC_CHANNELS, &["--capacity", "65537"]);
}
