//! `process_memory`: a process holds more memory than a thread, and a thread more than an
//! async task; a process's private pages are fewer than its PSS, and its PSS less than its
//! RSS. The times to spawn and to start are printed, not asserted: they are wall-clock figures.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, kib, ms, run, survivors};

const PROCESS_MEMORY: &str = env!("CARGO_BIN_EXE_process_memory");

#[test]
fn processes_hold_more_than_threads_which_hold_more_than_tasks() {
    // 200, the default: with fewer, the tasks' figure is mostly the heap's growth in steps of
    // pages (for 50, from 0.4 to 1.7 KiB a task).
    let r = run(PROCESS_MEMORY, &["--count", "200"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    let (p, t, a) = (r.row("process"), r.row("thread"), r.row("async task"));
    // Every unit: a spawn-and-join time and a start time (printed, never compared), and the
    // 200 held waiting while the memory was read.
    for row in [&p, &t, &a] {
        assert!(ms(row[1]) >= 0.0 && ms(row[3]) >= 0.0, "{row:?}");
        assert_eq!(row[2], "200", "{row:?}");
    }
    // Resident memory per unit: pages in use, which no scheduling changes. Each unit's own
    // memory (for a process, its private pages) is several times the next one's (about 20 and
    // 25 times; a task's figure moves with the heap's growth steps: 0.46 or 0.78 KiB), and a
    // process's whole RSS a few hundred times a thread's.
    assert!(kib(p[5]) > 5.0 * kib(t[4]), "{p:?} vs {t:?}");
    assert!(kib(t[4]) > 5.0 * kib(a[4]), "{t:?} vs {a:?}");
    assert!(kib(p[4]) > 100.0 * kib(t[4]), "{p:?} vs {t:?}");
    // Most of a process's pages are shared with its siblings: its private pages are fewer,
    // and its PSS (private plus a share of the shared ones) lies between the two.
    let (rss, private, pss) = (kib(p[4]), kib(p[5]), kib(p[6]));
    assert!(private < pss && pss < rss, "{p:?}");
    assert_eq!((t[5], t[6], a[5], a[6]), ("-", "-", "-", "-"));
    // --json: one object per unit.
    let r = run(PROCESS_MEMORY, &["--count", "50", "--json"]);
    assert!(r.success(), "{}", r.stderr);
    let units: Vec<String> = r
        .json_lines()
        .iter()
        .map(|j| j["unit"].as_str().unwrap().into())
        .collect();
    assert_eq!(units, ["process", "thread", "async task"]);
    let process = &r.json_lines()[0];
    assert!(process["private_kib"].as_f64().unwrap() < process["pss_kib"].as_f64().unwrap());
    for j in r.json_lines() {
        assert!(
            j["spawn_join_s"].as_f64().unwrap() > 0.0 && j["rss_kib"].as_f64().unwrap() >= 0.0,
            "{j}"
        );
    }
    assert_refused(PROCESS_MEMORY, &["--count", "0"]);
    assert_refused(PROCESS_MEMORY, &["--count", "1"]); // no sibling, and whole pages only
    assert_refused(PROCESS_MEMORY, &["--count", "49"]); // per-unit figures pages rounded
    assert_refused(PROCESS_MEMORY, &["--count", "1000000"]);
    assert_refused(PROCESS_MEMORY, &["--count", "300"]); // past the cap on processes
    assert_eq!(
        survivors(PROCESS_MEMORY),
        Vec::<u32>::new(),
        "children left running"
    );
}
