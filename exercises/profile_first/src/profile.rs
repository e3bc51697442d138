//! Given by the task (do not edit: `cargo exercise check` notices): what the program
//! `io_or_cpu` measures for one run of a workload (its `profile.rs`), from the kernel's own
//! counts: `getrusage(RUSAGE_CHILDREN)` for the CPU time and the context switches, and
//! `/proc/PID/schedstat` for the time the run was ready to run but had no core.

use std::time::Duration;

/// What the kernel counted for one run.
pub struct Profile {
    /// From start to end, by the clock on the wall.
    pub wall: Duration,
    /// User plus system CPU time: on a core, computing (its own code or the kernel's for it).
    pub cpu: Duration,
    /// Ready to run but waiting for a core (a busy machine); `None` where it could not be read.
    pub queued: Option<Duration>,
    /// Times it gave up its core to wait for something (I/O, a lock, a timer).
    pub voluntary: u64,
    /// Times the scheduler took its core away while it still wanted to run.
    pub involuntary: u64,
    /// How it ended, in words (`exit status: 0`).
    pub status: String,
    pub succeeded: bool,
}
