//! Starvation: a writer that never gets in, because readers keep the lock busy.
//!
//! A readers-writer lock lets many readers in together, or one writer alone. The simplest one
//! lets a new reader in whenever other readers are inside, even while a writer waits. With
//! readers arriving in a steady stream, the reader count never drops to zero and the writer
//! waits as long as the stream lasts: nobody is deadlocked, everyone else progresses, and one
//! thread gets nothing. Here `--readers` threads read for `--hold-ms` at a time, back to back,
//! for `--duration-ms`, while a writer tries to update every 10 ms: first with that simple
//! reader-preferring lock (below), then with parking_lot's task-fair `RwLock`.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin starvation
//!   cargo run -p examples-pitfalls --bin starvation -- --readers 8 --duration-ms 1000
//!
//! You will see: with the reader-preferring lock, usually hundreds of reads let in ahead of the
//! waiting writer, which waits about the whole `--duration-ms` and completes one or two writes
//! (how many is up to the scheduler: readers that leave a gap let the writer in); with
//! parking_lot's, none (or a read already on its way in), a longest wait of about one read
//! (more on a busy machine, which can be slow to wake the writer) and a write every 10 ms or
//! so; as many reads either way. Then the policy step by step, the same on every run: a reader
//! inside, the writer waiting, a new reader let in ahead (simple) or made to wait (fair).
//!
//! Python: the standard library has no readers-writer lock; the usual hand-written one built
//! from a `threading.Condition` and a reader count is exactly the reader-preferring kind, with
//! the same starvation.
//!
//! Try this: make `admits_a_reader` refuse new readers while `writers_waiting > 0`
//! (writer-preferring: reads stop overtaking the writer, bar one already on its way in, and
//! now a stream of writers could starve the readers).
//!
//! Copy it out: `cargo xtask copy-out starvation DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = { version = "0.13", features = ["deadlock_detection"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

mod policy;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_count, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "A writer starved by a stream of readers, then the same with a fair lock")]
struct Args {
    /// Reader threads reading back to back (two or more: one reader leaves the lock free
    /// between its reads, and the writer gets in there).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=64))]
    readers: u32,
    /// How long each read holds the lock, in milliseconds.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=100))]
    hold_ms: u64,
    /// How long the readers keep reading, in milliseconds.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(50..=10_000))]
    duration_ms: u64,
}

/// The simple readers-writer lock: readers get in whenever no writer is inside, even if one
/// is waiting. (The value it protects is left out: only the admission policy matters here.)
#[derive(Default)]
struct ReaderPreferring {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    readers: u32,
    writing: bool,
    writers_waiting: u32,
}

impl State {
    /// The policy: a new reader gets in whenever no writer is inside, even while one waits.
    fn admits_a_reader(&self) -> bool {
        !self.writing
    }
}

impl ReaderPreferring {
    fn read(&self) {
        let mut s = self
            .changed
            .wait_while(self.state.lock().unwrap(), |s| !s.admits_a_reader())
            .unwrap();
        s.readers += 1;
    }

    fn read_done(&self) {
        let mut s = self.state.lock().unwrap();
        s.readers -= 1;
        if s.readers == 0 {
            self.changed.notify_all();
        }
    }

    fn write(&self) {
        let mut s = self.state.lock().unwrap();
        s.writers_waiting += 1;
        // Waits for a moment with no reader inside, which a stream of readers may never give.
        let mut s = self
            .changed
            .wait_while(s, |s| s.writing || s.readers > 0)
            .unwrap();
        s.writers_waiting -= 1;
        s.writing = true;
    }

    fn write_done(&self) {
        self.state.lock().unwrap().writing = false;
        self.changed.notify_all();
    }
}

/// The two locks behind one interface, so that the readers and the writer are the same code.
enum Lock {
    Simple(ReaderPreferring),
    Fair(parking_lot::RwLock<()>),
}

impl Lock {
    fn with_read(&self, f: impl FnOnce()) {
        match self {
            Lock::Simple(l) => {
                l.read();
                f();
                l.read_done();
            }
            Lock::Fair(l) => {
                let _guard = l.read();
                f();
            }
        }
    }

    fn with_write(&self, f: impl FnOnce()) {
        match self {
            Lock::Simple(l) => {
                l.write();
                f();
                l.write_done();
            }
            Lock::Fair(l) => {
                let _guard = l.write();
                f();
            }
        }
    }
}

struct Run {
    reads: u64,
    writes: u32,
    overtakes: u64, // reads let in after the writer asked, before it got in
    longest_wait: Duration,
}

