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

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

pub mod supervisor;

/// How a child process ended, in words, with its panic message if it left one on `stderr`.
pub fn describe(status: ExitStatus, stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    // Rust prints "thread 'main' (ID) panicked at FILE:LINE:COL:" and the message on the next line.
    let panic = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .and_then(|i| lines.get(i + 1));
    match (status.code(), status.signal(), panic) {
        (Some(101), _, Some(message)) => format!("exit code 101 (panic: {message:?})"),
        (Some(code), _, _) => format!("exit code {code}"),
        (None, Some(6), _) => "killed by signal 6 (abort)".into(),
        (None, Some(9), _) => "killed by signal 9 (SIGKILL)".into(),
        (None, Some(sig), _) => format!("killed by signal {sig}"),
        (None, None, _) => "unknown".into(),
    }
}
