//! Isolation: each process has its own memory, and a crash stays inside the process that had it.
//!
//! First, separate memory: a child process gets a copy of a value, changes it, and the
//! parent's value does not move; a thread changing the same value through an `Arc<Mutex>`
//! changes it for everyone. Then crash containment: a supervisor runs jobs on worker
//! processes (this program in worker mode, JSON lines over pipes). Faults are injected on the
//! first attempt of three jobs: one worker panics, one aborts (SIGABRT: no unwinding, no
//! cleanup, the way a segfault in C code or an out-of-memory kill would end it), and one
//! hangs until the supervisor's deadline kills it. The supervisor sees each one end, starts a
//! new worker, and retries the job; every job is answered exactly once and the answers match
//! a sequential run. In Rust a panicking *thread* is contained too (`join` returns `Err`),
//! but an abort takes the whole process with it: only a process boundary contains that.
//!
//! Run:
//!   cargo run -p examples-process --bin isolation
//!   cargo run -p examples-process --bin isolation -- --jobs 20 --workers 3 --hang-job 0
//!
//! You will see: `parent still sees 100` after the child printed 150; then the supervisor's
//! log (`worker 2 (pid ...) died on job 5: killed by signal 6 (abort); restarting, retrying`)
//! and a table with each job's attempts and answer, all equal to the sequential answers.
//!
//! Python: `multiprocessing.Process` has its own copy of every variable; a `Pool` whose worker
//! dies raises `BrokenProcessPool` (concurrent.futures) or hangs (multiprocessing): the
//! supervisor here is what you would write around it.
//!
//! Try this: `--panic-job 0 --abort-job 0 --hang-job 0` (no faults: one attempt each);
//! `--timeout-ms 100` with a big `--span` (honest jobs killed for being slow, then retried
//! until `--max-attempts` gives up).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use serde::{Deserialize, Serialize};
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "Separate memory, and a supervisor that restarts crashed workers and retries")]
struct Args {
    /// Jobs to run (job n counts the primes in [n x span, (n+1) x span)).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    jobs: u32,
    /// Numbers per job.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    span: u64,
    /// Worker processes.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// The job whose first attempt panics (0: none).
    #[arg(long, default_value_t = 2)]
    panic_job: u32,
    /// The job whose first attempt aborts the worker (0: none).
    #[arg(long, default_value_t = 5)]
    abort_job: u32,
    /// The job whose first attempt hangs until the deadline kills it (0: none).
    #[arg(long, default_value_t = 8)]
    hang_job: u32,
    /// How long a job may take before its worker is killed.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    timeout_ms: u64,
    /// Attempts per job before the supervisor gives up on it.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: u32,
    /// Internal: be a worker reading jobs on stdin.
    #[arg(long, hide = true)]
    worker: bool,
    /// Internal: be a child that adds to a balance it was given, and prints it.
    #[arg(long, hide = true, num_args = 2, value_names = ["BALANCE", "ADD"])]
    add_to: Option<Vec<i64>>,
}

/// What can be done to a worker on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Fault {
    Panic,
    Abort,
    Hang,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct Job {
    id: u32,
    start: u64,
    end: u64,
    fault: Option<Fault>,
}

#[derive(Serialize, Deserialize)]
struct Answer {
    id: u32,
    primes: u64,
}

fn count_primes(start: u64, end: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

/// Worker mode: one job per line in, one answer per line out, until stdin closes.
fn worker() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(job) = line.map(|l| serde_json::from_str::<Job>(&l)) else {
            return ExitCode::FAILURE;
        };
        let Ok(job) = job else {
            eprintln!("error: worker got a line that is not a job");
            return ExitCode::FAILURE;
        };
        match job.fault {
            Some(Fault::Panic) => panic!("injected panic on job {}", job.id),
            Some(Fault::Abort) => std::process::abort(),
            Some(Fault::Hang) => loop {
                thread::sleep(Duration::from_secs(3600));
            },
            None => {}
        }
        let answer = Answer {
            id: job.id,
            primes: count_primes(job.start, job.end),
        };
        let Ok(text) = serde_json::to_string(&answer) else {
            return ExitCode::FAILURE;
        };
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Part 1: a process gets a copy; a thread shares.
fn separate_memory() -> Result<(), String> {
    let balance: i64 = 100;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(me)
        .args(["--add-to", &balance.to_string(), "50"])
        .output()
        .map_err(|e| format!("cannot start the child: {e}"))?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    println!("parent still sees {balance}: the child changed its own copy");

    let shared = Arc::new(Mutex::new(balance));
    let theirs = Arc::clone(&shared);
    thread::spawn(move || {
        if let Ok(mut b) = theirs.lock() {
            *b += 50;
        }
    })
    .join()
    .map_err(|_| "the thread panicked")?;
    let seen = *shared.lock().map_err(|_| "poisoned")?;
    println!("a thread added 50 to the shared balance: the parent sees {seen}\n");
    Ok(())
}

/// One worker process and the generation it belongs to (a restarted slot gets a new one, so
/// that a late message from the old process is not mistaken for the new one's).
struct Slot {
    child: Child,
    to: BufWriter<ChildStdin>,
    generation: u64,
    pid: u32,
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
        .env("RUST_BACKTRACE", "0")
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("a worker without pipes".into());
    };
    // A reader thread per worker turns its output into events for the one supervisor loop.
    let events = events.clone();
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            match line {
                Ok(l) => {
                    if events.send((index, generation, Some(l))).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = events.send((index, generation, None));
    });
    Ok(Slot {
        pid: child.id(),
        child,
        to: BufWriter::new(to),
        generation,
        busy: None,
    })
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(101), _) => "exit code 101 (panic)".into(),
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(6)) => "killed by signal 6 (abort)".into(),
        (None, Some(9)) => "killed by signal 9 (SIGKILL)".into(),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => "unknown".into(),
    }
}

