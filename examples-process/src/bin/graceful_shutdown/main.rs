//! Graceful shutdown: Ctrl-C (SIGINT) or SIGTERM to a pool of worker processes stops it taking
//! work, lets the jobs in flight finish, reports, and exits 0.
//!
//! A signal handler may do almost nothing safely, so it only records the signal in a flag
//! (signal-hook does the registering); the feeder threads check the flag before handing a
//! worker its next job. The jobs already sent are finished and counted, the rest are reported
//! as not started, and every worker is sent EOF and waited for. The workers run in their own
//! process group, so a Ctrl-C typed in the terminal reaches the parent only: the parent
//! decides when they stop, instead of every worker dying mid-job. A second Ctrl-C changes
//! nothing: the wait is at most one job long (with long jobs, make a second signal a forced
//! quit, for example with `signal_hook::flag::register_conditional_shutdown`). With no signal
//! from outside, the program interrupts itself after `--interrupt-after` jobs, so that it
//! shows the whole story on its own and always ends.
//!
//! Run:
//!   cargo run -p examples-process --bin graceful_shutdown
//!   cargo run -p examples-process --bin graceful_shutdown -- --interrupt-after 0 --jobs 400
//!     (then press Ctrl-C, or `kill -TERM <pid>` from another terminal)
//!
//! You will see: jobs finishing on two workers, then `SIGINT: no new jobs, finishing 1 in
//! flight` (the program's own SIGINT comes as one worker hands in a job, while the other still
//! holds one; a Ctrl-C of yours usually finds both busy: 2), the answers in flight arriving
//! after it, and a ledger: done + not started = all jobs, none lost, none done twice.
//!
//! Python: `signal.signal(SIGINT, handler)` setting a flag, `pool.close(); pool.join()`
//! (finish what was submitted) rather than `pool.terminate()` (kill it mid-job).
//!
//! Try this: `--interrupt-after 0 --jobs 400` and a Ctrl-C; remove the `process_group(0)` line
//! in `worker.rs` and press Ctrl-C: the workers die with the job in their hands, and the pool
//! says so and exits 1.
//!
//! Copy it out: `cargo xtask copy-out graceful_shutdown DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod report;
mod worker;

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;
use report::report;
use shared::fmt_count;
use signal_hook::consts::{SIGINT, SIGTERM};
use worker::{Answer, DIVISIONS_CAP, Worker, ask, divisions, job, start_worker};

const JOBS: u32 = 40;
const SPAN: u64 = 50_000;
const WORKERS: u32 = 2;
const INTERRUPT_AFTER: u32 = 15;

#[derive(Parser, Debug)]
#[command(
    about = "SIGINT or SIGTERM drains a pool of worker processes: nothing lost, nothing twice"
)]
struct Args {
    /// Jobs in the batch (job n, from 1, counts the primes in [(n-1) x span, n x span)).
    #[arg(long, default_value_t = JOBS, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    jobs: u32,
    /// Numbers per job.
    #[arg(long, default_value_t = SPAN, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    span: u64,
    /// Worker processes (2 or more with --interrupt-after: one holds no job at its SIGINT).
    #[arg(long, default_value_t = WORKERS, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Send ourselves SIGINT after this many jobs are done (0: never, wait for a real one).
    #[arg(long, default_value_t = INTERRUPT_AFTER)]
    interrupt_after: u32,
    /// Internal: be a worker reading jobs on stdin.
    #[arg(long, hide = true)]
    worker: bool,
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
    /// Says once, from whichever feeder notices first, which signal came and how many jobs
    /// the workers hold at that moment (sent, not yet answered): those will still finish.
    fn announce(&mut self, signal: usize) {
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
    fn record(&mut self, i: usize, a: &Answer, n: usize, stop: usize, interrupt_after: u32) {
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
            let jobs = fmt_count(self.done, "job", "jobs");
            println!("(sending ourselves SIGINT after {jobs})");
            let _ = signal_hook::low_level::raise(SIGINT);
        }
    }
}