fn run(lock: &Lock, args: &Args) -> Result<Run, String> {
    let (reading, asking) = (&AtomicBool::new(true), &AtomicBool::new(false));
    let (reads, overtakes, writes) = (&AtomicU64::new(0), &AtomicU64::new(0), &AtomicU64::new(0));
    let hold = Duration::from_millis(args.hold_ms);
    thread::scope(|s| {
        let readers: Vec<_> = (0..args.readers)
            .map(|i| {
                s.spawn(move || {
                    // Stagger the readers so that their reads overlap instead of lining up.
                    thread::sleep(hold * i / args.readers);
                    while reading.load(Ordering::Relaxed) {
                        // A read that starts after the writer asked and gets in before that
                        // write is done has overtaken the writer: counted, not timed.
                        let writes_before = writes.load(Ordering::SeqCst);
                        let writer_asked = asking.load(Ordering::SeqCst);
                        lock.with_read(|| thread::sleep(hold));
                        if writer_asked && writes.load(Ordering::SeqCst) == writes_before {
                            overtakes.fetch_add(1, Ordering::Relaxed);
                        }
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let writer = s.spawn(move || {
            thread::sleep(Duration::from_millis(20)); // let the stream of readers start
            let mut waits = Vec::new();
            while reading.load(Ordering::Relaxed) {
                let asked = Instant::now();
                asking.store(true, Ordering::SeqCst);
                lock.with_write(|| {
                    asking.store(false, Ordering::SeqCst);
                    waits.push(asked.elapsed());
                    writes.fetch_add(1, Ordering::SeqCst);
                });
                thread::sleep(Duration::from_millis(10));
            }
            waits
        });
        thread::sleep(Duration::from_millis(args.duration_ms));
        reading.store(false, Ordering::Relaxed);
        let waits = writer.join().map_err(|_| "the writer's thread panicked");
        let joined: Vec<_> = readers.into_iter().map(|r| r.join()).collect(); // all joined first
        if joined.iter().any(Result::is_err) {
            return Err("a reader's thread panicked".to_string());
        }
        let waits = waits?;
        Ok(Run {
            reads: reads.load(Ordering::Relaxed),
            writes: waits.len() as u32,
            overtakes: overtakes.load(Ordering::Relaxed),
            longest_wait: waits.iter().copied().max().unwrap_or_default(),
        })
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // Shorter, and no read can start behind the waiting writer: the lesson could not show.
    let least = 20 + 2 * args.hold_ms;
    if args.duration_ms < least {
        return shared::cli::usage_error(format!(
            "--duration-ms {} is too short for reads of --hold-ms {}: the writer first asks at 20 ms, and a read can overtake it only by starting after that while another read is inside; use at least {least} or lower --hold-ms",
            args.duration_ms, args.hold_ms
        ));
    }
    // Two runs of --duration-ms: at most 20 s in all (and a note past ten times the default).
    let d = Args::parse_from(["starvation"]); // the defaults, from clap
    let ms = |a: &Args| 2 * u128::from(a.duration_ms);
    let what = "milliseconds of reading";
    if let Err(refused) = shared::cli::cap_work(what, ms(&args), ms(&d), 20_000, "--duration-ms") {
        return refused;
    }
    println!(
        "{} readers reading {} ms at a time for {} ms; one writer trying every 10 ms:",
        args.readers, args.hold_ms, args.duration_ms
    );
    let simple_lock = || Lock::Simple(ReaderPreferring::default());
    let fair_lock = || Lock::Fair(parking_lot::RwLock::new(()));
    let (simple, fair) = (run(&simple_lock(), &args), run(&fair_lock(), &args));
    let policy = policy::what_a_new_reader_meets;
    let (simple, fair, (simple_first, kind, simple_policy), (.., fair_policy)) =
        match (simple, fair, policy(&simple_lock()), policy(&fair_lock())) {
            (Ok(simple), Ok(fair), Ok(simple_p), Ok(fair_p)) => (simple, fair, simple_p, fair_p),
            (Err(e), ..) | (_, Err(e), ..) | (.., Err(e), _) | (.., Err(e)) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
    let mut table = Table::new([
        "lock",
        "reads",
        "writes",
        "reads ahead of writer",
        "longest wait",
    ]);
    for (name, r) in [
        (format!("{kind} (simple)"), &simple),
        ("parking_lot RwLock (fair)".to_string(), &fair),
    ] {
        table.row([
            name,
            r.reads.to_string(),
            r.writes.to_string(),
            r.overtakes.to_string(),
            fmt_duration(r.longest_wait),
        ]);
    }
    print!("{table}");
    if fair.writes == 0 {
        eprintln!("error: the writer never got in, even with the fair lock");
        return ExitCode::FAILURE;
    }
    let writes = |n: u32| fmt_count(n, "write", "writes");
    let gaps = (simple.overtakes == 0 && simple_first)
        .then_some(" (the readers left gaps this run, so none overtook it: try more --readers)");
    println!(
        "the writer was overtaken by {} reads and waited up to {} with the {kind} lock ({}){}; by {} reads and up to {} with the fair one ({})",
        simple.overtakes,
        fmt_duration(simple.longest_wait),
        writes(simple.writes),
        gaps.unwrap_or_default(),
        fair.overtakes,
        fmt_duration(fair.longest_wait),
        writes(fair.writes)
    );
    println!(
        "a reader inside, the writer waiting, a new reader arrives: the {kind} lock {simple_policy}; the fair lock {fair_policy}"
    );
    ExitCode::SUCCESS
}
