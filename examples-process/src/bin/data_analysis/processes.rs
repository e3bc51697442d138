//! The worker processes: this program in worker mode, aggregating one byte range of the file
//! and printing its partial result as JSON, and how the parent starts them and merges what
//! they send.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use crate::{Partial, analyse_range, ranges};

/// Worker mode: the lines that start in `[start, end)`, aggregated, as one JSON line.
pub fn worker(path: &Path, start: u64, end: u64) -> ExitCode {
    match analyse_range(path, start, end) {
        Ok(p) => {
            shared::print_json(&p);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One worker per byte range; each one's partial result added into the total (the reduce).
pub fn on_processes(path: &Path, workers: u32) -> Result<Partial, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children = Vec::new();
    for (s, e) in ranges(path, workers)? {
        let spawned = Command::new(&me)
            .arg("--worker")
            .arg(path)
            .args(["--range", &s.to_string(), &e.to_string()])
            .args(["--workers", &workers.to_string()]) // test witness: how many meet at once
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(c) => children.push(c),
            Err(err) => {
                for mut c in children {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(format!("cannot start a worker: {err}"));
            }
        }
    }
    let mut total = Partial::default();
    let mut failure = None;
    for mut c in children {
        let mut text = String::new();
        if let Some(mut out) = c.stdout.take() {
            let _ = out.read_to_string(&mut text);
        }
        let status = c.wait().map_err(|e| e.to_string())?;
        match serde_json::from_str::<Partial>(&text) {
            Ok(p) if status.success() => total.merge(p),
            _ => failure = Some(format!("a worker exited with {status}")),
        }
    }
    failure.map_or(Ok(total), Err)
}
