//! Part 2: the supervisor. One loop owns every worker process; a reader thread per worker
//! turns its stdout into events for that loop, and another keeps its stderr, so that a death
//! can be told with the worker's last words.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use shared::fmt_duration;

use crate::Args;
use crate::worker::{Answer, Fault, Job, job};

/// One worker process and the generation it belongs to (a restarted slot gets a new one, so
/// that a late message from the old process is not mistaken for the new one's).
struct Slot {
    child: Child,
    to: BufWriter<ChildStdin>,
    generation: u64,
    pid: u32,
    /// What it wrote on stderr, collected until it exits.
    stderr: Option<JoinHandle<String>>,
    /// The job it is working on and when it must be done.
    busy: Option<(Job, Instant)>,
}

/// A line from a worker's stdout, or `None` when its stdout closed (it exited or died).
type Event = (usize, u64, Option<String>);

fn start_slot(index: usize, generation: u64, events: &Sender<Event>) -> Result<Slot, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(me)
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0")
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let (Some(to), Some(from), Some(mut errors)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err("a worker without pipes".into());
    };
    let events = events.clone();
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if events.send((index, generation, Some(line))).is_err() {
                return;
            }
        }
        let _ = events.send((index, generation, None));
    });
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        let _ = errors.read_to_string(&mut text);
        text
    });
    Ok(Slot {
        pid: child.id(),
        child,
        to: BufWriter::new(to),
        generation,
        stderr: Some(stderr),
        busy: None,
    })
}

/// How a worker ended, in words, with its panic message if it left one.
fn describe(status: ExitStatus, stderr: &str) -> String {
    // exercise crash_isolation {
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
    // exercise crash_isolation }
}

/// Reaps a worker that ended (or was killed) and says how.
fn reap(slot: &mut Slot) -> Result<String, String> {
    let status = slot.child.wait().map_err(|e| e.to_string())?;
    let stderr = slot
        .stderr
        .take()
        .and_then(|h| h.join().ok())
        .unwrap_or_default();
    Ok(describe(status, &stderr))
}

/// What happened to each job: its attempts and its answers (exactly one, if all went well).
pub struct Ledger {
    pub attempts: Vec<u32>,
    pub answers: Vec<Vec<u64>>,
    /// Workers lost and replaced (each one's story is printed as it happens).
    pub restarts: usize,
}

pub fn supervise(args: &Args) -> Result<Ledger, String> {
    let fault_for = |id: u32| {
        [
            (args.panic_job, Fault::Panic),
            (args.abort_job, Fault::Abort),
            (args.hang_job, Fault::Hang),
        ]
        .into_iter()
        .find(|&(j, _)| j == id)
        .map(|(_, f)| f)
    };
    let jobs = args.jobs as usize;
    let mut queue: VecDeque<Job> = (1..=args.jobs)
        .map(|id| job(id, args.span, fault_for(id)))
        .collect();
    let mut ledger = Ledger {
        attempts: vec![0; jobs],
        answers: vec![Vec::new(); jobs],
        restarts: 0,
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let (tx, events) = mpsc::channel();
    let mut slots = Vec::new();
    for i in 0..args.workers.min(args.jobs) as usize {
        match start_slot(i, 0, &tx) {
            Ok(s) => slots.push(s),
            Err(e) => {
                stop_all(slots);
                return Err(e);
            }
        }
    }
    let mut answered = 0;
    let outcome = loop {
        if answered == jobs {
            break Ok(());
        }
        // Hand a job to every idle worker.
        for slot in slots.iter_mut().filter(|s| s.busy.is_none()) {
            let Some(job) = queue.pop_front() else { break };
            ledger.attempts[job.id as usize - 1] += 1;
            // If the write fails the worker is dead: its EOF event comes and the job is retried.
            let _ = serde_json::to_writer(&mut slot.to, &job)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(slot.to))
                .and_then(|()| slot.to.flush());
            slot.busy = Some((job, Instant::now() + timeout));
        }
        let next_deadline = slots.iter().filter_map(|s| s.busy.map(|b| b.1)).min();
        let wait = next_deadline.map_or(timeout, |d| d.saturating_duration_since(Instant::now()));
        let lost = match events.recv_timeout(wait) {
            Ok((i, generation, _)) if slots[i].generation != generation => continue, // stale
            Ok((i, _, Some(line))) => match serde_json::from_str::<Answer>(&line) {
                Ok(a) if slots[i].busy.is_some_and(|(j, _)| j.id == a.id) => {
                    ledger.answers[a.id as usize - 1].push(a.primes);
                    answered += 1;
                    slots[i].busy = None;
                    continue;
                }
                _ => break Err(format!("worker {i} answered {line:?}")),
            },
            // Its stdout closed: it died. Reap it and learn how.
            Ok((i, _, None)) => match reap(&mut slots[i]) {
                Ok(how) => vec![(i, how)],
                Err(e) => break Err(e),
            },
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                let mut killed = Vec::new();
                for (i, s) in slots.iter_mut().enumerate() {
                    if s.busy.is_some_and(|(_, d)| d <= now) {
                        let _ = s.child.kill();
                        let how = reap(s)?;
                        killed.push((i, format!("no answer in {}, {how}", fmt_duration(timeout))));
                    }
                }
                killed
            }
            Err(RecvTimeoutError::Disconnected) => break Err("every worker is gone".into()),
        };
        // Restart each lost worker and put its job back at the front of the queue.
        for (i, how) in lost {
            let old = &slots[i];
            let mut note = match old.busy {
                Some((job, _)) => {
                    format!("worker {i} (pid {}) died on job {}: {how}", old.pid, job.id)
                }
                None => format!("worker {i} (pid {}) died while idle: {how}", old.pid),
            };
            if let Some((job, _)) = old.busy {
                let n = ledger.attempts[job.id as usize - 1];
                if n >= args.max_attempts {
                    println!("  {note}; {n} attempts, giving up");
                    stop_all(slots);
                    return Err(format!("job {} failed {n} times", job.id));
                }
                queue.push_front(Job { fault: None, ..job }); // the retry runs clean
            }
            let generation = old.generation + 1;
            match start_slot(i, generation, &tx) {
                Ok(fresh) => {
                    note += &format!("; restarted as pid {}", fresh.pid);
                    slots[i] = fresh; // the old Child was reaped above
                }
                Err(e) => {
                    stop_all(slots);
                    return Err(e);
                }
            }
            println!("  {note}");
            ledger.restarts += 1;
        }
    };
    stop_all(slots);
    outcome.map(|()| ledger)
}

/// Closes every worker's stdin so it exits, and waits for it; kills one still on a job.
fn stop_all(slots: Vec<Slot>) {
    for s in slots {
        let Slot {
            mut child,
            to,
            busy,
            ..
        } = s;
        drop(to);
        if busy.is_some() {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}
