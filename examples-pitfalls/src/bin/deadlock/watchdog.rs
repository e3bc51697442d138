//! The watchdog: the plumbing that turns a hang into a report. It polls parking_lot's deadlock
//! detector (which names the threads in a cycle) and reads a board on which the clerks wrote
//! which account they hold and which they ask for (which the detector cannot name).

use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use shared::fmt_duration;

/// How long the demo may take to deadlock before the watchdog calls it a failure.
pub const GIVE_UP_AFTER: Duration = Duration::from_millis(1500);

/// What each clerk holds and asks for.
struct Status {
    clerk: &'static str,
    thread: ThreadId,
    holds: &'static str,
    waits_for: &'static str,
}

static BOARD: Mutex<Vec<Status>> = Mutex::new(Vec::new());

fn board() -> std::sync::MutexGuard<'static, Vec<Status>> {
    BOARD.lock().unwrap_or_else(|e| e.into_inner())
}

/// A clerk says, on stdout and on the board, what it holds and what it asks for next.
pub fn announce(clerk: &'static str, holds: &'static str, waits_for: &'static str) {
    println!("  {clerk}: holds account {holds}, asks for account {waits_for}");
    board().push(Status {
        clerk,
        thread: thread::current().id(),
        holds,
        waits_for,
    });
}

/// What the watchdog saw.
pub enum Outcome {
    /// A cycle of threads waiting for each other, described.
    Deadlock(String),
    /// Every clerk finished.
    Finished,
    /// Neither, within `give_up` (the demo only).
    GaveUp(Duration),
}

/// Polls the detector every 50 ms until it finds a cycle, or `finished()` says the clerks are
/// done, or `give_up` has passed since `start`.
pub fn watch(start: Instant, finished: impl Fn() -> bool, give_up: Option<Duration>) -> Outcome {
    loop {
        if finished() {
            return Outcome::Finished;
        }
        if let Some(limit) = give_up.filter(|limit| start.elapsed() > *limit) {
            return Outcome::GaveUp(limit);
        }
        thread::sleep(Duration::from_millis(50));
        // Each inner Vec is one set of threads that wait for each other.
        if let Some(cycle) = parking_lot::deadlock::check_deadlock().first() {
            let threads: Vec<ThreadId> = cycle.iter().map(|t| t.thread_id()).collect();
            return Outcome::Deadlock(describe(start, &threads));
        }
    }
}

fn describe(start: Instant, cycle: &[ThreadId]) -> String {
    let board = board();
    let mut report = format!(
        "deadlock detected after {}: parking_lot found {} threads waiting for each other",
        fmt_duration(start.elapsed()),
        cycle.len()
    );
    for stuck in cycle {
        let Some(me) = board.iter().find(|s| s.thread == *stuck) else {
            // Only the demo writes on the board.
            report.push_str(&format!(
                "\n  {stuck:?}: in the cycle (it did not say what it holds)"
            ));
            continue;
        };
        let holder = board
            .iter()
            .find(|s| s.holds == me.waits_for)
            .map_or("nobody", |s| s.clerk);
        report.push_str(&format!(
            "\n  thread {:?} holds account {} and waits for account {}, held by {holder}",
            me.clerk, me.holds, me.waits_for
        ));
    }
    report
}
