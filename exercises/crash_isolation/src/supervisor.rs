//! Given by the task (do not edit: `cargo exercise check` notices): a small supervisor. It
//! runs every job as a child process of its own (`sh -c JOB`), all at once, collects each
//! one's output, and waits for each. A child that crashes takes nothing down with it: its
//! memory, its signal and its exit are its own. What the supervisor learns is the child's
//! `ExitStatus` and what it wrote on stderr, and it asks `describe` to put that into words.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;

use crate::describe;

/// How one job ended: `Ok(its stdout, trimmed)` if it exited with status 0, otherwise
/// `Err(describe(status, its stderr))`.
pub type Outcome = Result<String, String>;

/// Runs each job at once in a child process and returns how each ended, in job order.
pub fn supervise(jobs: &[String]) -> Result<Vec<Outcome>, String> {
    let mut children = Vec::new();
    for job in jobs {
        let child = Command::new("sh")
            .args(["-c", job])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `sh -c {job}`: {e}"))?;
        children.push(child);
    }
    let mut outcomes = Vec::new();
    for mut child in children {
        // Read stderr on a thread of its own, so that a child filling both pipes cannot stall.
        let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
        let errors = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        let errors = errors.join().unwrap_or_default();
        outcomes.push(if status.success() {
            Ok(out.trim().to_string())
        } else {
            Err(describe(status, &errors))
        });
    }
    Ok(outcomes)
}
