//! How each unit is started, held and measured: spawn-and-join batches, then N units left
//! waiting, with the memory read while they wait.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::{proc_status_kib, proc_status_kib_of};

use crate::PerUnit;

/// Spawn-and-join time per unit: the median over 21 batches of the batch's time divided by
/// its size (batches, because one task takes less time than reading the clock twice).
pub fn spawn_join(
    batch: u32,
    mut run: impl FnMut(u32) -> Result<Duration, String>,
) -> Result<f64, String> {
    let mut per_unit = Vec::new();
    for _ in 0..21 {
        per_unit.push(run(batch)?.as_secs_f64() / f64::from(batch));
    }
    per_unit.sort_by(f64::total_cmp);
    Ok(per_unit[per_unit.len() / 2])
}

/// A process: this program, which exits as soon as it finds its stdin closed.
pub fn spawn_join_processes(batch: u32) -> Result<Duration, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let start = Instant::now();
    for _ in 0..batch {
        let status = Command::new(&me)
            .arg("--wait")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot start a process: {e}"))?;
        if !status.success() {
            return Err(format!("a child failed: {status}"));
        }
    }
    Ok(start.elapsed())
}

pub fn spawn_join_threads(batch: u32) -> Result<Duration, String> {
    let start = Instant::now();
    for _ in 0..batch {
        std::thread::spawn(|| ())
            .join()
            .map_err(|_| "a thread panicked")?;
    }
    Ok(start.elapsed())
}

pub fn spawn_join_tasks(rt: &tokio::runtime::Runtime, batch: u32) -> Result<Duration, String> {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..batch {
            tokio::spawn(async {}).await.map_err(|e| e.to_string())?;
        }
        Ok(start.elapsed())
    })
}

/// Hold N threads, each blocked on a channel, and report per-thread start time and RSS.
pub fn hold_threads(n: u32) -> Result<PerUnit, String> {
    let before = proc_status_kib("VmRSS").ok_or("no /proc")?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let mut stops = Vec::new();
    let mut handles = Vec::new();
    let start = Instant::now();
    for _ in 0..n {
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let ready = ready_tx.clone();
        let h = std::thread::Builder::new()
            .spawn(move || {
                let _ = ready.send(());
                let _ = stop_rx.recv(); // waits here until the sender is dropped
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        stops.push(stop_tx);
        handles.push(h);
    }
    for _ in 0..n {
        ready_rx.recv().map_err(|e| e.to_string())?;
    }
    let took = start.elapsed();
    let after = proc_status_kib("VmRSS").ok_or("no /proc")?;
    drop(stops);
    for h in handles {
        h.join().map_err(|_| "a thread panicked")?;
    }
    Ok(per_unit(n, took, before, after))
}

/// Hold N tokio tasks, each waiting on a `Notify`, on one thread, and report the same.
pub fn hold_tasks(n: u32) -> Result<PerUnit, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let before = proc_status_kib("VmRSS").ok_or("no /proc")?;
        let stop = Arc::new(tokio::sync::Notify::new());
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (stop, ready) = (Arc::clone(&stop), ready_tx.clone());
                tokio::spawn(async move {
                    let stopped = stop.notified();
                    let _ = ready.send(());
                    stopped.await;
                })
            })
            .collect();
        for _ in 0..n {
            ready_rx.recv().await.ok_or("a task vanished")?;
        }
        let took = start.elapsed();
        let after = proc_status_kib("VmRSS").ok_or("no /proc")?;
        stop.notify_waiters();
        for t in tasks {
            t.await.map_err(|e| e.to_string())?;
        }
        Ok(per_unit(n, took, before, after))
    })
}

fn per_unit(n: u32, took: Duration, before: u64, after: u64) -> PerUnit {
    PerUnit {
        start_s: took.as_secs_f64() / f64::from(n),
        rss_kib: after.saturating_sub(before) as f64 / f64::from(n),
        pss_kib: None,
        private_kib: None,
    }
}

/// A figure of `/proc/PID/smaps_rollup`, in KiB: `Pss` (proportional set size: each page
/// divided by the number of processes that map it), `Private_Clean` and `Private_Dirty`
/// (pages no other process maps: what this one adds, freed when it exits).
fn smaps_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

/// Start N waiting processes, read their memory while they all wait, then let them go.
pub fn hold_processes(n: u32, hold: Duration) -> Result<PerUnit, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut children: Vec<Child> = Vec::new();
    let result = (|| {
        let start = Instant::now();
        for _ in 0..n {
            let child = Command::new(&me)
                .arg("--wait")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start a process: {e}"))?;
            children.push(child);
        }
        for c in &mut children {
            let mut line = String::new();
            let out = c.stdout.as_mut().ok_or("no pipe")?;
            BufReader::new(out)
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            if line.trim() != "ready" {
                return Err(format!("a child said {line:?}"));
            }
        }
        let took = start.elapsed();
        // Read while all N wait, so that each page they share is split between all of them.
        let (mut rss, mut pss, mut private) = (0, 0, 0);
        for c in &children {
            let field =
                |name| smaps_kib(c.id(), name).ok_or(format!("cannot read a child's {name}"));
            rss += proc_status_kib_of(c.id(), "VmRSS").ok_or("cannot read a child's RSS")?;
            pss += field("Pss")?;
            private += field("Private_Clean")? + field("Private_Dirty")?;
        }
        let per = |kib: u64| kib as f64 / f64::from(n);
        std::thread::sleep(hold); // --hold-ms: still waiting, for `ps` to see
        Ok(PerUnit {
            start_s: took.as_secs_f64() / f64::from(n),
            rss_kib: per(rss),
            pss_kib: Some(per(pss)),
            private_kib: Some(per(private)),
        })
    })();
    // Whatever happened: close every stdin (the children exit) and reap them all.
    for c in &mut children {
        drop(c.stdin.take());
    }
    for mut c in children {
        if result.is_err() {
            let _ = c.kill();
        }
        let _ = c.wait();
    }
    result
}

/// Runs `--hold UNIT` in a fresh child process, so that nothing else is in its memory.
pub fn in_fresh_process(unit: &str, n: u32) -> Result<PerUnit, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let out = Command::new(me)
        .args(["--hold", unit, "--count", &n.to_string()])
        .output()
        .map_err(|e| format!("cannot start the measuring process: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "measuring {unit} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}
