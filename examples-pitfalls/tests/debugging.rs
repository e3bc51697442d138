//! `debugging`: the traced log shows both threads reading before either writes, task events
//! carry their span, and the widened stress loop catches the race while the fix never fails.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, assert_refused_ending, run};

const DEBUGGING: &str = env!("CARGO_BIN_EXE_debugging");

/// The log lines of one thread in part 1, in order, without the timestamps.
fn events<'a>(stdout: &'a str, thread: &str, span: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(&format!(" {thread} {span}: ")))
        .map(|(_, event)| event)
        .collect()
}

#[test]
fn the_log_shows_the_lost_update_and_the_fix() {
    let r = run(DEBUGGING, &["--part", "trace"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (racy, fixed) = r.stdout.split_once("== 1b.").unwrap();
    for teller in ["teller-a", "teller-b"] {
        // Each named thread read 0 and wrote 10: the other's deposit was overwritten.
        let ev = events(racy, teller, "deposit{amount=10}");
        assert_eq!(ev, ["read balance=0", "wrote balance=10"], "{racy}");
    }
    // Both reads come before either write, and the log says so in its order.
    let order: Vec<_> = racy
        .lines()
        .filter_map(|l| l.split_once("}: ").map(|(_, e)| e))
        .collect();
    assert_eq!(&order[..2], ["read balance=0", "read balance=0"], "{racy}");
    assert!(
        r.line("balance 10, expected 20")
            .contains("both tellers read 0")
    );
    let added: Vec<_> = ["teller-a", "teller-b"]
        .iter()
        .flat_map(|t| events(fixed, t, "deposit{amount=10}"))
        .collect();
    assert_eq!(added.len(), 2, "{fixed}");
    assert!(added.contains(&"added before=10 after=20"), "{fixed}");
    assert!(r.stdout.contains("balance 20, expected 20"));
}

#[test]
fn task_events_carry_their_span_on_named_workers() {
    let r = run(DEBUGGING, &["--part", "tasks"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for id in 1..=3 {
        let span = format!("order{{id={id}}}: ");
        let lines: Vec<_> = r.stdout.lines().filter(|l| l.contains(&span)).collect();
        assert_eq!(lines.len(), 3, "task {id}: {}", r.stdout);
        // Every event names the worker thread that ran it.
        assert!(
            lines
                .iter()
                .all(|l| l.contains(" worker-0 ") || l.contains(" worker-1 ")),
            "{lines:?}"
        );
    }
    assert!(
        r.line("3 of 3 tasks finished")
            .contains("every line names its task")
    );
}

#[test]
fn the_widened_stress_loop_catches_the_race_and_the_fix_never_fails() {
    let r = run(DEBUGGING, &["--part", "stress", "--trials", "50"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // A yield between read and write, two threads, 1,000 increments: a lost update in most
    // trials; asking for one in fifty leaves a wide margin.
    let widened = r.row("load + store, yield in the window");
    let fails: u32 = widened[1].split(" of ").next().unwrap().parse().unwrap();
    assert!(fails >= 1, "{widened:?}");
    assert_eq!(r.row("fetch_add, yield before it")[1], "0 of 50");
    // Where loom's models run: the suite's crate folder (a copy of this program has none).
    assert!(r.stdout.contains(
        "in its examples-pitfalls folder: RUSTFLAGS=\"--cfg pitfalls_loom\" cargo test --bins"
    ));
}

#[test]
fn bad_input_and_console_without_the_feature_are_refused() {
    assert_refused(DEBUGGING, &["--trials", "0"]);
    assert_refused(DEBUGGING, &["--increments", "0"]);
    // Too few for the plain stress row to fail: each thread is done before the other starts.
    assert_refused(DEBUGGING, &["--increments", "99"]);
    assert_refused(DEBUGGING, &["--part", "nope"]);
    // A plain build has no tokio-console: one clear line naming the command that has it.
    assert_refused(DEBUGGING, &["--console"]);
    // Past the cap, --increments is named only where its least would bring the run under it.
    let args = ["--trials", "100000", "--increments", "1000000"];
    assert_refused_ending(DEBUGGING, &args, ": lower --trials");
    let args = ["--trials", "20000", "--increments", "1000000"];
    assert_refused_ending(DEBUGGING, &args, ": lower --trials or --increments");
}

#[test]
fn one_trial_is_one_trial() {
    let r = run(
        DEBUGGING,
        &["--part", "stress", "--trials", "1", "--increments", "100"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("== 3. stress loop: 1 trial of 2 threads x 100 increments\n")
    );
}
