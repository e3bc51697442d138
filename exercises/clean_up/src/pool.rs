//! Given by the task (do not edit: `cargo exercise check` notices): the pool around `feed`, as
//! in the program `graceful_shutdown` (its `worker.rs` and `Ledger`). `start_worker` starts a
//! worker process (`src/bin/shutdown_worker.rs`) in a process group of its own, so that a
//! Ctrl-C typed in a terminal reaches the parent only; `ask` sends it one job and waits for
//! the answer; the `Ledger` keeps what was sent and what came back.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use checker::calls::Current;
use signal_hook::consts::{SIGINT, SIGTERM};

/// What the pool was asked to do.
pub struct Args {
    /// Jobs in the batch (job n counts the primes in [(n - 1) x span, n x span)).
    pub jobs: u32,
    /// Numbers per job.
    pub span: u64,
    /// Send ourselves SIGINT after this many jobs are done (0: never).
    pub interrupt_after: u32,
}

/// A job for a worker: count the primes in `start..end`.
pub struct Job {
    pub id: u32,
    pub start: u64,
    pub end: u64,
}

pub struct Answer {
    pub id: u32,
    pub primes: u64,
}

/// Job `i` (numbered from 1) counts the primes in [i x span, (i + 1) x span).
pub fn job(i: usize, span: u64) -> Job {
    let id = i as u32 + 1;
    Job {
        id,
        start: u64::from(id - 1) * span,
        end: u64::from(id) * span,
    }
}

/// One worker process and its pipes.
pub struct Worker {
    pub child: Child,
    pub to: BufWriter<ChildStdin>,
    pub from: BufReader<ChildStdout>,
}

/// Starts one worker process, in a process group of its own.
pub fn start_worker() -> Result<Worker, String> {
    let run = RUN.get().ok_or(
        "the pool's workers start under the checker only: `cargo exercise check clean_up`",
    )?;
    let mut child = Command::new(&run.program)
        .env("SHUTDOWN_WORKER_CRASH_ON", run.crash_on.to_string())
        .env("SHUTDOWN_WORKER_EXIT", run.exit_code.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let pid = child.id();
    run.pids.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    // What the worker says on stderr, kept for the checker (it says when its stdin closed).
    if let Some(stderr) = child.stderr.take() {
        let said = Arc::clone(&run);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                said.said
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((pid, line));
            }
        });
        run.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(reader);
    }
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    Ok(Worker {
        child,
        to: BufWriter::new(to),
        from: BufReader::new(from),
    })
}

/// Sends `job` to the worker and waits for its answer; the error says what went wrong.
pub fn ask(w: &mut Worker, job: &Job) -> Result<Answer, String> {
    writeln!(w.to, "{} {} {}", job.id, job.start, job.end)
        .and_then(|()| w.to.flush())
        .map_err(|e| format!("gone: {e}"))?;
    let mut line = String::new();
    match w.from.read_line(&mut line) {
        Ok(0) => Err(format!("ended with job {} in its hands", job.id)),
        _ => match line.split_whitespace().map(str::parse).collect::<Vec<_>>()[..] {
            [Ok(id), Ok(primes)] if id == u64::from(job.id) => Ok(Answer { id: job.id, primes }),
            _ => Err(format!("answered {line:?} to job {}", job.id)),
        },
    }
}

/// What the pool knows about each job: how many times it was sent and what came back.
pub struct Ledger {
    pub sent: Vec<u32>,
    pub answers: Vec<Vec<u64>>,
    pub done: usize,
    /// Jobs answered after the stop flag went up: the ones in flight at the signal.
    pub after_stop: usize,
    pub announced: bool,
}

impl Ledger {
    pub fn new(jobs: u32) -> Ledger {
        Ledger {
            sent: vec![0; jobs as usize],
            answers: vec![Vec::new(); jobs as usize],
            done: 0,
            after_stop: 0,
            announced: false,
        }
    }

    /// Says once, from whichever feeder notices first, which signal came and how many jobs
    /// the workers hold at that moment (sent, not yet answered): those will still finish.
    pub fn announce(&mut self, signal: usize) {
        if !self.announced {
            self.announced = true;
            let name = if signal == SIGTERM as usize {
                "SIGTERM"
            } else {
                "SIGINT"
            };
            let sent: u32 = self.sent.iter().sum();
            let in_flight = sent as usize - self.done;
            println!("{name}: no new jobs, finishing {in_flight} in flight");
        }
    }

    /// Counts worker `n`'s answer to job `i` and says so (`stop`: the signal seen by then, 0
    /// if none); after `interrupt_after` jobs, sends the program its own SIGINT.
    pub fn record(&mut self, i: usize, a: &Answer, n: usize, stop: usize, interrupt_after: u32) {
        // Announced before this answer is counted: it was one of the jobs in flight.
        if stop != 0 {
            self.announce(stop);
            self.after_stop += 1;
        }
        self.answers[i].push(a.primes);
        self.done += 1;
        let late = if stop != 0 {
            "  (in flight at the signal)"
        } else {
            ""
        };
        println!(
            "job {:>3} done by worker {n}: {} primes{late}",
            a.id, a.primes
        );
        if self.done == interrupt_after as usize {
            // The program's own Ctrl-C, for a run with nobody at the keyboard.
            println!("(sending ourselves SIGINT after {} jobs)", self.done);
            let _ = signal_hook::low_level::raise(SIGINT);
        }
    }
}

/// What the checker sets up and watches during one run.
#[doc(hidden)]
pub struct Run {
    pub program: PathBuf,
    /// The job a worker dies with in its hands (0: none).
    pub crash_on: u32,
    /// The status every worker exits with at EOF.
    pub exit_code: u8,
    pub pids: Mutex<Vec<u32>>,
    /// Each worker's lines on stderr: (pid, line).
    pub said: Mutex<Vec<(u32, String)>>,
    pub readers: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

#[doc(hidden)]
pub static RUN: Current<Run> = Current::new();

#[doc(hidden)]
pub fn watch(program: PathBuf, crash_on: u32, exit_code: u8) -> Arc<Run> {
    Arc::new(Run {
        program,
        crash_on,
        exit_code,
        pids: Mutex::new(Vec::new()),
        said: Mutex::new(Vec::new()),
        readers: Mutex::new(Vec::new()),
    })
}
