//! Graceful shutdown: Ctrl-C (SIGINT) or SIGTERM to a pool of worker processes stops it taking
//! work, lets the jobs in flight finish, reports, and exits 0.
//!
//! A signal handler may do almost nothing safely, so it only sets a flag (signal-hook does the
//! registering); the feeder threads check the flag before handing a worker its next job. The
//! jobs already sent are finished and counted, the rest are reported as not started, and
//! every worker is sent EOF and waited for. The workers run in their own process group, so a
//! Ctrl-C typed in the terminal reaches the parent only: the parent decides when they stop,
//! instead of every worker dying mid-job. A second Ctrl-C changes nothing: the wait is at most
//! one job long (make it a forced quit if your jobs are long). With no signal from outside, the program interrupts itself after
//! `--interrupt-after` jobs, so that it shows the whole story on its own and always ends.
//!
//! Run:
//!   cargo run -p examples-process --bin graceful_shutdown
//!   cargo run -p examples-process --bin graceful_shutdown -- --interrupt-after 0 --jobs 400
//!     (then press Ctrl-C, or `kill -TERM <pid>` from another terminal)
//!
//! You will see: jobs finishing on two workers, `SIGINT: no new jobs, finishing 2 in flight`,
//! the last answers arriving after it, and a ledger: done + not started = all jobs, none
//! lost, none done twice.
//!
//! Python: `signal.signal(SIGINT, handler)` setting a flag, `pool.close(); pool.join()`
//! (finish what was submitted) rather than `pool.terminate()` (kill it mid-job).
//!
//! Try this: `--interrupt-after 0 --jobs 400` and a Ctrl-C; remove the `process_group(0)` line
//! and press Ctrl-C: the workers die with the job in their hands and the pool reports them.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;
use serde::{Deserialize, Serialize};
use signal_hook::consts::{SIGINT, SIGTERM};

#[derive(Parser, Debug)]
#[command(
    about = "SIGINT or SIGTERM drains a pool of worker processes: nothing lost, nothing twice"
)]
struct Args {
    /// Jobs in the batch (job n counts the primes in [n x span, (n+1) x span)).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    jobs: u32,
    /// Numbers per job.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    span: u64,
    /// Worker processes.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Send ourselves SIGINT after this many jobs are done (0: never, wait for a real one).
    #[arg(long, default_value_t = 15)]
    interrupt_after: u32,
    /// Internal: be a worker reading jobs on stdin.
    #[arg(long, hide = true)]
    worker: bool,
}

