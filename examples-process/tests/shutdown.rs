//! `graceful_shutdown`: a signal drains the pool: in-flight jobs finish, the rest are not
//! started, none is lost or done twice, the program exits 0 and leaves no worker behind.

#[path = "../../testing/common.rs"]
mod common;
use common::{Run, Server, assert_refused, run, survivors};

const GRACEFUL_SHUTDOWN: &str = env!("CARGO_BIN_EXE_graceful_shutdown");

/// The ledger line's figures: (done, in flight at the signal, not started, lost, twice).
fn ledger(r: &Run) -> [usize; 5] {
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains(" done (") && l.contains("not started"))
        .unwrap_or_else(|| panic!("no ledger in:\n{}", r.stdout));
    let numbers: Vec<usize> = line
        .replace([',', '(', ')', ';'], " ")
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    // "40 jobs: 16 done (1 of them ...), 24 not started (from job 17 on ...); lost 0, done twice 0"
    let n = numbers.len();
    [
        numbers[1],
        numbers[2],
        numbers[3],
        numbers[n - 2],
        numbers[n - 1],
    ]
}

// One test runs every case in turn, so that the check for stray processes sees only its own.
#[test]
fn a_signal_drains_the_pool_and_nothing_is_lost() {
    // On its own: it interrupts itself after 15 jobs of 40.
    let r = run(GRACEFUL_SHUTDOWN, &[]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let [done, _, not_started, lost, twice] = ledger(&r);
    assert!((15..40).contains(&done), "{}", r.stdout);
    assert_eq!(
        (done + not_started, lost, twice),
        (40, 0, 0),
        "{}",
        r.stdout
    );
    // The program's own SIGINT, named, with the count of jobs in flight that the ledger gives;
    // a drain is claimed only when a job was in flight (the other worker usually holds one).
    let [_, in_flight, ..] = ledger(&r);
    let claim = match in_flight {
        0 => "nothing to drain",
        _ => "drained cleanly",
    };
    assert!(r.stdout.contains(claim), "{}", r.stdout);
    let said = format!("SIGINT: no new jobs, finishing {in_flight} in flight");
    assert!(r.stdout.contains(&said), "{said}\n{}", r.stdout);
    // Interrupted after one job: named so, never "1 jobs".
    let r = run(
        GRACEFUL_SHUTDOWN,
        &["--interrupt-after", "1", "--jobs", "4"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("(sending ourselves SIGINT after 1 job)"),
        "{}",
        r.stdout
    );

    // From outside, SIGINT and SIGTERM alike, sent after the first answer of a long batch.
    for signal in ["INT", "TERM"] {
        let args = [
            "--interrupt-after",
            "0",
            "--jobs",
            "1500",
            "--span",
            "100000",
        ];
        let pool = Server::start_after(GRACEFUL_SHUTDOWN, &args, "job ");
        pool.signal(signal);
        // A second signal changes nothing: the drain goes on and the ledger still comes.
        pool.signal(signal);
        let r = pool.finish();
        assert_eq!(r.code, Some(0), "SIG{signal}: {}", r.stdout);
        let [done, in_flight, not_started, lost, twice] = ledger(&r);
        let said = format!("SIG{signal}: no new jobs, finishing {in_flight} in flight");
        assert!(r.stdout.contains(&said), "{said}\n{}", r.stdout);
        assert!(not_started > 0 && done >= 1, "SIG{signal}: {}", r.stdout);
        assert_eq!(
            (done + not_started, lost, twice),
            (1500, 0, 0),
            "{}",
            r.stdout
        );
    }
    assert_refused(GRACEFUL_SHUTDOWN, &["--interrupt-after", "41"]);
    assert_refused(GRACEFUL_SHUTDOWN, &["--interrupt-after", "40"]); // none left to stop
    assert_refused(GRACEFUL_SHUTDOWN, &["--workers", "0"]);
    // One worker and its own SIGINT: it comes between jobs, so nothing is ever in flight.
    assert_refused(GRACEFUL_SHUTDOWN, &["--workers", "1"]);
    // Every job of 1,600 x 100,000 numbers, on a real signal that may never come: past the cap.
    assert_refused(
        GRACEFUL_SHUTDOWN,
        &[
            "--interrupt-after",
            "0",
            "--jobs",
            "1600",
            "--span",
            "100000",
        ],
    );
    // No signal at all (--interrupt-after 0 and nobody presses Ctrl-C): every job runs, and
    // the report names no signal and no drain; one job is "1 job", not "1 jobs".
    let r = run(
        GRACEFUL_SHUTDOWN,
        &["--interrupt-after", "0", "--jobs", "1"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1 job on 1 worker process;"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 job: 1 done, 0 not started;"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("no signal came"), "{}", r.stdout);
    assert!(!r.stdout.contains("at the signal"), "{}", r.stdout);
    assert_eq!(
        survivors(GRACEFUL_SHUTDOWN),
        Vec::<u32>::new(),
        "workers left running"
    );
}
