//! Debugging concurrent code: make the interleaving visible, then make a test find it.
//!
//! The guide lists "debugging complexity" among the challenges: the bug depends on an order of
//! events that the next run will not repeat. Three tools help. First, structured logs that say
//! *which thread* and *which task* did what: `tracing` with thread names and spans turns a lost
//! update into four readable lines. Second, a stress loop: run the racy code many times, and
//! widen the race window (a `yield_now` between read and write) so that the bug shows up in a
//! test instead of in production. It still finds bugs only by chance; loom, the third tool,
//! runs every interleaving of a small model and finds them for certain (the models live in the
//! suite "concurrency by example", in its programs `race_condition`, `check_then_act` and
//! `dining_philosophers`). For async code, tokio-console shows every live task, its polls and
//! its waits; it needs tokio built with `tokio_unstable`.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin debugging
//!   cargo run -p examples-pitfalls --bin debugging -- --part stress --trials 500
//!   RUSTFLAGS="--cfg pitfalls_loom" cargo test -p examples-pitfalls --bins --release --target-dir target/loom -- loom_
//!   RUSTFLAGS="--cfg tokio_unstable" cargo run -p examples-pitfalls --features console --target-dir target/console --bin debugging -- --console
//!   (then `tokio-console` in another terminal; install it with `cargo install tokio-console`)
//!
//! You will see: a log of two named threads in which both read balance 0 before either writes,
//! so one deposit is lost; the fixed version's log with both deposits; a log of three async
//! tasks whose events carry their span (`order{id=2}`) whichever worker thread ran them; and a
//! stress-loop table: the racy code fails in some plain trials (how many is up to the
//! scheduler, and may be none), usually in most trials with a yield in the window (still up
//! to the scheduler, only far likelier), and the fix in none.
//!
//! Python: `logging` with `%(threadName)s` in the format, `asyncio` debug mode
//! (`PYTHONASYNCIODEBUG=1`), and a loop around a test; Python has no loom.
//!
//! Try this: change `Level::INFO` to `Level::DEBUG` and run `--part stress --trials 1
//! --increments 100` (every racy increment is logged, with its thread's id: the stress threads
//! have no names); remove the `yield_now` from `racy_increment` (in `stress.rs`) and see the
//! widened row (its name unchanged) fail as rarely as the plain one; in the suite "concurrency
//! by example", run the loom command that part 3 prints: it finds the lost update every time.
//!
//! Copy it out: `cargo xtask copy-out debugging DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! console-subscriber = { version = "0.5", default-features = false, optional = true }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "rt", "rt-multi-thread", "sync", "test-util", "time"] }
//! tracing = "0.1"
//! tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "std"] }
//! ```

mod console;
mod stress;

use std::process::ExitCode;
use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use tracing::{Instrument, Level, info, info_span};

#[derive(Parser, Debug)]
#[command(
    about = "Readable interleavings with tracing, stress loops, and where loom and tokio-console fit"
)]
struct Args {
    /// Which part to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
    /// Trials of each stress-loop variant.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    trials: u32,
    /// Increments per thread in each stress-loop trial (100 or more: with fewer, each thread is
    /// done before the other starts, and the plain row cannot fail).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    increments: u64,
    /// Serve tokio-console while async tasks run (needs the `console` feature; see the header).
    #[arg(long)]
    console: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    Trace,
    Tasks,
    Stress,
    All,
}

