//! `process_memory`: a waiting process costs more to start and to hold than a thread, and a
//! thread more than an async task; a process's own share (PSS) is less than its RSS.

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
    // Start time per unit: the gaps are tens of times wide, so a 3x margin is safe.
    assert!(ms(p[2]) > 3.0 * ms(t[2]), "{p:?} vs {t:?}");
    assert!(ms(t[2]) > 3.0 * ms(a[2]), "{t:?} vs {a:?}");
    // Resident memory per unit, the same way round.
    assert!(kib(p[3]) > 3.0 * kib(t[3]), "{p:?} vs {t:?}");
    assert!(kib(t[3]) > 3.0 * kib(a[3]), "{t:?} vs {a:?}");
    // Most of a process's pages are shared with its siblings: its own share is smaller.
    assert!(kib(p[4]) < kib(p[3]), "{p:?}");
    assert_refused(PROCESS_MEMORY, &["--count", "0"]);
    assert_refused(PROCESS_MEMORY, &["--count", "1000000"]);
    assert_eq!(
        survivors(PROCESS_MEMORY),
        Vec::<u32>::new(),
        "children left running"
    );
}
