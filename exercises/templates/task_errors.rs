//! # No task's outcome lost
//!
//! Guide: "Best practices", handle errors in concurrent code. Program:
//! examples-async/src/bin/task_errors.rs (`cargo run -p examples-async --bin task_errors`).
//!
//! Tasks fetch orders; a task returns its order, or an `OrderError` (the order was not found,
//! or the request failed), or it panics (a bug). A panic in a tokio task ends that task only:
//! whoever joins it gets a `JoinError` instead of a value. `join_every` joins every task of the
//! set as it finishes and reports each one as (its number, what happened, the detail):
//! `"ok"` with the order; `"error"` with `order N not found (404)` or the request's error;
//! `"panicked"` with the panic's message. As written, the first task that panicked ends the
//! loop: it and every task that finishes after it are missing, and nobody is told. Report
//! every task, the panicked ones too. Keep the signature.
//!
//! Check it: `cargo exercise check task_errors`. The checker's tasks finish in an order set by
//! tokio's paused clock, the same on every run, with a panicking task among the first.

use std::collections::HashMap;

use tokio::task::JoinSet;

/// Why a task has no order.
#[derive(Debug)]
pub enum OrderError {
    /// The server answered 404 for this order number.
    NotFound(u32),
    /// The request failed, with this message.
    Http(String),
}

/// Every task's outcome, in the order the tasks finish: its number, "ok", "error" or
/// "panicked", and the detail. A panicked task has no return value, so its number is looked up
/// by task id.
pub async fn join_every(
    mut set: JoinSet<Result<String, OrderError>>,
    ids: HashMap<tokio::task::Id, u32>,
) -> Vec<(u32, String, String)> {
    // region: examples-async/src/bin/task_errors.rs task_errors
    // starter {
    // | let mut outcomes = Vec::new();
    // | while let Some(Ok((tid, result))) = set.join_next_with_id().await {
    // |     let outcome = match result {
    // |         Ok(body) => (ids[&tid], "ok".to_string(), body),
    // |         Err(OrderError::NotFound(id)) => (
    // |             ids[&tid],
    // |             "error".into(),
    // |             format!("order {id} not found (404)"),
    // |         ),
    // |         Err(OrderError::Http(e)) => (ids[&tid], "error".into(), e),
    // |     };
    // |     outcomes.push(outcome);
    // | }
    // | outcomes
    // starter }
}
