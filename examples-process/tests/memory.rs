//! `process_memory`: a process costs more to spawn and join, to start and to hold than a
//! thread, and a thread more than an async task; a process's own share (PSS) is less than
//! its RSS.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, kib, ms, run, survivors, timing_lock};

const PROCESS_MEMORY: &str = env!("CARGO_BIN_EXE_process_memory");

#[test]
fn processes_cost_more_than_threads_which_cost_more_than_tasks() {
    let _t = timing_lock();
    let r = run(PROCESS_MEMORY, &["--count", "50"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (p, t, a) = (r.row("process"), r.row("thread"), r.row("async task"));
    // Spawn and join, then start time per waiting unit: the gaps are tens of times wide, so
    // a 3x margin is safe.
    for col in [1, 3] {
        assert!(ms(p[col]) > 3.0 * ms(t[col]), "{p:?} vs {t:?}");
        assert!(ms(t[col]) > 3.0 * ms(a[col]), "{t:?} vs {a:?}");
    }
    // Resident memory per unit, the same way round.
    assert!(kib(p[4]) > 3.0 * kib(t[4]), "{p:?} vs {t:?}");
    assert!(kib(t[4]) > 3.0 * kib(a[4]), "{t:?} vs {a:?}");
    // Most of a process's pages are shared with its siblings: its own share is smaller.
    assert!(kib(p[5]) < kib(p[4]), "{p:?}");
    // --json: one object per unit (5 tasks may not grow the heap by a page: RSS 0 is fine).
    let r = run(PROCESS_MEMORY, &["--count", "5", "--json"]);
    assert!(r.success(), "{}", r.stderr);
    let units: Vec<String> = r
        .json_lines()
        .iter()
        .map(|j| j["unit"].as_str().unwrap().into())
        .collect();
    assert_eq!(units, ["process", "thread", "async task"]);
    for j in r.json_lines() {
        assert!(
            j["spawn_join_s"].as_f64().unwrap() > 0.0 && j["rss_kib"].as_f64().unwrap() >= 0.0,
            "{j}"
        );
    }
    assert_refused(PROCESS_MEMORY, &["--count", "0"]);
    assert_refused(PROCESS_MEMORY, &["--count", "1000000"]);
    assert_eq!(
        survivors(PROCESS_MEMORY),
        Vec::<u32>::new(),
        "children left running"
    );
}
