//! The checker of `task_errors` (do not edit: `cargo exercise check` notices). Task `i`
//! finishes after `i` milliseconds of tokio's paused clock, so the order in which they finish
//! is the same on every run; which tasks fail, and how, comes from the process id.

use std::collections::HashMap;

use task_errors::{OrderError, join_every};
use tokio::task::JoinSet;
use tokio::time::{Duration, sleep};

/// What task `id` does.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Answers,
    NotFound,
    Fails,
    Panics,
}

/// 8 to 12 tasks: two panic (one of them among the first to finish), every third or fourth is
/// not found, one request fails.
fn kinds() -> Vec<Kind> {
    let seed = std::process::id() as usize;
    let n = 8 + seed % 5;
    let every = 3 + seed % 2;
    let mut kinds: Vec<Kind> = (1..=n)
        .map(|id| {
            if id % every == 0 {
                Kind::NotFound
            } else {
                Kind::Answers
            }
        })
        .collect();
    kinds[seed % 2] = Kind::Panics;
    kinds[n - 1 - seed % 3] = Kind::Panics;
    kinds[n / 2] = Kind::Fails;
    kinds
}

/// The order or error of task `id`, after `id` ms.
async fn order(id: u32, kind: Kind) -> Result<String, OrderError> {
    sleep(Duration::from_millis(u64::from(id))).await;
    match kind {
        Kind::Answers => Ok(format!("order {id}: 3 books")),
        Kind::NotFound => Err(OrderError::NotFound(id)),
        Kind::Fails => Err(OrderError::Http(format!("connection reset ({id})"))),
        Kind::Panics => panic!(
            "task {id}: a bug while parsing the order {}",
            checker::DELIBERATE
        ),
    }
}

/// What `join_every` should report for task `id`.
fn expected(id: u32, kind: Kind) -> (u32, String, String) {
    let (what, detail) = match kind {
        Kind::Answers => ("ok", format!("order {id}: 3 books")),
        Kind::NotFound => ("error", format!("order {id} not found (404)")),
        Kind::Fails => ("error", format!("connection reset ({id})")),
        Kind::Panics => (
            "panicked",
            format!(
                "task {id}: a bug while parsing the order {}",
                checker::DELIBERATE
            ),
        ),
    };
    (id, what.to_string(), detail)
}

/// Runs every task in a JoinSet and joins them with `join_every`; the outcomes by task number.
async fn run(kinds: &[Kind]) -> Vec<(u32, String, String)> {
    checker::quiet_deliberate_panics();
    let mut set = JoinSet::new();
    let mut ids = HashMap::new();
    for (i, &kind) in kinds.iter().enumerate() {
        let id = i as u32 + 1;
        let handle = set.spawn(order(id, kind));
        ids.insert(handle.id(), id);
    }
    let mut outcomes = join_every(set, ids).await;
    outcomes.sort_by_key(|(id, ..)| *id);
    outcomes
}

#[tokio::test(start_paused = true)]
async fn a_panicked_task_is_reported() {
    let kinds = kinds();
    let outcomes = run(&kinds).await;
    for (i, &kind) in kinds.iter().enumerate() {
        let id = i as u32 + 1;
        if kind == Kind::Panics {
            let want = expected(id, kind);
            let got = outcomes.iter().find(|(n, ..)| *n == id);
            assert_eq!(
                got,
                Some(&want),
                "task {id} panicked: it must be reported as {want:?}, and was reported as {got:?} (None: not at all)"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn no_outcome_is_lost() {
    let kinds = kinds();
    let outcomes = run(&kinds).await;
    let numbers: Vec<u32> = outcomes.iter().map(|(id, ..)| *id).collect();
    let all: Vec<u32> = (1..=kinds.len() as u32).collect();
    assert_eq!(
        numbers,
        all,
        "{} tasks joined: every one must be reported exactly once; the task numbers reported were {numbers:?}",
        kinds.len()
    );
}

#[tokio::test(start_paused = true)]
async fn answers_and_errors_are_reported_as_they_are() {
    // No task panics here: only answers and errors.
    let kinds: Vec<Kind> = kinds()
        .into_iter()
        .map(|k| if k == Kind::Panics { Kind::Answers } else { k })
        .collect();
    let outcomes = run(&kinds).await;
    let want: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| expected(i as u32 + 1, k))
        .collect();
    assert_eq!(
        outcomes, want,
        "no task panicked; the outcomes, by task number, were {outcomes:?}, expected {want:?}"
    );
}
