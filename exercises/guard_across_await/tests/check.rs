//! The checker of `guard_across_await` (do not edit: `cargo exercise check` notices). The
//! tests run on a one-thread runtime whose clock is paused: it moves only when every task
//! waits, so the tasks take turns the same way on every run, and times are exact, whatever the
//! machine's load. A right answer's tasks all finish within milliseconds of real time; tasks
//! that wait for each other forever (a std guard held across the await, made to compile with
//! an `unsafe impl Send`: the next task's `lock()` blocks the only thread) are told apart by
//! the runtime's count of live tasks, which then stops moving.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, TryLockError};
use std::time::Duration;

use guard_across_await::{CALL, Counters, spawn_add_one};
use tokio::time::Instant;

/// A number of tasks the learner cannot guess: from the process id.
fn tasks() -> u64 {
    5 + u64::from(std::process::id()) % 40
}

/// How long the runtime may go with no task finishing before its tasks are taken to wait for
/// each other forever: on the paused clock, a right answer's tasks all finish within
/// milliseconds of real time (and an answer that blocks its thread for each call, a wrong one,
/// still finishes a task every `CALL`).
const STALL: Duration = Duration::from_secs(5);

/// Runs `test` on a one-thread runtime with a paused clock, on a thread of its own, and fails
/// in words when its tasks stop finishing for [`STALL`]: the thread is blocked for good.
fn on_paused_clock<F>(counters: &Arc<Counters>, test: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let handle = runtime.handle().clone();
    let (done, finished) = channel();
    std::thread::spawn(move || {
        let ran = catch_unwind(AssertUnwindSafe(|| runtime.block_on(test())));
        let _ = done.send(ran);
    });
    let (mut alive, mut since) = (usize::MAX, std::time::Instant::now());
    loop {
        match finished.recv_timeout(Duration::from_millis(20)) {
            Ok(Ok(())) => return,
            Ok(Err(panic)) => resume_unwind(panic),
            Err(RecvTimeoutError::Disconnected) => panic!("the test's thread vanished"),
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = handle.metrics().num_alive_tasks();
        if now != alive {
            (alive, since) = (now, std::time::Instant::now());
        } else if since.elapsed() >= STALL {
            let std_guard_held = matches!(
                counters.std_counter.try_lock(),
                Err(TryLockError::WouldBlock)
            );
            if std_guard_held {
                panic!(
                    "your tasks waited for each other forever: a std guard held across an await (even one made to pass as `Send`) keeps the std `Mutex` locked while its task is parked, the next task's `lock()` then blocks the runtime's thread, and the parked task can never run again to unlock it: hold no std guard across the await (hint 1 says why the compiler refused it)"
                );
            }
            panic!(
                "your tasks waited for each other forever: {alive} of them were still unfinished after {STALL:?} of real time, and on the paused clock a right answer takes milliseconds: does a task wait for a lock that another task holds across its await?"
            );
        }
    }
}

#[test]
fn every_task_counts() {
    let tasks = tasks();
    let counters = Arc::new(Counters::default());
    let shared = Arc::clone(&counters);
    on_paused_clock(&counters, move || async move {
        let handles: Vec<_> = (0..tasks)
            .map(|_| spawn_add_one(Arc::clone(&shared)))
            .collect();
        for h in handles {
            if let Err(e) = h.await {
                panic!("a task failed: {e}");
            }
        }
        let total = shared.total().await;
        if total == 2 * tasks {
            panic!(
                "{tasks} tasks each added one, and the count is {total}, twice too many: each task added one to both counters, and the count is their sum; add one to one counter only"
            );
        }
        assert!(
            total <= tasks,
            "{tasks} tasks each added one, and the count is {total}, {} too many: a task must add one, to one counter only (the count is the sum of both)",
            total - tasks
        );
        assert!(
            total == tasks,
            "{tasks} tasks each added one, and the count is {total}: {} updates were lost across the await: a task that reads the count before its call and writes it back after overwrites what the others added meanwhile; add in one step, after the call",
            tasks - total
        );
    });
}

#[test]
fn a_task_still_makes_its_call() {
    let counters = Arc::new(Counters::default());
    let shared = Arc::clone(&counters);
    on_paused_clock(&counters, move || async move {
        let began = Instant::now();
        if let Err(e) = spawn_add_one(Arc::clone(&shared)).await {
            panic!("the task failed: {e}");
        }
        let took = began.elapsed();
        assert!(
            !took.is_zero(),
            "one task took no time on the runtime's clock (0ns), not {CALL:?}: it never awaited the call. Blocking the thread (`std::thread::sleep`) does not move the runtime's clock (and stops every other task meanwhile), nor does a call spawned and not awaited: await tokio's `sleep(CALL)` in the task, once"
        );
        assert!(
            took == CALL,
            "one task took {took:?} on the runtime's clock, not {CALL:?}: it must await the call, `sleep(CALL)`, once, and nothing else that takes time"
        );
        let total = shared.total().await;
        assert!(
            total != 2,
            "one task added one, and the count is 2: it added one to both counters, and the count is their sum; add one to one counter only"
        );
        assert!(total == 1, "one task added one, and the count is {total}");
    });
}
