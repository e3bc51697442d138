//! The worker processes: this program in worker mode, reading chunk numbers on its stdin and
//! writing partial results on its stdout, and how the parent starts them and collects them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

use crate::{Args, Partial, Task, compute, tasks};

pub fn on_processes(args: &Args, workers: u32) -> Result<Vec<Partial>, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children: Vec<std::process::Child> = Vec::new();
    for w in 0..workers {
        let child = Command::new(&me)
            .arg("--worker")
            .args(["--workers", &workers.to_string()]) // test witness: how many meet at once
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                for mut c in children {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(format!("cannot start a worker: {e}"));
            }
        };
        // Every task at once (a few lines: they fit in the pipe), then EOF.
        if let Some(mut stdin) = child.stdin.take() {
            for t in tasks(args, w, workers) {
                let line = serde_json::to_string(&t).unwrap_or_default();
                let _ = writeln!(stdin, "{line}"); // a dead worker shows up as missing chunks
            }
        }
        children.push(child);
    }
    let mut all = Vec::new();
    let mut failure = None;
    for mut c in children {
        if let Some(out) = c.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                match serde_json::from_str(&line) {
                    Ok(p) => all.push(p),
                    Err(_) => failure = Some(format!("a worker said {line:?}")),
                }
            }
        }
        match c.wait() {
            Ok(s) if s.success() => {}
            Ok(s) => failure = Some(format!("a worker exited with {s}")),
            Err(e) => failure = Some(e.to_string()),
        }
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(all),
    }
}

/// Worker mode: tasks in, partial results out.
pub fn worker() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Some(task) = line
            .ok()
            .and_then(|l| serde_json::from_str::<Task>(&l).ok())
        else {
            eprintln!("error: worker got a line that is not a task");
            return ExitCode::FAILURE;
        };
        let text = serde_json::to_string(&compute(&task)).unwrap_or_default();
        if writeln!(out, "{text}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
