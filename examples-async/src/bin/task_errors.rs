//! Task errors: what happens when async tasks fail, and why the others carry on.
//!
//! Ten tasks fetch "orders" from a loopback server. Some return an error as a value (the
//! server answered 404), one panics (a bug). A `JoinSet` collects every outcome as it
//! arrives: `Ok(Ok(..))` a result, `Ok(Err(..))` an error the task returned, `Err(JoinError)`
//! a task that panicked. A panic in a tokio task is caught at the task's edge: it unwinds that
//! task only, runs its destructors (the cleanup guard below), and is reported to whoever joins
//! it; the runtime and the other tasks go on. Returned errors are the normal path; a panic is
//! a bug that still must not take the server down.
//!
//! Run:
//!   cargo run -p examples-async --bin task_errors
//!   cargo run -p examples-async --bin task_errors -- --tasks 50 --panic-at 7
//!
//! You will see: the panic message on stderr (Rust's default hook prints it), then a table of
//! every task's outcome in the order they finished, and a summary: 10 tasks, 7 ok, 2 errors,
//! 1 panicked, cleanup ran 10 times.
//!
//! Python: `asyncio.gather(*tasks, return_exceptions=True)`, which returns each task's
//! exception as a value (without it, the first exception is raised in the caller while the
//! other tasks run on; an `asyncio.TaskGroup` cancels them); `try/finally` for the cleanup.
//!
//! Try this: set `panic = "abort"` in the profile you build with (`[profile.dev]` in the
//! workspace's Cargo.toml for the commands above) and the first panic kills the whole process;
//! `.unwrap()` the `JoinError` in `join_every` instead of matching it, and one bug ends
//! everything.
//!
//! Copy it out: `cargo xtask copy-out task_errors DIR` writes it as a crate of its own (with
//! `src/support/`: cli, fixture, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use clap::Parser;
use shared::fixture::Fixture;
use shared::{Table, fmt_count};
use tokio::task::JoinSet;

#[derive(Parser, Debug)]
#[command(about = "Errors returned from tasks, a panicking task, JoinSet, cleanup in Drop")]
struct Args {
    /// How many tasks (2 or more: the lesson is that the others carry on).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    tasks: u32,
    /// Every task whose number is a multiple of this asks for a page that does not exist.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    missing_every: u32,
    /// The number of the task that panics (0: none).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    panic_at: u32,
    /// How long the slowest order takes at the server, in ms (task i waits (i % 5) / 4 of it).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: u64,
}

/// Runs when the task ends, however it ends: returned, errored or panicking.
struct Cleanup(Arc<AtomicU32>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(Debug)]
enum OrderError {
    NotFound(u32),
    Http(String),
}

