//! `io_or_cpu`: waiting is classified I/O-bound and computing CPU-bound, for the built-in
//! workloads and for any command.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run};

const IO_OR_CPU: &str = env!("CARGO_BIN_EXE_io_or_cpu");

fn verdict(r: &common::Run, workload: &str) -> (f64, String) {
    let row = r.row(workload);
    (row[3].parse().unwrap(), row[6].to_string())
}

#[test]
fn waiting_is_io_bound_and_computing_is_cpu_bound() {
    let r = run(
        IO_OR_CPU,
        &["--requests", "4", "--delay-ms", "100", "--limit", "400000"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (io_busy, io) = verdict(&r, "4 HTTP requests of 100 ms");
    let (cpu_busy, cpu) = verdict(&r, "primes below 400000");
    assert_eq!(
        (io.as_str(), cpu.as_str()),
        ("I/O-bound", "CPU-bound"),
        "{}",
        r.stdout
    );
    assert!(io_busy < 0.3 && cpu_busy > 0.7, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("overlap the waits with async tasks or threads")
    );
    assert!(r.stdout.contains("split it across cores"));

    let r = run(IO_OR_CPU, &["--", "sleep", "1"]);
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(verdict(&r, "sleep 1").1, "I/O-bound", "{}", r.stdout);

    let busy = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done";
    let r = run(IO_OR_CPU, &["--", "sh", "-c", busy]);
    assert!(r.success(), "{}", r.stderr);
    assert_eq!(verdict(&r, "sh -c").1, "CPU-bound", "{}", r.stdout);

    assert_refused(IO_OR_CPU, &["--", "no-such-command-here"]);
    assert_refused(IO_OR_CPU, &["--requests", "0"]);
}
