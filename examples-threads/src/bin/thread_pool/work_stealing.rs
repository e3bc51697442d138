//! Work stealing with crossbeam's deques: each worker keeps its own queue and steals from the
//! others when it runs dry, which is how rayon and tokio balance uneven work.

use std::iter;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use crossbeam::deque::{Steal, Stealer, Worker};

use crate::{chunks, steps_in};

/// Work stealing with crossbeam: every task starts in worker 0's deque, as if that thread had
/// split the work itself; the others start empty and steal. Each worker pops its own deque
/// first (no contention), and steals only when it runs dry. Returns the total and the steals.
pub fn work_stealing(limit: u64, chunk: u64, workers: u32) -> Result<(u64, u64), String> {
    let locals: Vec<Worker<std::ops::Range<u64>>> =
        (0..workers).map(|_| Worker::new_fifo()).collect();
    chunks(limit, chunk).for_each(|r| locals[0].push(r));
    let stealers: Vec<Stealer<_>> = locals.iter().map(Worker::stealer).collect();
    let steals = AtomicU64::new(0);
    let busy = limit.div_ceil(chunk).min(u64::from(workers)) as usize; // test witness
    let total = thread::scope(|s| {
        let mut handles = Vec::new();
        for local in locals {
            let (stealers, steals) = (&stealers, &steals);
            handles.push(s.spawn(move || {
                let mut sum = 0;
                let mut first = true; // test witness
                loop {
                    let task = local.pop().or_else(|| {
                        // Steal up to half of a peer's tasks (crossbeam caps a batch at 32)
                        // into our deque and take one. `Retry`
                        // means we raced with another thief: try again.
                        iter::repeat_with(|| {
                            stealers
                                .iter()
                                .map(|peer| peer.steal_batch_and_pop(&local))
                                .collect::<Steal<_>>()
                        })
                        .find(|s| !s.is_retry())
                        .and_then(Steal::success)
                        .inspect(|_| {
                            steals.fetch_add(1, Ordering::Relaxed);
                        })
                    });
                    // test witness {: every worker holds a task at once
                    if task.is_some() && std::mem::take(&mut first) {
                        shared::witness::arrive(&format!("stealing-{busy}"), busy);
                    }
                    // test witness }
                    match task {
                        Some(range) => sum += steps_in(range),
                        None => return sum, // every deque is empty: all tasks are taken
                    }
                }
            }));
        }
        // Every worker joined before the sum stops at an error: one left unjoined that
        // panicked too would make the scope panic instead.
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        joined
            .into_iter()
            .map(|j| j.map_err(|_| "a stealing worker panicked".to_string()))
            .sum::<Result<u64, String>>()
    })?;
    Ok((total, steals.into_inner()))
}
