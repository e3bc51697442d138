//! `spawn_processes`: exit codes, signals, captured pipes, arguments and environment, and
//! children that run at the same time.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, ms, run_env};

const SPAWN_PROCESSES: &str = env!("CARGO_BIN_EXE_spawn_processes");

#[test]
fn children_report_how_they_ended_and_run_side_by_side() {
    let w = Witness::new();
    let args = ["--children", "4", "--sleep-ms", "300"];
    let r = run_env(SPAWN_PROCESSES, &args, &w.env(None));
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // Arguments arrive intact (one with a space) and the environment is the parent's to set.
    let echo = r.line("echo (args + env)");
    assert!(echo.contains("exit code 0"), "{echo}");
    assert!(
        echo.contains(r#"args=["one", "two words"] GREETING=hello from the parent"#),
        "{echo}"
    );
    assert!(r.line("echo (env removed)").contains("GREETING=(unset)"));
    // A chosen code, a panic's 101, and a signal with no code at all.
    let fail = r.line("fail");
    assert!(
        fail.contains("exit code 3") && fail.contains("stderr: error: the input file is missing")
    );
    let panic = r.line("panic");
    assert!(
        panic.contains("exit code 101") && panic.contains("panicked"),
        "{panic}"
    );
    assert!(r.line("abort").contains("killed by signal 6"));
    assert!(r.line("sh -c").contains("exit code 7") && r.line("sh -c").contains("says hi"));
    assert!(r.line("shout (stdin piped)").contains("QUIET WORDS IN"));
    // All four sleepers of "all at once" were alive at the same moment: each reached a
    // barrier that only the last of the four could open.
    assert_eq!(w.failures(), Vec::<String>::new());
    assert_eq!(w.count("sleepers-4"), 4);
    // The summary's ratio is the table's (the times themselves are not asserted).
    let seq = ms(r.row("one after another")[2]);
    let par = ms(r.row("all at once")[2]);
    let summary = r.line("4 children sleeping 300 ms");
    let printed: f64 = summary
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once('x'))
        .and_then(|(x, _)| x.parse().ok())
        .unwrap_or_else(|| panic!("no ratio in {summary}"));
    // The cells are rounded to four digits, the ratio to one decimal.
    assert!(
        (printed - seq / par).abs() < 0.06,
        "{summary}\n{}",
        r.stdout
    );
}

#[test]
fn bad_input_is_refused() {
    assert_refused(SPAWN_PROCESSES, &["--children", "0"]);
    assert_refused(SPAWN_PROCESSES, &["--children", "1"]); // nothing to run side by side
    assert_refused(SPAWN_PROCESSES, &["--children", "201"]);
    assert_refused(SPAWN_PROCESSES, &["--sleep-ms", "x"]);
    assert_refused(SPAWN_PROCESSES, &["stray"]);
}
