//! # Crash isolation
//!
//! Guide: "Multiprocessing: each process has its own memory space". Program:
//! examples-process/src/bin/isolation/supervisor.rs
//! (`cargo run -p examples-process --bin isolation`).
//!
//! A supervisor (src/supervisor.rs) runs jobs in child processes. When one crashes, only that
//! child dies; the supervisor gets its `ExitStatus` and stderr, and calls `describe` to report
//! it. As written, `describe` assumes every child exits with a code, so the first child killed
//! by a signal crashes the supervisor too, and every other job's answer is lost with it. Make
//! `describe` say how any child ended: `exit code N`; `exit code 101 (panic: "MESSAGE")` when
//! stderr holds a Rust panic; `killed by signal N`, with `(abort)` for 6 and `(SIGKILL)` for 9.
//!
//! Check it: `cargo exercise check crash_isolation`. The checker runs jobs that answer, exit
//! with a code, panic, and kill themselves with a signal (which ones changes on every run).

// solution {
use std::os::unix::process::ExitStatusExt;
// solution }
use std::process::ExitStatus;

pub mod supervisor;

/// How a child process ended, in words, with its panic message if it left one on `stderr`.
pub fn describe(status: ExitStatus, stderr: &str) -> String {
    // region: examples-process/src/bin/isolation/supervisor.rs crash_isolation
    // starter {
    // | let _ = stderr; // its last words, unread so far
    // | format!("exit code {}", status.code().unwrap())
    // starter }
}
