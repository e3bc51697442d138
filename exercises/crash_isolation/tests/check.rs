//! The checker of `crash_isolation` (do not edit: `cargo exercise check` notices). The jobs
//! are real child processes (`sh -c`); which signal, exit code and panic message they use
//! changes on every run.

use crash_isolation::supervisor::{Outcome, supervise};

/// A number that changes from run to run.
fn pick(choices: &[u64]) -> u64 {
    choices[std::process::id() as usize % choices.len()]
}

/// Runs the jobs under the supervisor; a panic in `describe` is the supervisor crashing.
fn run(jobs: &[String]) -> Vec<Outcome> {
    // One run at a time: while it runs, a panic in `describe` is not printed (it is reported
    // below, in words), and the hook that stays quiet is the whole process's.
    let _one_at_a_time = checker::calls::serial();
    let owned = jobs.to_vec();
    let loud = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| {
        checker::watchdog("the supervisor never finished", move || {
            std::panic::catch_unwind(|| supervise(&owned))
        })
    });
    std::panic::set_hook(loud);
    let result = result.unwrap_or_else(|hung| std::panic::resume_unwind(hung));
    match result {
        Ok(Ok(outcomes)) => outcomes,
        Ok(Err(e)) => panic!("the supervisor could not run the jobs: {e}"),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "`describe` panicked ({why}), so the supervisor crashed and every job's answer was lost with it; the jobs were {jobs:?}"
            )
        }
    }
}

fn died(outcome: &Outcome, job: &str) -> String {
    match outcome {
        Err(words) => words.clone(),
        Ok(out) => panic!("`{job}` should have failed, but it was reported as answering {out:?}"),
    }
}

#[test]
fn a_child_killed_by_a_signal_is_reported_and_the_others_complete() {
    let signal = pick(&[11, 15, 10, 8]);
    let (a, b) = (100 + pick(&[1, 2, 3, 4, 5]), 200 + pick(&[7, 8, 9]));
    let crash = format!("ulimit -c 0; echo half a line; kill -s {signal} $$");
    let jobs = [format!("echo {a}"), crash.clone(), format!("echo {b}")];
    let outcomes = run(&jobs);
    let words = died(&outcomes[1], &crash);
    assert!(
        words.contains(&format!("killed by signal {signal}")),
        "the job that killed itself with signal {signal} was described as {words:?}: it should say `killed by signal {signal}`"
    );
    assert_eq!(
        (&outcomes[0], &outcomes[2]),
        (&Ok(a.to_string()), &Ok(b.to_string())),
        "the other jobs must still answer {a} and {b}: they were reported as {:?} and {:?}",
        outcomes[0],
        outcomes[2]
    );
}

#[test]
fn aborts_and_sigkills_are_named() {
    let jobs = [
        "ulimit -c 0; kill -s ABRT $$".to_string(),
        "kill -s KILL $$".to_string(),
    ];
    let outcomes = run(&jobs);
    for (outcome, (job, expected)) in outcomes.iter().zip([
        (&jobs[0], "killed by signal 6 (abort)"),
        (&jobs[1], "killed by signal 9 (SIGKILL)"),
    ]) {
        let words = died(outcome, job);
        assert_eq!(
            words, expected,
            "`{job}` was described as {words:?}, not {expected:?}"
        );
    }
}

#[test]
fn exit_codes_are_reported() {
    let code = pick(&[1, 2, 3, 42, 77, 100]);
    // Above 128 too: a shell reports a death by signal N as 128 + N, but a process can also
    // exit with that code itself, and then it was no signal.
    let high = pick(&[130, 134, 137, 143]);
    let jobs = [
        format!("echo 'something went wrong' >&2; exit {code}"),
        "echo 'no panic here' >&2; exit 101".to_string(),
        format!("exit {high}"),
    ];
    let outcomes = run(&jobs);
    let (first, second) = (died(&outcomes[0], &jobs[0]), died(&outcomes[1], &jobs[1]));
    let third = died(&outcomes[2], &jobs[2]);
    assert_eq!(
        third,
        format!("exit code {high}"),
        "a child that ran `exit {high}` exited with that code itself, no signal involved: it was described as {third:?}, not \"exit code {high}\" (only `ExitStatusExt::signal()` says a signal ended it)"
    );
    assert_eq!(
        first,
        format!("exit code {code}"),
        "a child that ran `exit {code}` was described as {first:?}, not \"exit code {code}\""
    );
    assert_eq!(
        second, "exit code 101",
        "status 101 without a panic message on stderr is just an exit code, not {second:?}"
    );
}

#[test]
fn a_panic_is_told_with_its_message() {
    let message = format!(
        "index out of bounds: the len is 3 but the index is {}",
        pick(&[4, 5, 6, 7])
    );
    let job = format!(
        "echo 'starting' >&2; printf '%s\\n' \"thread 'main' panicked at src/main.rs:3:5:\" '{message}' >&2; echo 'note: run with `RUST_BACKTRACE=1`' >&2; exit 101"
    );
    let outcomes = run(std::slice::from_ref(&job));
    let words = died(&outcomes[0], &job);
    assert!(
        words.starts_with("exit code 101") && words.contains("panic") && words.contains(&message),
        "a child that panicked with {message:?} (its stderr holds Rust's `panicked at` line and the message on the next) was described as {words:?}"
    );
}
