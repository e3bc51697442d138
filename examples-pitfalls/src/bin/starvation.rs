//! Starvation: a writer that never gets in, because readers keep the lock busy.
//!
//! A readers-writer lock lets many readers in together, or one writer alone. The simplest one
//! lets a new reader in whenever other readers are inside, even while a writer waits. With
//! readers arriving in a steady stream, the reader count never drops to zero and the writer
//! waits as long as the stream lasts: nobody is deadlocked, everyone else progresses, and one
//! thread gets nothing. Here `--readers` threads read for `--hold-ms` at a time, back to back,
//! for `--duration-ms`, while a writer tries to update every 10 ms. First with that simple
//! reader-preferring lock (written out below, 40 lines), then with parking_lot's `RwLock`,
//! whose task-fair policy stops new readers from overtaking a waiting writer.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin starvation
//!   cargo run -p examples-pitfalls --bin starvation -- --readers 8 --duration-ms 1000
//!
//! You will see: with the reader-preferring lock, the writer's first write waits about the
//! whole `--duration-ms` (it gets in only when the readers stop) and it completes one or two
//! writes; with parking_lot's fair lock, it waits about one read at most and completes a write
//! every 10 ms or so. The readers read a similar number of times either way.
//!
//! Python: the standard library has no readers-writer lock; the usual hand-written one built
//! from a `threading.Condition` and a reader count is exactly the reader-preferring kind, with
//! the same starvation.
//!
//! Try this: `--readers 1` (the count reaches zero between reads: no starvation); make the
//! hand-written lock writer-preferring by refusing new readers while `writers_waiting > 0`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(about = "A writer starved by a stream of readers, then the same with a fair lock")]
struct Args {
    /// Reader threads reading back to back.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
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
struct ReaderPreferring {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    readers: u32,
    writing: bool,
}

impl ReaderPreferring {
    fn read(&self) {
        let mut s = self
            .changed
            .wait_while(self.state.lock().unwrap(), |s| s.writing)
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
        // Waits for a moment with no reader inside, which a stream of readers may never give.
        let mut s = self
            .changed
            .wait_while(self.state.lock().unwrap(), |s| s.writing || s.readers > 0)
            .unwrap();
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

/// What one run saw.
struct Run {
    reads: u64,
    writes: u32,
    first_wait: Duration,
    longest_wait: Duration,
}

fn run(lock: &Lock, args: &Args) -> Run {
    let reading = AtomicBool::new(true);
    let reads = AtomicU64::new(0);
    let hold = Duration::from_millis(args.hold_ms);
    thread::scope(|s| {
        for i in 0..args.readers {
            let (reading, reads) = (&reading, &reads);
            s.spawn(move || {
                // Stagger the readers so that their reads overlap instead of lining up.
                thread::sleep(hold * i / args.readers);
                while reading.load(Ordering::Relaxed) {
                    lock.with_read(|| thread::sleep(hold));
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let writer = s.spawn(|| {
            thread::sleep(Duration::from_millis(20)); // let the stream of readers start
            let mut waits = Vec::new();
            while reading.load(Ordering::Relaxed) {
                let asked = Instant::now();
                lock.with_write(|| waits.push(asked.elapsed()));
                thread::sleep(Duration::from_millis(10));
            }
            waits
        });
        thread::sleep(Duration::from_millis(args.duration_ms));
        reading.store(false, Ordering::Relaxed);
        let waits = writer.join().unwrap_or_default();
        Run {
            reads: reads.load(Ordering::Relaxed),
            writes: waits.len() as u32,
            first_wait: waits.first().copied().unwrap_or_default(),
            longest_wait: waits.iter().copied().max().unwrap_or_default(),
        }
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let simple = run(
        &Lock::Simple(ReaderPreferring {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }),
        &args,
    );
    let fair = run(&Lock::Fair(parking_lot::RwLock::new(())), &args);

    println!(
        "{} readers reading {} ms at a time for {} ms; one writer trying every 10 ms:",
        args.readers, args.hold_ms, args.duration_ms
    );
    let mut table = Table::new([
        "lock",
        "reads",
        "writes",
        "first write waited",
        "longest wait",
    ]);
    for (name, r) in [
        ("reader-preferring (simple)", &simple),
        ("parking_lot RwLock (fair)", &fair),
    ] {
        table.row([
            name.to_string(),
            r.reads.to_string(),
            r.writes.to_string(),
            fmt_duration(r.first_wait),
            fmt_duration(r.longest_wait),
        ]);
    }
    print!("{table}");
    if fair.writes == 0 {
        eprintln!("error: the writer never got in, even with the fair lock");
        return ExitCode::FAILURE;
    }
    println!(
        "the writer waited up to {} with the reader-preferring lock ({} writes) and up to {} with the fair one ({} writes)",
        fmt_duration(simple.longest_wait),
        simple.writes,
        fmt_duration(fair.longest_wait),
        fair.writes
    );
    ExitCode::SUCCESS
}
