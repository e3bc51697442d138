//! `isolation`: a child's change stays in the child; crashed, aborted and hung workers are
//! replaced and their jobs retried, each job answered exactly once; nothing is left running.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, run, survivors};

const ISOLATION: &str = env!("CARGO_BIN_EXE_isolation");

// One test runs every case in turn, so that the check for stray processes sees only its own.
#[test]
fn crashes_are_contained_and_every_job_is_done_once() {
    // The deadline (the default, 2 s) guards against the hung job only: an honest job, worker
    // start included, takes milliseconds, so a busy machine does not make it look hung.
    let r = run(ISOLATION, &[]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    // Separate memory: one address, read in three places. The child (a fork) wrote 150 there
    // and the parent still reads 100 at it; the thread's 150 is the parent's.
    let view = |prefix: &str| -> (String, String) {
        let line = r.line(prefix);
        let at = line.split(" at ").nth(1).unwrap();
        let address = at.split_whitespace().next().unwrap().to_string();
        let value = at.split(" is ").nth(1).unwrap();
        let value = value
            .trim_start_matches("now ")
            .trim_start_matches("still ");
        (address, value.split([':', ' ']).next().unwrap().to_string())
    };
    let (address, before) = view("parent (pid");
    assert_eq!(before, "100", "{}", r.stdout);
    assert!(address.starts_with("0x"), "{}", r.stdout);
    assert_eq!(
        view("child  (pid"),
        (address.clone(), "150".into()),
        "{}",
        r.stdout
    );
    let parent_after_child = r.stdout.lines().find(|l| l.contains("is still")).unwrap();
    assert!(
        parent_after_child.contains(&format!("at {address} is still 100")),
        "{}",
        r.stdout
    );
    assert_eq!(
        view("thread of the parent"),
        (address.clone(), "150".into())
    );
    assert!(
        r.stdout
            .contains(&format!("at {address} is 150: the thread wrote")),
        "{}",
        r.stdout
    );
    // The child is another process: its pid differs from the parent's.
    let pid = |prefix: &str| common::number_after(r.line(prefix), "pid ");
    assert_ne!(pid("child  (pid"), pid("parent (pid"));
    // The three faults, each noticed for what it was, each worker replaced.
    let incidents: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(") died on job"))
        .collect();
    assert_eq!(incidents.len(), 3, "{}", r.stdout);
    assert!(
        incidents
            .iter()
            .any(|l| l.contains("job 2: exit code 101 (panic: \"injected panic on job 2\")"))
    );
    assert!(
        incidents
            .iter()
            .any(|l| l.contains("job 5: killed by signal 6 (abort)"))
    );
    assert!(
        incidents
            .iter()
            .any(|l| l.contains("job 8: no answer") && l.contains("SIGKILL"))
    );
    assert!(incidents.iter().all(|l| l.contains("restarted as pid")));
    // Every job answered once, equal to the sequential count; the faulty ones took two tries.
    for id in 1..=10 {
        let row = r.row(&format!("{id} "));
        let answer = row[2].trim_matches(['[', ']']);
        assert_eq!(answer, row[3], "job {id}: {row:?}");
        let attempts = if [2, 5, 8].contains(&id) { "2" } else { "1" };
        assert_eq!(row[1], attempts, "job {id}: {row:?}");
    }
    assert!(r.stdout.contains("every job answered exactly once"));
    // The panic was told by the supervisor, in its words, not left on stderr as a crash.
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    // A supervisor that gives up still stops and reaps every worker: honest jobs of 2,000,000
    // numbers each take longer than 10 ms, so each attempt is killed at its deadline.
    let slow = [
        "--max-attempts",
        "2",
        "--timeout-ms",
        "10",
        "--span",
        "2000000",
        "--jobs",
        "4",
        "--panic-job",
        "0",
        "--abort-job",
        "0",
        "--hang-job",
        "0",
    ];
    let r = run(ISOLATION, &slow);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("failed 2 times"), "{}", r.stderr);

    // No faults: one attempt each, more workers.
    let r = run(
        ISOLATION,
        &[
            "--jobs",
            "6",
            "--workers",
            "3",
            "--panic-job",
            "0",
            "--abort-job",
            "0",
            "--hang-job",
            "0",
        ],
    );
    assert!(r.success(), "{}", r.stderr);
    assert!(r.stdout.contains("6 jobs, 0 workers lost"), "{}", r.stdout);
    assert!(r.stdout.contains("no faults injected"), "{}", r.stdout);
    // One job, one worker: counted in the singular.
    let none = ["--panic-job", "0", "--abort-job", "0", "--hang-job", "0"];
    let r = run(ISOLATION, &[&["--jobs", "1"][..], &none].concat());
    assert!(r.success(), "{}", r.stderr);
    let said = "supervisor: 1 job on 1 worker process, no faults injected";
    assert!(r.stdout.contains(said), "{}", r.stdout);
    assert!(r.stdout.contains("1 job, 0 workers lost"), "{}", r.stdout);

    assert_refused(ISOLATION, &["--jobs", "3"]); // the default faulty jobs 5 and 8 do not exist
    assert_refused(ISOLATION, &["--workers", "0"]);
    assert_refused(ISOLATION, &["--timeout-ms", "1"]);
    assert_refused(ISOLATION, &["--panic-job", "11"]);
    // Faults injected and no retry allowed: the faulty job fails for certain, nothing restarts.
    assert_refused(ISOLATION, &["--max-attempts", "1"]);
    // Two faults on one job: its first attempt fails one way only, the other would never show.
    assert_refused(ISOLATION, &["--panic-job", "3", "--abort-job", "3"]);
    assert_eq!(
        survivors(ISOLATION),
        Vec::<u32>::new(),
        "workers left running"
    );
}
