//! `simulation`: a shared mapped grid and message passing of boundary rows both end in the
//! sequential state, bit for bit, for any number of workers, all of them stepping at once.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, run, survivors};

const SIMULATION: &str = env!("CARGO_BIN_EXE_simulation");

#[test]
fn both_process_versions_end_in_the_sequential_state() {
    // A 10-row plate has 8 inner rows: 20 workers asked, 8 started (one row each).
    for (size, steps, workers, started) in [
        ("64", "50", "2", 2),
        ("33", "7", "5", 5),
        ("10", "3", "20", 8),
    ] {
        let w = Witness::new();
        let args = ["--size", size, "--steps", steps, "--workers", workers];
        let r = w.run(SIMULATION, &args, None);
        for approach in ["sequential", "shared memory", "message passing"] {
            assert_eq!(r.row(approach).last(), Some(&"identical"), "{}", r.stdout);
        }
        assert!(r.stdout.contains("bit for bit"));
        // Every worker process of both versions was alive and at its strip at one moment.
        assert_eq!(w.count(&format!("shm-{started}")), started, "{args:?}");
        assert_eq!(w.count(&format!("msg-{started}")), started, "{args:?}");
        assert_eq!(r.row("shared memory")[1], started.to_string());
    }
    // Heat flows from the hot edge: row 1 is warmer than row 2, and row 2 than row 4.
    let r = run(
        SIMULATION,
        &["--size", "64", "--steps", "100", "--workers", "3"],
    );
    let line = r.line("64x64 plate");
    let temp = |row: &str| -> f64 {
        let at = line.find(&format!("row {row}: ")).unwrap() + row.len() + 6;
        line[at..]
            .split([',', ';'])
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(
        temp("1") > temp("2") && temp("2") > temp("4") && temp("4") > 0.0,
        "{line}"
    );
    assert_refused(SIMULATION, &["--size", "4"]);
    assert_refused(SIMULATION, &["--steps", "0"]);
    assert_refused(SIMULATION, &["--workers", "0"]);
    assert_eq!(
        survivors(SIMULATION),
        Vec::<u32>::new(),
        "workers left running"
    );
}
