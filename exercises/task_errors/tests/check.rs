//! The checker of `task_errors` (do not edit: `cargo exercise check` notices). Each task
//! finishes after its own number of milliseconds of tokio's paused clock, so the order in which
//! they finish is the same on every run, and not the order of their numbers; which tasks fail,
//! how, and that order come from the process id.

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
    /// Panics with a `&'static str` (what `panic!("literal")` gives), not a `String`.
    PanicsWithStr,
}

/// The message of a [`Kind::PanicsWithStr`] panic.
const STR_BUG: &str = "a bug in the order parser (a deliberate panic of the checker)";

/// How long task `id` takes, in milliseconds: all different for up to 12 tasks (5 and 13 are
/// coprime), in an order that is neither the numbers' nor its reverse.
fn delay_ms(id: u32) -> u64 {
    1 + (u64::from(id) * 5 + u64::from(std::process::id())) % 13
}

/// The numbers of `n` tasks in the order they finish.
fn finish_order(n: usize) -> Vec<u32> {
    let mut ids: Vec<u32> = (1..=n as u32).collect();
    ids.sort_by_key(|&id| delay_ms(id));
    ids
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
    // Placed by when the task finishes: the n-th to finish is task `order[n]`.
    let order = finish_order(n);
    let at = |rank: usize| order[rank] as usize - 1;
    kinds[at(seed % 2)] = Kind::PanicsWithStr;
    kinds[at(n - 1 - seed % 3)] = Kind::Panics;
    kinds[at(n / 2)] = Kind::Fails;
    kinds
}

/// The order or error of task `id`, after its delay.
async fn order(id: u32, kind: Kind) -> Result<String, OrderError> {
    sleep(Duration::from_millis(delay_ms(id))).await;
    match kind {
        Kind::Answers => Ok(format!("order {id}: 3 books")),
        Kind::NotFound => Err(OrderError::NotFound(id)),
        Kind::Fails => Err(OrderError::Http(format!("connection reset ({id})"))),
        Kind::Panics => panic!("a bug while parsing order {id} {}", checker::DELIBERATE),
        Kind::PanicsWithStr => std::panic::panic_any(STR_BUG),
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
            format!("a bug while parsing order {id} {}", checker::DELIBERATE),
        ),
        Kind::PanicsWithStr => ("panicked", STR_BUG.to_string()),
    };
    (id, what.to_string(), detail)
}

/// Runs every task in a JoinSet and joins them with `join_every`; the outcomes by task number.
async fn run(kinds: &[Kind]) -> Vec<(u32, String, String)> {
    let mut outcomes = run_as_reported(kinds).await;
    outcomes.sort_by_key(|(id, ..)| *id);
    outcomes
}

/// [`run`], the outcomes in the order `join_every` reported them.
async fn run_as_reported(kinds: &[Kind]) -> Vec<(u32, String, String)> {
    checker::quiet_deliberate_panics();
    let mut set = JoinSet::new();
    let mut ids = HashMap::new();
    for (i, &kind) in kinds.iter().enumerate() {
        let id = i as u32 + 1;
        let handle = set.spawn(order(id, kind));
        ids.insert(handle.id(), id);
    }
    join_every(set, ids).await
}

#[tokio::test(start_paused = true)]
async fn a_panicked_task_is_reported() {
    let kinds = kinds();
    let outcomes = run(&kinds).await;
    for (i, &kind) in kinds.iter().enumerate() {
        let id = i as u32 + 1;
        if matches!(kind, Kind::Panics | Kind::PanicsWithStr) {
            let want = expected(id, kind);
            let got = outcomes.iter().find(|(n, ..)| *n == id);
            let reported = match got {
                Some(got) => format!("was reported as {got:?}"),
                None => "was not reported at all".to_string(),
            };
            assert_eq!(
                got,
                Some(&want),
                "task {id} panicked: it must be reported as {want:?}, and {reported}"
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
        .map(|k| match k {
            Kind::Panics | Kind::PanicsWithStr => Kind::Answers,
            k => k,
        })
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

#[tokio::test(start_paused = true)]
async fn outcomes_come_in_the_order_the_tasks_finish() {
    let kinds = kinds();
    let outcomes = run_as_reported(&kinds).await;
    let numbers: Vec<u32> = outcomes.iter().map(|(id, ..)| *id).collect();
    let finished = finish_order(kinds.len());
    assert_eq!(
        numbers, finished,
        "the tasks finished in the order {finished:?} (each after its own delay), and were reported in the order {numbers:?}: report each one as it finishes, not sorted afterwards"
    );
}
