//! `io_or_cpu`: waiting is classified I/O-bound and computing CPU-bound, for the built-in
//! workloads and for any command, also on a busy machine: time queued for a core counts as
//! wanting the CPU, so the verdicts do not depend on a free core.

#[path = "../../testing/common.rs"]
mod common;
use common::{Run, assert_refused, run};

const IO_OR_CPU: &str = env!("CARGO_BIN_EXE_io_or_cpu");

/// A workload's row: (share of the time running or queued, voluntary switches, verdict),
/// after checking that the verdict is the one the printed share calls for.
fn verdict(r: &Run, workload: &str) -> (f64, u64, String) {
    let row = r.row(workload);
    let (share, voluntary, verdict): (f64, u64, &str) =
        (row[4].parse().unwrap(), row[5].parse().unwrap(), row[7]);
    let expected = if share < 0.3 {
        "I/O-bound"
    } else if share > 0.7 {
        "CPU-bound"
    } else {
        "mixed"
    };
    assert_eq!(verdict, expected, "{row:?}");
    // The advice line says the same.
    let advice = r
        .stdout
        .lines()
        .find(|l| l.starts_with(workload) && l.contains(": "))
        .unwrap();
    assert!(advice.contains(&format!(": {verdict}, ")), "{advice}");
    (share, voluntary, verdict.to_string())
}

#[test]
fn waiting_is_io_bound_and_computing_is_cpu_bound() {
    let r = run(
        IO_OR_CPU,
        &["--requests", "6", "--delay-ms", "100", "--limit", "400000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (_, io_switches, io) = verdict(&r, "6 HTTP requests of 100 ms");
    let (_, cpu_switches, cpu) = verdict(&r, "primes below 400000");
    assert_eq!(
        (io.as_str(), cpu.as_str()),
        ("I/O-bound", "CPU-bound"),
        "{}",
        r.stdout
    );
    // Counted, not timed: each request blocks the child at least once while the server
    // waits; counting primes never blocks.
    assert!(io_switches >= 6, "{}", r.stdout);
    assert!(cpu_switches < io_switches, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("overlap the waits with async tasks or threads")
    );
    assert!(r.stdout.contains("split it across cores"));

    let r = run(IO_OR_CPU, &["--", "sleep", "1"]);
    assert!(r.success(), "{}", r.stderr);
    let (_, switches, sleep) = verdict(&r, "sleep 1");
    assert_eq!(
        (sleep.as_str(), switches >= 1),
        ("I/O-bound", true),
        "{}",
        r.stdout
    );

    let busy = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done";
    let r = run(IO_OR_CPU, &["--", "sh", "-c", busy]);
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(verdict(&r, "sh -c").2, "CPU-bound", "{}", r.stdout);

    // A command that fails is work that failed: exit 1, and no verdict on it.
    let r = run(IO_OR_CPU, &["--", "false"]);
    common::assert_work_failed(&r, "error: the workload failed: \"false\" ended with");
    assert!(!r.stdout.contains("-bound"), "{}", r.stdout);

    // One request is named "1 HTTP request", never "1 HTTP requests".
    let r = run(
        IO_OR_CPU,
        &["--requests", "1", "--delay-ms", "1", "--limit", "1000"],
    );
    assert!(r.success(), "{}", r.stderr);
    assert!(r.stdout.contains("1 HTTP request of 1 ms"), "{}", r.stdout);
    assert!(!r.stdout.contains("1 HTTP requests"), "{}", r.stdout);

    assert_refused(IO_OR_CPU, &["--", "no-such-command-here"]);
    assert_refused(IO_OR_CPU, &["--requests", "0"]);
}
