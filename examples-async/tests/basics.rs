//! `chef`, `timeouts`, `task_errors`: what the async basics promise, checked.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, timing_lock};

const CHEF: &str = env!("CARGO_BIN_EXE_chef");
const TIMEOUTS: &str = env!("CARGO_BIN_EXE_timeouts");

#[test]
fn one_chef_overlaps_the_waits_and_several_overlap_the_work() {
    let _t = timing_lock();
    let r = run(CHEF, &["--scale", "0.5"]);
    assert!(r.success(), "{}", r.stderr);
    let sequential = r.row("sequential, one dish at a time");
    let one = r.row("one chef, three dishes at once");
    let three = r.row("3 chefs");
    // One thread for the one chef, interleaving; more than one for the parallel kitchen.
    assert_eq!((sequential[2], one[2]), ("1", "1"));
    assert!(three[2].parse::<u32>().unwrap() > 1, "{three:?}");
    // The waits overlap: one chef well under the sequential time (about half here).
    assert!(
        ms(one[1]) < 0.75 * ms(sequential[1]),
        "{one:?} vs {sequential:?}"
    );
    // More chefs are never slower than one by more than noise.
    assert!(ms(three[1]) < 1.15 * ms(one[1]), "{three:?} vs {one:?}");
    // The one-chef timeline: every dish on thread A, and the legend names a single thread.
    let one_chef = r.stdout.split("== one chef").nth(1).unwrap();
    let legend = one_chef
        .lines()
        .find(|l| l.starts_with("threads:"))
        .unwrap();
    assert!(!legend.contains("B ="), "{legend}");
    assert_refused(CHEF, &["--scale", "0"]);
    assert_refused(CHEF, &["--chefs", "0"]);
}

#[test]
fn timeouts_cancel_and_shutdown_loses_nothing() {
    let r = run(TIMEOUTS, &["--shutdown-after-ms", "400"]);
    assert!(r.success(), "{}", r.stderr);
    // A 1 s request given 200 ms: abandoned long before its answer.
    let timed_out = r.line("timed out after ");
    let after = timed_out["timed out after ".len()..]
        .split(':')
        .next()
        .unwrap();
    assert!((200.0..900.0).contains(&ms(after)), "{timed_out}");
    assert!(
        r.line("select! returned the 100 ms mirror")
            .contains("the other request was dropped")
    );
    assert!(r.stdout.contains("cleanup ran for the upload task (Drop)"));
    assert!(
        r.line(
            "task result: cancelled; cleanup ran 1 time(s); the code after the await ran 0 time(s)"
        )
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
    let n: Vec<u64> = report
        .split([' ', ',', ';'])
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(n[0] > 0 && n[0] == n[1] && n[2] == 0, "{report}");
}

#[test]
fn ctrl_c_drains_every_job_in_flight() {
    use std::io::{BufRead, BufReader, Read};
    let mut child = std::process::Command::new(TIMEOUTS)
        .args([
            "--part",
            "shutdown",
            "--shutdown-after-ms",
            "60000",
            "--job-ms",
            "400",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("press Ctrl-C") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "no prompt");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(kill.unwrap().success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    assert!(
        rest.contains("SIGINT: stopped accepting; waiting for"),
        "{rest}"
    );
    let report = rest.lines().find(|l| l.starts_with("accepted ")).unwrap();
    let n: Vec<u64> = report
        .split([' ', ',', ';'])
        .filter_map(|w| w.parse().ok())
        .collect();
    // Jobs take 400 ms and the signal came at about 300 ms: some were in flight, none lost.
    assert!(n[0] > 0 && n[0] == n[1] && n[2] == 0, "{report}");
    assert_refused(TIMEOUTS, &["--part", "nope"]);
    assert_refused(TIMEOUTS, &["--job-ms", "0"]);
}
