//! The worker processes: this program in worker mode, processing the images whose paths
//! arrive on its stdin, and how the parent starts them, feeds them and follows their progress.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;

use shared::peak_rss_kib;

use crate::images::{bar, process};

/// Worker mode: one input path per line in, `done` per image out, its peak memory at EOF.
pub fn worker(out_dir: &Path) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(path) = line else {
            return ExitCode::FAILURE;
        };
        if let Err(e) = process(Path::new(&path), out_dir) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        if writeln!(stdout, "done")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    let _ = writeln!(stdout, "peak {}", peak_rss_kib());
    ExitCode::SUCCESS
}

/// `busy` worker processes, each given every busy-th image at once; returns their peak
/// memory, added up.
pub fn with_processes(inputs: &[PathBuf], out: &Path, busy: u32) -> Result<u64, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let pb = bar(inputs.len() as u64, "processes");
    let mut children = Vec::new();
    for _ in 0..busy {
        let spawned = Command::new(&me)
            .arg("--worker")
            .arg(out)
            .args(["--workers", &busy.to_string()]) // test witness: how many meet at once
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        match spawned {
            Ok(c) => children.push(c),
            Err(e) => {
                for mut c in children {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(format!("cannot start a worker: {e}"));
            }
        }
    }
    let n = children.len();
    let results: Vec<Result<u64, String>> = thread::scope(|s| {
        let handles: Vec<_> = children
            .into_iter()
            .enumerate()
            .map(|(k, mut child)| {
                let pb = &pb;
                s.spawn(move || {
                    if let Some(mut stdin) = child.stdin.take() {
                        for input in inputs.iter().skip(k).step_by(n) {
                            // A failed write means the worker died; its status says why.
                            let _ = writeln!(stdin, "{}", input.display());
                        }
                    } // stdin dropped: EOF after the last path
                    let mut peak = None;
                    if let Some(out) = child.stdout.take() {
                        for line in BufReader::new(out).lines().map_while(Result::ok) {
                            match line.strip_prefix("peak ") {
                                Some(kib) => peak = kib.parse::<u64>().ok(),
                                None => pb.inc(1),
                            }
                        }
                    }
                    match (child.wait(), peak) {
                        (Ok(status), Some(peak)) if status.success() => Ok(peak),
                        (Ok(status), _) => Err(format!("a worker exited with {status}")),
                        (Err(e), _) => Err(e.to_string()),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a feeder panicked".into())))
            .collect()
    });
    pb.finish();
    results.into_iter().sum()
}
