//! Isolation: each process has its own memory, and a crash stays inside the process that had it.
//!
//! First, separate memory (`memory.rs`): the same `Arc<AtomicI64>` holding a balance of 100
//! is handed to a child process and to a thread, and each adds 50. The child starts as a copy
//! of the parent (fork), so it finds the balance at the very same address; it writes 150
//! there, and the parent, reading that address afterwards, still finds 100: the same address
//! names a different page in each process. The thread's write is the parent's. Then crash
//! containment (`supervisor.rs`): a supervisor runs jobs on worker processes (this program in
//! worker mode, `worker.rs`, JSON lines over pipes). Faults are injected on the first attempt
//! of three jobs: one worker panics, one aborts (SIGABRT: no unwinding, no cleanup, the way a
//! segfault in C code ends a process), and one hangs until the supervisor's deadline kills it.
//! The supervisor sees each one end, says how, starts a new worker and retries the job; every
//! job is answered exactly once and the answers match a sequential run. In Rust a panicking
//! *thread* is contained too (`join` returns `Err`), but an abort takes the whole process with
//! it: only a process boundary contains that.
//!
//! Run:
//!   cargo run -p examples-process --bin isolation
//!   cargo run -p examples-process --bin isolation -- --jobs 20 --workers 3 --hang-job 0
//!
//! You will see: the parent's, the child's and the thread's view of the balance, each with its
//! address: the child's 150 and the parent's 100 at one address, then the thread's 150 seen by
//! the parent. Then the supervisor's log, one line per death (`worker 0 (pid ...) died on job 5:
//! killed by signal 6 (abort); restarted as pid ...`; which worker takes which job varies from
//! run to run), with the panic's own message for job 2, and a table with each job's attempts
//! and answer, all equal to the sequential answers.
//!
//! Python: `multiprocessing.Process` with the "fork" start method (`os.fork()`) gives the child
//! a copy of every variable; a `Pool` whose worker dies raises `BrokenProcessPool`
//! (`concurrent.futures`) or waits for ever (`multiprocessing`): the supervisor here is what
//! you would write around it.
//!
//! Try this: `--panic-job 0 --abort-job 0 --hang-job 0` (no faults: one attempt each);
//! `--timeout-ms 100 --span 2000000` (honest jobs killed for being slow, then retried until
//! `--max-attempts` gives up, with exit status 1).
//!
//! Copy it out: `cargo xtask copy-out isolation DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
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

mod memory;
mod supervisor;
mod worker;

use std::process::ExitCode;

use clap::Parser;
use shared::cli::Work;
use shared::{Table, fmt_count};

#[derive(Parser, Debug)]
#[command(about = "Separate memory, and a supervisor that restarts crashed workers and retries")]
pub struct Args {
    /// Jobs to run (job n counts the primes in [(n-1) x span, n x span)).
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
    /// Attempts per job before the supervisor gives up on it (2 or more with a fault injected).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_attempts: u32,
    /// Internal: be a worker reading jobs on stdin.
    #[arg(long, hide = true)]
    worker: bool,
    /// Internal: the program the forked child of part 1 executes; it does nothing.
    #[arg(long, hide = true)]
    after_fork: bool,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if args.worker {
        return worker::worker();
    }
    if args.after_fork {
        return ExitCode::SUCCESS;
    }
    for (flag, job) in [
        ("--panic-job", args.panic_job),
        ("--abort-job", args.abort_job),
        ("--hang-job", args.hang_job),
    ] {
        if job > args.jobs {
            return shared::cli::usage_error(format!(
                "{flag} {job} is past the last job (--jobs {})",
                args.jobs
            ));
        }
    }
    let faults = [args.panic_job, args.abort_job, args.hang_job];
    // A job's first attempt fails one way only: a second fault on it would never show.
    let same = |a: u32, b: u32| a > 0 && a == b;
    let (p, a, h) = (args.panic_job, args.abort_job, args.hang_job);
    if same(p, a) || same(p, h) || same(a, h) {
        return shared::cli::usage_error(format!(
            "--panic-job {}, --abort-job {}, --hang-job {}: a job's first attempt can fail only \
             one way, so a second fault on the same job would never happen: give each fault a \
             job of its own, or 0",
            p, a, h
        ));
    }
    if args.max_attempts < 2 && faults.iter().any(|&j| j > 0) {
        return shared::cli::usage_error(
            "--max-attempts 1 with a fault injected: the faulty job's first attempt fails for \
             certain and no restart is allowed, so the supervisor's retry cannot show: use 2 or \
             more, or inject no faults (--panic-job 0 --abort-job 0 --hang-job 0)",
        );
    }
    // Run time: the supervised jobs and the sequential check of their answers count the same
    // primes (capped at about 20 s here, since the table comes only at the end), and one job
    // may wait out its deadline on every attempt before the supervisor gives up.
    let divisions = |jobs: u32, span: u64| 2 * worker::divisions(u64::from(jobs) * span);
    let deadlines = |timeout: u64, attempts: u32| u128::from(timeout) * u128::from(attempts);
    let d = Args::parse_from(["isolation"]);
    if let Err(refused) = shared::cli::cap_all(&[
        Work::new(
            "trial divisions (estimated)",
            divisions(args.jobs, args.span),
            divisions(d.jobs, d.span),
            20_000_000_000,
            "--jobs or --span",
        ),
        Work::new(
            "ms of deadlines (--timeout-ms x --max-attempts)",
            deadlines(args.timeout_ms, args.max_attempts),
            deadlines(d.timeout_ms, d.max_attempts),
            60_000,
            "--timeout-ms or --max-attempts",
        ),
    ]) {
        return refused;
    }
    if let Err(e) = memory::separate_memory() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let faulty: Vec<u32> = faults.into_iter().filter(|&j| j > 0).collect();
    let injected = match faulty.len() {
        0 => "no faults injected".to_string(),
        _ => format!("faults injected on jobs {faulty:?}"),
    };
    println!(
        "supervisor: {} on {}, {injected}",
        fmt_count(args.jobs, "job", "jobs"),
        fmt_count(
            args.workers.min(args.jobs) as usize,
            "worker process",
            "worker processes"
        ),
    );
    let ledger = match supervisor::supervise(&args) {
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
        let job = worker::job(id, args.span, None);
        let expected = worker::count_primes(job.start, job.end);
        exact &= ledger.answers[i] == [expected];
        table.row([
            id.to_string(),
            ledger.attempts[i].to_string(),
            format!("{:?}", ledger.answers[i]),
            expected.to_string(),
        ]);
    }
    print!("{table}");
    if !exact {
        eprintln!("error: some job was lost, repeated or answered wrong (see the table)");
        return ExitCode::FAILURE;
    }
    println!(
        "{}, {} lost and restarted, every job answered exactly once, every answer equal to the \
         sequential one",
        fmt_count(args.jobs, "job", "jobs"),
        fmt_count(ledger.restarts, "worker", "workers")
    );
    ExitCode::SUCCESS
}
