//! The watchdog: the plumbing that turns a hang into a report. It polls parking_lot's deadlock
//! detector (which names the threads in a cycle) and reads a board on which the philosophers
//! wrote which fork they hold and which they reach for (which the detector cannot name).

use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use shared::fmt_duration;

/// How long the demo may take to deadlock before the watchdog calls it a failure.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

/// (philosopher, its thread, the fork it holds, the fork it reaches for)
static BOARD: Mutex<Vec<(usize, ThreadId, usize, usize)>> = Mutex::new(Vec::new());

/// A philosopher says, on stdout and on the board, what it holds and reaches for.
pub fn announce(me: usize, holds: usize, wants: usize) {
    println!("  philosopher {me} holds fork {holds}, reaches for fork {wants}");
    let mut board = BOARD.lock().unwrap_or_else(|e| e.into_inner());
    board.push((me, thread::current().id(), holds, wants));
}

/// What the watchdog saw.
pub enum Outcome {
    /// A cycle of threads waiting for each other, described.
    Deadlock(String),
    /// Every philosopher finished.
    Finished,
    /// Neither, within `give_up` (the demo only).
    GaveUp(Duration),
}

/// Polls the detector every 50 ms until it finds a cycle, or `finished()` says the
/// philosophers are done, or `give_up` has passed since `start`.
pub fn watch(start: Instant, finished: impl Fn() -> bool, give_up: Option<Duration>) -> Outcome {
    loop {
        if finished() {
            return Outcome::Finished;
        }
        if let Some(limit) = give_up.filter(|limit| start.elapsed() > *limit) {
            return Outcome::GaveUp(limit);
        }
        thread::sleep(Duration::from_millis(50));
        if let Some(cycle) = parking_lot::deadlock::check_deadlock().first() {
            let threads: Vec<ThreadId> = cycle.iter().map(|t| t.thread_id()).collect();
            return Outcome::Deadlock(describe(start, &threads));
        }
    }
}

fn describe(start: Instant, cycle: &[ThreadId]) -> String {
    let board = BOARD.lock().unwrap_or_else(|e| e.into_inner());
    let mut stuck: Vec<_> = board
        .iter()
        .filter(|(_, id, _, _)| cycle.contains(id))
        .collect();
    stuck.sort_by_key(|(me, ..)| *me);
    let mut report = format!(
        "deadlock detected after {}: parking_lot found {} threads waiting in a circle",
        fmt_duration(start.elapsed()),
        cycle.len()
    );
    for (me, _, holds, wants) in stuck {
        report.push_str(&format!(
            "\n  philosopher {me} holds fork {holds} and waits for fork {wants}, held by philosopher {wants}"
        ));
    }
    // Only the demo writes on the board.
    let unnamed = cycle.len()
        - board
            .iter()
            .filter(|(_, id, ..)| cycle.contains(id))
            .count();
    if unnamed > 0 {
        report.push_str(&format!(
            "\n  ({unnamed} of them did not say which forks they hold)"
        ));
    }
    report
}
