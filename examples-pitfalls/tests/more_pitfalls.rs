//! `async_race`, `poisoning` and `dining_philosophers`: the lost update on one thread, the
//! poisoned lock and its repair, and the philosophers' cycle detected every run and fixed.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run};

const ASYNC_RACE: &str = env!("CARGO_BIN_EXE_async_race");
const POISONING: &str = env!("CARGO_BIN_EXE_poisoning");
const DINING_PHILOSOPHERS: &str = env!("CARGO_BIN_EXE_dining_philosophers");

#[test]
fn one_thread_still_loses_updates_across_an_await() {
    let r = run(ASYNC_RACE, &["--tasks", "20", "--await-ms", "5"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // On the paused clock every task reads before the first call returns: the counter ends at
    // 1, every run; and the times are exact: one call, or one call per task for the Mutex.
    assert_eq!(
        r.row("read, await, write (racy)")[1..],
        ["1", "19", "5.0 ms"]
    );
    assert_eq!(
        r.row("await, then read + write")[1..],
        ["20", "0", "5.0 ms"]
    );
    assert_eq!(
        r.row("tokio Mutex across the await")[1..],
        ["20", "0", "100.0 ms"]
    );
    assert!(
        r.line("all on 1 OS thread: the racy version lost 19 of 20 updates")
            .ends_with("both fixes lost none")
    );
    // The first line names only what every row shares (the second fix awaits before it reads).
    assert!(r.stdout.starts_with(
        "20 tasks on one thread each add 1 to a shared counter; the call they await takes 5.0 ms:"
    ));
    // Where no race can show: one task, or a call that takes no time.
    assert_refused(ASYNC_RACE, &["--tasks", "1"]);
    assert_refused(ASYNC_RACE, &["--await-ms", "0"]);
    assert_refused(ASYNC_RACE, &["--tasks", "0"]);
    assert_refused(ASYNC_RACE, &["--await-ms", "5000"]);
}

#[test]
fn std_poisons_parking_lot_does_not() {
    let r = run(POISONING, &["--amount", "250"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("  poisoned: true"));
    assert!(
        r.stdout
            .contains("lock() returned PoisonError; inside: alice 750, bob 1000, total 1750")
    );
    assert!(
        r.stdout
            .contains("repaired and cleared: lock() is Ok again, total 2000")
    );
    assert!(
        r.stdout
            .contains("lock() succeeded, no error; inside: alice 750, bob 1000, total 1750")
    );
    assert!(
        r.line("a panic mid-update lost 250 under std's Mutex and 250 under parking_lot's")
            .ends_with("parking_lot said nothing")
    );
    // Both panics were real, and named their thread.
    assert_eq!(
        r.stderr.matches("thread 'transfer'").count(),
        2,
        "{}",
        r.stderr
    );
    assert_refused(POISONING, &["--amount", "0"]);
}

#[test]
fn the_philosophers_deadlock_every_run_and_are_detected() {
    for attempt in 1..=3 {
        let r = run(DINING_PHILOSOPHERS, &[]);
        assert!(r.success(), "attempt {attempt}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("parking_lot found 5 threads waiting in a circle"),
            "{}",
            r.stdout
        );
        for me in 0..5 {
            let next = (me + 1) % 5;
            // Each held its left fork before reaching right, and said so...
            let said = format!("  philosopher {me} holds fork {me}, reaches for fork {next}");
            assert!(r.stdout.contains(&said), "{said}\n{}", r.stdout);
            // ...and the detector's report names the circle.
            let line = format!(
                "philosopher {me} holds fork {me} and waits for fork {next}, held by philosopher {next}"
            );
            assert!(r.stdout.contains(&line), "{line}\n{}", r.stdout);
        }
    }
}

#[test]
fn both_fixes_feed_every_philosopher() {
    for fix in ["ordering", "waiter"] {
        let r = run(
            DINING_PHILOSOPHERS,
            &["--fix", fix, "--meals", "30", "--eat-us", "200"],
        );
        assert!(r.success(), "{fix}: {}{}", r.stdout, r.stderr);
        for me in 0..5 {
            assert_eq!(r.row(&me.to_string())[1], "30", "{fix}: philosopher {me}");
        }
        assert!(
            r.line("no deadlock: all 5 philosophers ate 30 meals each")
                .contains("longest waits")
        );
    }
    // The philosophers count the meals they ate; the table is not an echo of --meals.
    let r = run(DINING_PHILOSOPHERS, &["--fix", "ordering", "--meals", "7"]);
    assert_eq!(r.row("4")[1], "7", "{}", r.stdout);
    // One meal is "1 meal"; the waiter's line reads its own permits.
    let r = run(DINING_PHILOSOPHERS, &["--fix", "waiter", "--meals", "1"]);
    assert!(
        r.stdout
            .starts_with("Fix: a waiter lets at most 4 sit at once.\n")
    );
    assert!(
        r.stdout.contains("all 5 philosophers ate 1 meal each in "),
        "{}",
        r.stdout
    );
    assert_refused(DINING_PHILOSOPHERS, &["--fix", "candles"]);
    assert_refused(DINING_PHILOSOPHERS, &["--meals", "0"]);
}