/// Feeds one worker until there are no jobs left or a signal came (`signal` is its number,
/// 0 until then).
fn feed(
    n: usize,
    mut w: Worker,
    args: &Args,
    next: &AtomicUsize,
    signal: &AtomicUsize,
    ledger: &Mutex<Ledger>,
) -> Result<(), String> {
    // exercise clean_up {
    let result = loop {
        // The one place the flag stops anything: between jobs, never in the middle of one.
        // Read under the ledger's lock, with the job marked sent in the same hold, so that
        // the announcement's count of jobs in flight cannot miss one being handed out.
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        let stop = signal.load(Ordering::SeqCst);
        if stop != 0 {
            l.announce(stop);
            break Ok(());
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= args.jobs as usize {
            break Ok(());
        }
        l.sent[i] += 1;
        drop(l);
        let answer = match ask(&mut w, &job(i, args.span)) {
            Ok(a) => a,
            Err(e) => break Err(format!("worker {n} {e}")),
        };
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        let stop = signal.load(Ordering::SeqCst);
        l.record(i, &answer, n, stop, args.interrupt_after);
    };
    drop(w.to); // EOF: the worker's loop ends and it exits
    let status = w.child.wait().map_err(|e| e.to_string())?;
    match result {
        Ok(()) if !status.success() => Err(format!("worker {n} exited with {status}")),
        Err(e) => Err(format!("{e} ({status})")),
        ok => ok,
    }
    // exercise clean_up }
}

fn main() -> ExitCode {
    // Quiet on a closed stdout, and workers that die with this program, but the signals are
    // this program's own to handle (below): unlike `setup`, this installs no handler for them.
    shared::cli::setup_keep_signals();
    let args = Args::parse();
    if args.worker {
        return worker::worker();
    }
    if args.interrupt_after >= args.jobs {
        // Interrupted after the last job, the pool would have nothing left to not start.
        return shared::cli::usage_error(format!(
            "--interrupt-after {} leaves none of the {} jobs to stop: give fewer, or 0 to wait \
             for a real signal",
            args.interrupt_after, args.jobs
        ));
    }
    if args.workers < 2 && args.interrupt_after > 0 {
        return shared::cli::usage_error(
            "--workers 1 with --interrupt-after: the program's own SIGINT comes as the one worker \
             hands in its job, so nothing is in flight to drain: use 2, or --interrupt-after 0",
        );
    }
    if let Err(refused) = shared::cli::cap_work(
        "trial divisions (estimated)",
        divisions(args.jobs, args.span, args.workers, args.interrupt_after),
        divisions(JOBS, SPAN, WORKERS, INTERRUPT_AFTER),
        DIVISIONS_CAP,
        "--jobs or --span",
    ) {
        return refused;
    }
    // Each signal only records its number; a second one records it again, and changes nothing.
    let signal = Arc::new(AtomicUsize::new(0));
    for sig in [SIGINT, SIGTERM] {
        let registered = signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize);
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
        "pid {}: {} on {}; Ctrl-C or SIGTERM stops taking jobs",
        std::process::id(),
        fmt_count(args.jobs, "job", "jobs"),
        fmt_count(workers, "worker process", "worker processes")
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
                let (args, next, signal, ledger) = (&args, &next, &*signal, &ledger);
                s.spawn(move || feed(n, w, args, next, signal, ledger))
            })
            .collect();
        feeders
            .into_iter()
            .map(|f| f.join().unwrap_or_else(|_| Err("a feeder panicked".into())))
            .collect()
    });
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if !failures.is_empty() {
        eprintln!(
            "error: {} of {} failed: {}",
            failures.len(),
            fmt_count(workers, "worker", "workers"),
            failures.join("; ")
        );
        return ExitCode::FAILURE;
    }
    let Ok(l) = ledger.into_inner() else {
        eprintln!("error: the ledger is poisoned");
        return ExitCode::FAILURE;
    };
    report(&l, args.jobs as usize)
}
