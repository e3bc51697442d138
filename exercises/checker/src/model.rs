//! Loom models that fail in a learner's words. Loom finds a deadlock in every interleaving it
//! explores, but reports it as `deadlock; threads = [(Id(0), Blocked(..)), ..]`; [`explore`]
//! says what that means for the exercise instead.
//!
//! Share data between a model's threads with `std::sync::Arc`, not loom's: after a deadlock,
//! loom's `Arc` panics again while the model unwinds, and that aborts the whole checker.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// Runs `model` through every interleaving loom can make of its threads (bounded by
/// `preemptions` switches away from a thread that could go on, or unbounded with `None`). A
/// deadlock in any of them fails with the message `deadlocked`; any other failure is passed on.
#[track_caller]
pub fn explore(
    deadlocked: &str,
    preemptions: Option<usize>,
    model: impl Fn() + Sync + Send + 'static,
) {
    quiet_deadlock_reports();
    let mut builder = loom::model::Builder::new();
    if preemptions.is_some() {
        builder.preemption_bound = preemptions;
    }
    if let Err(failure) = panic::catch_unwind(AssertUnwindSafe(|| builder.check(model))) {
        if is_deadlock(failure.as_ref()) {
            panic!("{deadlocked}");
        }
        panic::resume_unwind(failure);
    }
}

fn is_deadlock(failure: &(dyn Any + Send)) -> bool {
    let text = failure
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| failure.downcast_ref::<&str>().copied());
    text.is_some_and(|t| t.starts_with("deadlock; threads"))
}

/// Loom's own deadlock panic would be printed first, and the runner shows a failing test's
/// first panic: keep that one quiet, so that `explore`'s message is the one shown.
fn quiet_deadlock_reports() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !is_deadlock(info.payload()) {
                default(info);
            }
        }));
    });
}
