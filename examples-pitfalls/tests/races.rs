//! `race_condition` and `check_then_act`: the forced interleavings lose every time, the fixes
//! never do. (Their loom models live in the programs, run under `--cfg pitfalls_loom`.)

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, assert_refused_ending, run};

const RACE_CONDITION: &str = env!("CARGO_BIN_EXE_race_condition");
const CHECK_THEN_ACT: &str = env!("CARGO_BIN_EXE_check_then_act");

fn failed_trials(cell: &str) -> u32 {
    cell.split(" of ").next().unwrap().parse().unwrap()
}

#[test]
fn load_then_store_loses_updates_and_the_fixes_do_not() {
    for _ in 0..3 {
        let r = run(
            RACE_CONDITION,
            &["--threads", "4", "--increments", "20000", "--trials", "5"],
        );
        assert!(r.success(), "{}{}", r.stdout, r.stderr);
        // The forced interleaving is certain, whatever the scheduler does.
        assert!(
            r.stdout.contains("A stores 1 -> counter 1, expected 2"),
            "{}",
            r.stdout
        );
        for fix in ["fetch_add", "Mutex across read + write"] {
            let row = r.row(fix);
            assert_eq!(row[1], "0 of 5", "{fix}: {row:?}");
            assert_eq!((row[2], row[3]), ("0", "0"), "{fix}: {row:?}");
        }
        let racy = r.row("load + store (racy)");
        // Free-running trials are up to the scheduler: counted, not required to fail.
        assert!(failed_trials(racy[1]) <= 5, "{racy:?}");
        assert!(
            r.line("load + store lost updates in")
                .contains("fetch_add and the Mutex never lost one")
        );
    }
}

#[test]
fn one_thread_is_refused_it_has_nothing_to_race_with() {
    assert_refused(RACE_CONDITION, &["--threads", "1"]);
    assert_refused(RACE_CONDITION, &["--threads", "0"]);
    assert_refused(RACE_CONDITION, &["--trials", "0"]);
    // Too few for the free trials to lose one: each thread is done before the next starts.
    assert_refused(RACE_CONDITION, &["--increments", "99"]);
    // Past the cap, the refusal names each flag that, lowered alone, brings the run under it:
    // one trial of 256 threads x 100,000,000 is still past it; --trials is already 1.
    let big = ["--threads", "256", "--increments", "100000000"];
    let args = [&big[..], &["--trials", "1"]].concat();
    assert_refused_ending(RACE_CONDITION, &args, ": lower --threads or --increments");
    let args = [&big[..], &["--trials", "10000"]].concat();
    let all = ": lower more than one of --threads, --increments or --trials";
    assert_refused_ending(RACE_CONDITION, &args, all);
    // One trial is "1 trial".
    let r = run(RACE_CONDITION, &["--trials", "1", "--increments", "100"]);
    assert!(
        r.stdout
            .contains("\n2. 1 trial of 4 threads x 100 increments"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(" in 0 of 1 trial (") || r.stdout.contains(" in 1 of 1 trial ("));
}

#[test]
fn check_then_act_overdraws_and_the_fix_pays_out_exactly() {
    for _ in 0..3 {
        let r = run(
            CHECK_THEN_ACT,
            &["--threads", "4", "--balance", "2000", "--trials", "5"],
        );
        assert!(r.success(), "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("(lock released between): 2 approved, balance -60"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout
                .contains("across check and act:          1 approved, balance 20"),
            "{}",
            r.stdout
        );
        let fix = r.row("lock across both");
        assert_eq!(fix[1], "0 of 5");
        assert_eq!(fix[2], "2000", "the fix pays out exactly the balance");
    }
    assert_refused(CHECK_THEN_ACT, &["--threads", "1"]);
    assert_refused(CHECK_THEN_ACT, &["--balance", "0"]);
    // Too small for the free trials to overdraw: the first thread can empty it alone.
    assert_refused(CHECK_THEN_ACT, &["--balance", "999"]);
    // Past the cap, the refusal names only the flags that, lowered alone, bring the run under
    // it: here --threads 2 would still be past it, --balance 1000 would not.
    let args = ["--balance", "100000000", "--trials", "3"];
    assert_refused_ending(CHECK_THEN_ACT, &args, ": lower --balance or --trials");
    // One trial is "1 trial", in the heading and in the summary.
    let r = run(CHECK_THEN_ACT, &["--balance", "1000", "--trials", "1"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("\n2. 1 trial: 4 threads withdraw"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(" of 1 free trial; "), "{}", r.stdout);
}