#[derive(Serialize, Deserialize)]
struct Job {
    id: u32,
    start: u64,
    end: u64,
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

/// Worker mode: answer jobs until stdin closes. No signal handling here: the worker is in
/// its own process group, and the parent ends it by closing the pipe.
fn worker() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Some(job) = line.ok().and_then(|l| serde_json::from_str::<Job>(&l).ok()) else {
            eprintln!("error: worker got a line that is not a job");
            return ExitCode::FAILURE;
        };
        let answer = Answer {
            id: job.id,
            primes: count_primes(job.start, job.end),
        };
        let text = serde_json::to_string(&answer).unwrap_or_default();
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

struct Worker {
    child: Child,
    to: BufWriter<ChildStdin>,
    from: BufReader<ChildStdout>,
}

fn start_worker() -> Result<Worker, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut child = Command::new(me)
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its own process group: a Ctrl-C in the terminal goes to the parent alone.
        .process_group(0)
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

/// What the pool knows about each job: how many times it was sent and what came back.
struct Ledger {
    sent: Vec<u32>,
    answers: Vec<Vec<u64>>,
    done: usize,
    /// Jobs answered after the stop flag went up: the ones in flight at the signal.
    after_stop: usize,
    announced: bool,
}

impl Ledger {
    /// Says once, from whichever feeder notices first, that the stop was seen.
    fn announce(&mut self) {
        if !self.announced {
            self.announced = true;
            println!("signal received: no new jobs; finishing the ones in flight");
        }
    }
}

/// Feeds one worker until there are no jobs left or a stop is asked for.
fn feed(
    n: usize,
    mut w: Worker,
    args: &Args,
    next: &AtomicUsize,
    stop: &AtomicBool,
    ledger: &Mutex<Ledger>,
) -> Result<(), String> {
    let mut line = String::new();
    let result = loop {
        // The one place the flag is read: between jobs, never in the middle of one.
        if stop.load(Ordering::SeqCst) {
            ledger.lock().map_err(|_| "poisoned")?.announce();
            break Ok(());
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= args.jobs as usize {
            break Ok(());
        }
        let id = i as u32 + 1;
        let job = Job {
            id,
            start: u64::from(id - 1) * args.span,
            end: u64::from(id) * args.span,
        };
        ledger.lock().map_err(|_| "poisoned")?.sent[i] += 1;
        let text = serde_json::to_string(&job).map_err(|e| e.to_string())?;
        if let Err(e) = writeln!(w.to, "{text}").and_then(|()| w.to.flush()) {
            break Err(format!("worker {n} gone: {e}"));
        }
        line.clear();
        let answer = w
            .from
            .read_line(&mut line)
            .map_err(|e| e.to_string())
            .and_then(|_| serde_json::from_str::<Answer>(&line).map_err(|_| format!("{line:?}")));
        let a = match answer {
            Ok(a) if a.id == id => a,
            Ok(_) | Err(_) => break Err(format!("worker {n} answered {line:?}")),
        };
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        l.answers[i].push(a.primes);
        l.done += 1;
        let late = if stop.load(Ordering::SeqCst) {
            l.announce();
            l.after_stop += 1;
            "  (in flight at the signal)"
        } else {
            ""
        };
        println!("job {id:>3} done by worker {n}: {} primes{late}", a.primes);
        if l.done == args.interrupt_after as usize {
            // The program's own Ctrl-C, for a run with nobody at the keyboard.
            println!("(sending ourselves SIGINT after {} jobs)", l.done);
            let _ = signal_hook::low_level::raise(SIGINT);
        }
    };
    drop(w.to); // EOF: the worker's loop ends and it exits
    let status = w.child.wait().map_err(|e| e.to_string())?;
    match result {
        Ok(()) if !status.success() => Err(format!("worker {n} exited with {status}")),
        other => other,
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.worker {
        return worker();
    }
    if args.interrupt_after > args.jobs {
        eprintln!(
            "error: --interrupt-after {} is more than the {} jobs",
            args.interrupt_after, args.jobs
        );
        return ExitCode::from(2);
    }
    // First signal: set the flag. A second one, with the flag already set: exit at once.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        let registered =
            signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&stop))
                .and_then(|_| signal_hook::flag::register(sig, Arc::clone(&stop)));
        if let Err(e) = registered {
            eprintln!("error: cannot handle signal {sig}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let workers = args.workers.min(args.jobs);
    let mut pool = Vec::new();
    for _ in 0..workers {
        match start_worker() {
            Ok(w) => pool.push(w),
            Err(e) => {
                for mut w in pool {
                    drop(w.to);
                    let _ = w.child.wait();
                }
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "pid {}: {} jobs on {workers} worker processes; Ctrl-C or SIGTERM stops taking jobs",
        std::process::id(),
        args.jobs
    );
    let ledger = Mutex::new(Ledger {
        sent: vec![0; args.jobs as usize],
        answers: vec![Vec::new(); args.jobs as usize],
        done: 0,
        after_stop: 0,
        announced: false,
    });
    let next = AtomicUsize::new(0);
    let results: Vec<Result<(), String>> = thread::scope(|s| {
        let feeders: Vec<_> = pool
            .into_iter()
            .enumerate()
            .map(|(n, w)| {
                let (args, next, stop, ledger) = (&args, &next, &*stop, &ledger);
                s.spawn(move || feed(n, w, args, next, stop, ledger))
            })
            .collect();
        feeders
            .into_iter()
            .map(|f| f.join().unwrap_or_else(|_| Err("a feeder panicked".into())))
            .collect()
    });
    if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let Ok(l) = ledger.into_inner() else {
        eprintln!("error: the ledger is poisoned");
        return ExitCode::FAILURE;
    };
    // The ledger: every job either answered exactly once or never sent.
    let done = l.answers.iter().filter(|a| a.len() == 1).count();
    let not_started = l.sent.iter().filter(|&&n| n == 0).count();
    let twice = l.sent.iter().filter(|&&n| n > 1).count();
    let lost = (0..l.sent.len())
        .filter(|&i| l.sent[i] > 0 && l.answers[i].len() != 1)
        .count();
    let first_left = l.sent.iter().position(|&n| n == 0).map(|i| i + 1);
    println!(
        "{} jobs: {done} done ({} of them in flight at the signal), {not_started} not started{}; lost {lost}, done twice {twice}",
        args.jobs,
        l.after_stop,
        first_left.map_or(String::new(), |f| format!(
            " (from job {f} on: run them next time)"
        )),
    );
    if done + not_started == args.jobs as usize && lost == 0 && twice == 0 {
        println!(
            "drained cleanly: every worker finished its job and exited; nothing lost, nothing twice"
        );
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
