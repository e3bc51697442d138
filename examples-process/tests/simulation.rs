//! `simulation`: a shared mapped grid and message passing of boundary rows both end in the
//! sequential state, bit for bit, for any number of workers, all of them stepping at once;
//! the verdicts agree with the times printed; the bytes per step are counted, not rounded away.

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused, assert_verdict, ratio, run, survivors};

const SIMULATION: &str = env!("CARGO_BIN_EXE_simulation");

#[test]
fn both_process_versions_end_in_the_sequential_state() {
    // A 10-row plate has 8 inner rows: 20 workers asked, 8 started (one row each).
    for (size, steps, workers, started) in [
        ("64", "50", "2", 2),
        ("33", "7", "5", 5),
        ("10", "3", "20", 8),
        ("8", "2", "2", 2),
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
        assert_eq!(
            r.stdout.contains("asked, but there are only"),
            workers != started.to_string()
        );
        // Each verdict is the one its speedup column gives.
        for approach in ["shared memory", "message passing"] {
            let line = r.line(&format!("{approach}: "));
            assert_verdict(line, ratio(r.row(approach)[4]), started as u32);
        }
        // What crossed per step: 8 bytes of "done"/"go" per worker, four rows of 8-byte cells.
        let n: usize = size.parse().unwrap();
        let rows = started * 4 * n * 8;
        let rows = if rows < 1024 {
            format!("message passing {rows} bytes")
        } else {
            format!("message passing {:.2} KiB", rows as f64 / 1024.0)
        };
        let last = r.line(&format!("{steps} steps on {started} workers"));
        assert!(
            last.contains(&format!("shared memory {} bytes", 8 * started)),
            "{last}"
        );
        assert!(last.contains(&rows), "{last}");
    }
    // One step is "1 step", never "1 steps".
    let r = run(
        SIMULATION,
        &["--size", "8", "--steps", "1", "--workers", "2"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1 step on 2 worker processes"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 step on 2 workers:"), "{}", r.stdout);
    // Heat flows from the hot edge: row 1 is warmer than row 2, and row 2 than row 4.
    let r = run(
        SIMULATION,
        &["--size", "64", "--steps", "100", "--workers", "3"],
    );
    let line = r.line("down the middle");
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
    assert_refused(SIMULATION, &["--workers", "1"]); // one strip: nothing crosses, no speedup
    assert_refused(SIMULATION, &["--size", "8192"]); // four grids of 512 MiB: past the memory cap
    assert_eq!(
        survivors(SIMULATION),
        Vec::<u32>::new(),
        "workers left running"
    );
}