/// Stdout for the log that stops the program quietly when stdout closes (`| head`), as
/// `println!` does after `shared::cli::setup`; tracing would report every failed line instead.
struct Stdout(std::io::Stdout);

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.0.write(buf);
        if matches!(&written, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
            shared::cli::stop(128 + 13); // dies of SIGPIPE, like a shell pipeline expects
        }
        written
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The cap on run time of the stress loop: increments over its three rows (two threads
    // each), a thread start counted as 500 (about what one costs beside a yielding increment
    // here), so that the largest run takes about 20 s in release before its table prints. A
    // refusal names the flags that, lowered alone to their least, bring the run under the cap.
    let d = Args::parse_from(["debugging"]); // the defaults, from clap
    let stress = matches!(args.part, Part::Stress | Part::All); // parts 1 and 2: short, fixed
    let work = |trials: u32, increments: u64| match stress {
        true => u128::from(trials) * 6 * (u128::from(increments) + 500),
        false => 0,
    };
    let (this, cap) = (work(args.trials, args.increments), 100_000_000);
    let least = [
        ("--trials", work(1, args.increments)),
        ("--increments", work(args.trials, 100)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    let what = "increments (a thread start counted as 500)";
    let default = work(d.trials, d.increments);
    if let Err(refused) = shared::cli::cap_work(what, this, default, cap, &lower) {
        return refused;
    }
    if args.console {
        return console::console();
    }
    // Thread names and span context on every line, time since start, to stdout so that the
    // log and the program's own lines come out in one order.
    tracing_subscriber::fmt()
        .with_max_level(Level::INFO)
        .with_thread_names(true)
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .with_writer(|| Stdout(std::io::stdout()))
        .init();

    match run_parts(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The parts `--part` asks for, in order; a thread or task that fails stops the run.
fn run_parts(args: &Args) -> Result<(), String> {
    let run = |p: Part| args.part == p || args.part == Part::All;
    if run(Part::Trace) {
        traced_race()?;
    }
    if run(Part::Tasks) {
        traced_tasks()?;
    }
    if run(Part::Stress) {
        stress::stress(args)?;
    }
    Ok(())
}

/// Starts `deposit` on a thread named `name` in scope `s`; an error if it cannot start.
fn teller<'scope>(
    s: &'scope thread::Scope<'scope, '_>,
    name: &str,
    deposit: impl FnOnce() + Send + 'scope,
) -> Result<thread::ScopedJoinHandle<'scope, ()>, String> {
    thread::Builder::new()
        .name(name.into())
        .spawn_scoped(s, deposit)
        .map_err(|e| format!("cannot start {name}: {e}"))
}

/// Joins every teller before looking at any, so that a panic (even two) is reported as an
/// error rather than making the scope itself panic.
fn join_all(tellers: Vec<thread::ScopedJoinHandle<'_, ()>>) -> Result<(), String> {
    match tellers.into_iter().filter_map(|t| t.join().err()).count() {
        0 => Ok(()),
        n => Err(format!("{n} of the teller threads panicked")),
    }
}

/// Part 1: two named threads deposit 10 each with load + store. A barrier between the read and
/// the write makes both read before either writes, so the log shows the lost update every time.
fn traced_race() -> Result<(), String> {
    println!("== 1. a lost update, logged with thread names");
    let balance = AtomicU64::new(0);
    let barrier = Barrier::new(2);
    thread::scope(|s| {
        let mut tellers = Vec::new();
        for name in ["teller-a", "teller-b"] {
            let (balance, barrier) = (&balance, &barrier);
            let deposit = move || {
                let _span = info_span!("deposit", amount = 10).entered();
                let seen = balance.load(Ordering::SeqCst);
                info!(balance = seen, "read");
                barrier.wait(); // both have read: the interleaving that loses an update
                balance.store(seen + 10, Ordering::SeqCst);
                info!(balance = seen + 10, "wrote");
            };
            match teller(s, name, deposit) {
                Ok(t) => tellers.push(t),
                // The first teller would wait at the barrier for ever: stop here, saying why.
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
        join_all(tellers)
    })?;
    let racy = balance.load(Ordering::SeqCst);
    println!("balance {racy}, expected 20: both tellers read 0 before either wrote\n");

    println!("== 1b. the fix, fetch_add, logged the same way");
    let balance = AtomicU64::new(0);
    thread::scope(|s| {
        let mut tellers = Vec::new();
        for name in ["teller-a", "teller-b"] {
            let balance = &balance;
            tellers.push(teller(s, name, move || {
                let _span = info_span!("deposit", amount = 10).entered();
                deposit(balance, 10);
            })?);
        }
        join_all(tellers)
    })?;
    let fixed = balance.load(Ordering::SeqCst);
    println!("balance {fixed}, expected 20: each teller saw the other's deposit or none\n");
    Ok(())
}

/// The fix: read and write are one indivisible step, and the log says what that step saw.
/// Returns the balance just before and just after this deposit.
fn deposit(balance: &AtomicU64, amount: u64) -> (u64, u64) {
    // exercise find_the_bug {
    let before = balance.fetch_add(amount, Ordering::SeqCst);
    info!(before, after = before + amount, "added");
    (before, before + amount)
    // exercise find_the_bug }
}

/// Part 2: three tasks on a two-worker runtime, each in its own span. Every event carries the
/// task's span, so a task's story can be read even when it moves between worker threads.
fn traced_tasks() -> Result<(), String> {
    println!("== 2. async tasks, each in a span, on named worker threads");
    let next = AtomicUsize::new(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name_fn(move || format!("worker-{}", next.fetch_add(1, Ordering::Relaxed)))
        .enable_time()
        .build();
    let runtime = runtime.map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    // Each task notes the worker thread it ran on at each step.
    let threads = runtime.block_on(async {
        let mut handles = Vec::new();
        for id in 1..=3u64 {
            let work = async move {
                let mut ran_on = vec![thread_name()];
                info!("started");
                // A stand-in for a database call: the task is parked, its worker runs others.
                tokio::time::sleep(Duration::from_millis(10 * id)).await;
                ran_on.push(thread_name());
                info!("resumed after {} ms", 10 * id);
                tokio::task::yield_now().await;
                ran_on.push(thread_name());
                info!("done");
                ran_on
            };
            handles.push(tokio::spawn(work.instrument(info_span!("order", id))));
        }
        let mut threads = Vec::new();
        for h in handles {
            threads.push(h.await.map_err(|e| format!("a task failed: {e}"))?);
        }
        Ok::<_, String>(threads)
    })?;
    let moved = threads
        .iter()
        .filter(|ran_on| ran_on.iter().any(|t| *t != ran_on[0]))
        .count();
    println!(
        "{} of 3 tasks finished, {moved} of them moved between worker threads; every line names its task\n",
        threads.len()
    );
    Ok(())
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("unnamed").to_string()
}
