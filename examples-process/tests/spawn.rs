//! `spawn_processes`: exit codes, signals, captured pipes, arguments and environment, and
//! children that run at the same time.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, timing_lock};

const SPAWN_PROCESSES: &str = env!("CARGO_BIN_EXE_spawn_processes");

#[test]
fn children_report_how_they_ended_and_run_side_by_side() {
    let _t = timing_lock();
    let r = run(SPAWN_PROCESSES, &["--children", "4", "--sleep-ms", "300"]);
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
    // Four sleepers of 300 ms: about 1.2 s in turn, about 0.3 s at once.
    let seq = ms(r.row("one after another")[2]);
    let par = ms(r.row("all at once")[2]);
    assert!(seq >= 1150.0, "{}", r.stdout);
    assert!(par * 2.0 < seq, "{}", r.stdout);
}

#[test]
fn bad_input_is_refused() {
    assert_refused(SPAWN_PROCESSES, &["--children", "0"]);
    assert_refused(SPAWN_PROCESSES, &["--sleep-ms", "x"]);
    assert_refused(SPAWN_PROCESSES, &["stray"]);
}