async fn fetch_order(
    id: u32,
    args: Arc<Args>,
    base: String,
    client: reqwest::Client,
    cleaned: Arc<AtomicU32>,
) -> Result<String, OrderError> {
    let _cleanup = Cleanup(cleaned);
    let path = if id.is_multiple_of(args.missing_every) {
        format!("/orders/{id}") // the fixture has no such route: 404
    } else {
        format!("/delay/{}", args.delay_ms * u64::from(id % 5) / 4)
    };
    let response = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .map_err(|e| OrderError::Http(e.to_string()))?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Err(OrderError::NotFound(id));
    }
    let body = response
        .text()
        .await
        .map_err(|e| OrderError::Http(e.to_string()))?;
    if id == args.panic_at {
        // A bug: an index out of bounds, say. It unwinds this task only.
        panic!("task {id}: a bug while parsing the order");
    }
    Ok(body.trim().to_string())
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Arc::new(Args::parse());
    if args.panic_at > args.tasks {
        return shared::cli::usage_error(format!(
            "--panic-at {} is past --tasks {}: no task would panic (0 means none on purpose)",
            args.panic_at, args.tasks
        ));
    }
    if args.panic_at > 0 && args.panic_at.is_multiple_of(args.missing_every) {
        return shared::cli::usage_error(format!(
            "--panic-at {} is a missing order (a multiple of --missing-every {}): it would end \
             with a 404 before its bug, and no task would panic",
            args.panic_at, args.missing_every
        ));
    }
    let ok = (1..=args.tasks)
        .filter(|&id| planned(id, &args) == "ok")
        .count();
    if ok == 0 {
        return shared::cli::usage_error(format!(
            "with --tasks {} and --missing-every {}, every task fails on purpose: no other \
             task would carry on; raise --missing-every",
            args.tasks, args.missing_every
        ));
    }
    // Every task holds a connection, and so does the server's end (checked before any note).
    if let Err(e) = open_files(2 * u64::from(args.tasks) + 64) {
        return shared::cli::usage_error(e);
    }
    // About 0.2 ms to spawn a task and open its connection (0.16 ms measured on two cores)
    // besides the slowest answer: 62 s at most, and the note above ten times the default.
    let estimate = |a: &Args| u128::from(a.delay_ms) + u128::from(a.tasks) / 5;
    let default = estimate(&Args::parse_from(["task_errors"]));
    if let Err(code) = shared::cli::cap_work(
        "ms of waiting and connecting (estimated)",
        estimate(&args),
        default,
        62_000,
        "--delay-ms or --tasks",
    ) {
        return code;
    }
    let fixture = match Fixture::start() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot start the loopback server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    // Said before any task runs: a closed stdout then ends the program here, before the
    // deliberate panic below could print its message.
    println!(
        "{} tasks fetch an order each from a loopback server, in a JoinSet (answers take up to {} ms):",
        args.tasks, args.delay_ms
    );
    let cleaned = Arc::new(AtomicU32::new(0));
    let outcomes = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut set = JoinSet::new();
        let mut ids = HashMap::new();
        for id in 1..=args.tasks {
            let task = fetch_order(
                id,
                Arc::clone(&args),
                fixture.url(),
                client.clone(),
                Arc::clone(&cleaned),
            );
            let handle = set.spawn(task);
            ids.insert(handle.id(), id);
        }
        join_every(set, ids).await
    });
    // Let the runtime drop its tasks before reading the cleanup count.
    drop(runtime);

    let mut table = Table::new(["task", "outcome", "detail"]);
    for (id, outcome, detail) in &outcomes {
        table.row([id.to_string(), outcome.clone(), detail.clone()]);
    }
    print!("{table}");
    let count = |what: &str| outcomes.iter().filter(|(_, o, _)| o == what).count();
    // The lesson holds when every task ended as planned: the missing orders with a 404, the
    // buggy one with a panic, every other with its order. Anything else failed for real.
    let unplanned: Vec<String> = outcomes
        .iter()
        .filter(|(id, outcome, _)| *outcome != planned(*id, &args))
        .map(|(id, outcome, detail)| format!("task {id} {outcome}: {detail}"))
        .collect();
    let unharmed = if unplanned.is_empty() {
        ", the others were unharmed"
    } else {
        ""
    };
    let errors = fmt_count(count("error"), "error", "errors");
    let cleanups = fmt_count(cleaned.load(Ordering::SeqCst), "time", "times");
    println!(
        "{}: {} ok, {errors}, {} panicked; every task was joined{unharmed}; cleanup ran {cleanups}",
        fmt_count(outcomes.len(), "task", "tasks"),
        count("ok"),
        count("panicked"),
    );
    if !unplanned.is_empty() || outcomes.len() != args.tasks as usize {
        let (n, all) = (unplanned.len(), args.tasks);
        eprintln!(
            "error: {n} of {all} tasks did not end as planned: {}",
            unplanned.join("; ")
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// How task `id` is meant to end: a missing order is a 404 (before any bug can strike), the
/// buggy task panics, every other fetches its order.
fn planned(id: u32, args: &Args) -> &'static str {
    if id.is_multiple_of(args.missing_every) {
        "error"
    } else if id == args.panic_at {
        "panicked"
    } else {
        "ok"
    }
}

/// Every task's outcome, in the order the tasks finish: its number, "ok", "error" or
/// "panicked", and the detail. A panicked task has no return value, so its number is looked up
/// by task id.
async fn join_every(
    mut set: JoinSet<Result<String, OrderError>>,
    ids: HashMap<tokio::task::Id, u32>,
) -> Vec<(u32, String, String)> {
    // exercise task_errors {
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        let outcome = match joined {
            Ok((tid, Ok(body))) => (ids[&tid], "ok".to_string(), body),
            Ok((tid, Err(OrderError::NotFound(id)))) => (
                ids[&tid],
                "error".into(),
                format!("order {id} not found (404)"),
            ),
            Ok((tid, Err(OrderError::Http(e)))) => (ids[&tid], "error".into(), e),
            Err(e) if e.is_panic() => {
                let id = ids[&e.id()];
                let payload = e.into_panic();
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                (id, "panicked".into(), message)
            }
            Err(e) => (ids[&e.id()], "cancelled".into(), e.to_string()),
        };
        outcomes.push(outcome);
    }
    outcomes
    // exercise task_errors }
}

/// Raises the soft open-file limit to the hard one; refuses a run that needs more.
fn open_files(needed: u64) -> Result<(), String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| e.to_string())?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| e.to_string())?;
    }
    if needed > hard {
        return Err(format!(
            "{needed} open files needed, the limit is {hard}: use fewer --tasks"
        ));
    }
    Ok(())
}
