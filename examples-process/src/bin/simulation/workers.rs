//! Starting and stopping worker processes (this program in worker mode), for both versions.

use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::Args;

/// A worker process and its two pipes.
pub struct Worker {
    child: Child,
    pub to: BufWriter<ChildStdin>,
    pub from: BufReader<ChildStdout>,
}

/// The options a worker of `kind` gets: its rows, the plate, and (shared memory) the file.
fn start(
    args: &Args,
    kind: &str,
    rows: (usize, usize),
    path: Option<&Path>,
    of: usize, // test witness: how many workers meet at once
) -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(me);
    cmd.args(["--worker", kind, "--rows"])
        .args([rows.0.to_string(), rows.1.to_string()])
        .args(["--size", &args.size.to_string()])
        .args(["--steps", &args.steps.to_string()])
        .args(["--workers", &of.to_string()]) // test witness
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if let Some(p) = path {
        cmd.arg("--path").arg(p);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    Ok(Worker {
        child,
        to: BufWriter::new(to),
        from: BufReader::new(from),
    })
}

/// Starts one worker per strip; on any failure, stops the ones already started.
pub fn start_all(
    args: &Args,
    kind: &str,
    parts: &[(usize, usize)],
    path: Option<&Path>,
) -> Result<Vec<Worker>, String> {
    let mut workers = Vec::new();
    for &rows in parts {
        match start(
            args,
            kind,
            rows,
            path,
            parts.len(), // test witness
        ) {
            Ok(w) => workers.push(w),
            Err(e) => {
                let _ = stop(workers, true);
                return Err(e);
            }
        }
    }
    Ok(workers)
}

/// Closes the workers' stdin and reaps them (killing them first after a failure); an error
/// if one of them failed.
pub fn stop(workers: Vec<Worker>, kill: bool) -> Result<(), String> {
    let mut failure = Ok(());
    for w in workers {
        let Worker { mut child, to, .. } = w;
        drop(to);
        if kill {
            let _ = child.kill();
        }
        match child.wait() {
            Ok(s) if s.success() || kill => {}
            Ok(s) => failure = Err(format!("a worker exited with {s}")),
            Err(e) => failure = Err(e.to_string()),
        }
    }
    failure
}