/// What happened to each job: its attempts and its answers (exactly one, if all went well).
struct Ledger {
    attempts: Vec<u32>,
    answers: Vec<Vec<u64>>,
    /// Workers lost and replaced (each one's story is printed as it happens).
    restarts: usize,
}

/// Part 2: the supervisor. One loop owns every worker; reader threads feed it events.
fn supervise(args: &Args) -> Result<Ledger, String> {
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
        .map(|id| Job {
            id,
            start: u64::from(id - 1) * args.span,
            end: u64::from(id) * args.span,
            fault: fault_for(id),
        })
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
            let line = serde_json::to_string(&job).map_err(|e| e.to_string())?;
            // If the write fails the worker is dead: its EOF event comes and the job is retried.
            let _ = writeln!(slot.to, "{line}").and_then(|()| slot.to.flush());
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
            Ok((i, _, None)) => {
                // Its stdout closed: it died. Reap it and learn how.
                let status = slots[i].child.wait().map_err(|e| e.to_string())?;
                vec![(i, describe(status))]
            }
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                let mut killed = Vec::new();
                for (i, s) in slots.iter_mut().enumerate() {
                    if s.busy.is_some_and(|(_, d)| d <= now) {
                        let _ = s.child.kill();
                        let status = s.child.wait().map_err(|e| e.to_string())?;
                        killed.push((
                            i,
                            format!(
                                "no answer in {}, {}",
                                fmt_duration(timeout),
                                describe(status)
                            ),
                        ));
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
                    slots[i] = fresh; // the old Child was waited for above
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

/// Closes every worker's stdin so it exits, and waits for it; kills one that does not.
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

fn main() -> ExitCode {
    let args = Args::parse();
    if args.worker {
        return worker();
    }
    if let Some(v) = &args.add_to {
        let mut balance = v[0];
        balance += v[1];
        println!("child changed its balance to {balance}");
        return ExitCode::SUCCESS;
    }
    for (flag, job) in [
        ("--panic-job", args.panic_job),
        ("--abort-job", args.abort_job),
        ("--hang-job", args.hang_job),
    ] {
        if job > args.jobs {
            eprintln!("error: {flag} {job}: there are only {} jobs", args.jobs);
            return ExitCode::from(2);
        }
    }
    if let Err(e) = separate_memory() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "supervisor: {} jobs on {} worker processes, faults injected on jobs {:?}",
        args.jobs,
        args.workers.min(args.jobs),
        [args.panic_job, args.abort_job, args.hang_job]
            .into_iter()
            .filter(|&j| j > 0)
            .collect::<Vec<_>>()
    );
    let ledger = match supervise(&args) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut table = Table::new(["job", "attempts", "answers", "sequential"]);
    let mut exact = true;
    for id in 1..=args.jobs {
        let i = id as usize - 1;
        let expected = count_primes(u64::from(id - 1) * args.span, u64::from(id) * args.span);
        exact &= ledger.answers[i] == [expected];
        table.row([
            id.to_string(),
            ledger.attempts[i].to_string(),
            format!("{:?}", ledger.answers[i]),
            expected.to_string(),
        ]);
    }
    print!("{table}");
    println!(
        "{} jobs, {} workers lost and restarted, {}",
        args.jobs,
        ledger.restarts,
        if exact {
            "every job answered exactly once, every answer equal to the sequential one"
        } else {
            "BUT SOME JOB WAS LOST, REPEATED OR WRONG"
        }
    );
    if exact {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
