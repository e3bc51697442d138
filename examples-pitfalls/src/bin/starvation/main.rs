//! Starvation: a writer that never gets in, because readers keep the lock busy.
//!
//! A readers-writer lock lets many readers in together, or one writer alone. The simplest one
//! lets a new reader in whenever other readers are inside, even while a writer waits. With
//! readers arriving in a steady stream, the reader count never drops to zero and the writer
//! waits as long as the stream lasts: nobody is deadlocked, everyone else progresses, and one
//! thread gets nothing. Here `--readers` threads read for `--hold-ms` at a time, back to back,
//! for `--duration-ms`, while a writer tries to update every 10 ms. First with that simple
//! reader-preferring lock (written out below), then with parking_lot's `RwLock`, whose
//! task-fair policy stops new readers from overtaking a waiting writer.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin starvation
//!   cargo run -p examples-pitfalls --bin starvation -- --readers 8 --duration-ms 1000
//!
//! You will see: with the reader-preferring lock, hundreds of reads let in ahead of the waiting
//! writer, which waits about the whole `--duration-ms` and completes one or two writes; with
//! parking_lot's fair lock, none (or a read already on its way in), a wait of about one read
//! and a write every 10 ms or so; the readers read about as often either way. Then the policy
//! step by step: a reader inside, the writer waiting, a new reader is let in ahead (simple) or
//! made to wait (fair).
//!
//! Python: the standard library has no readers-writer lock; the usual hand-written one built
//! from a `threading.Condition` and a reader count is exactly the reader-preferring kind, with
//! the same starvation.
//!
//! Try this: `--readers 1` (the count reaches zero between reads: no starvation); make the
//! hand-written lock writer-preferring by refusing new readers while `writers_waiting > 0`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Condvar, Mutex};
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

    /// Whether a new reader would get in right now, without waiting.
    fn lets_a_reader_in(&self) -> bool {
        match self {
            Lock::Simple(l) => l.state.lock().unwrap().admits_a_reader(),
            Lock::Fair(l) => l.try_read().is_some(), // (comes in, and leaves at once)
        }
    }

    /// Whether a writer waits at the lock (or is inside).
    fn writer_waiting(&self) -> bool {
        match self {
            Lock::Simple(l) => l.state.lock().unwrap().writers_waiting > 0,
            // parking_lot cannot be asked, but it refuses an upgradable read exactly then (and
            // while another upgradable read is held, which nothing here takes).
            Lock::Fair(l) => l.try_upgradable_read().is_none(),
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

fn run(lock: &Lock, args: &Args) -> Run {
    let (reading, asking) = (&AtomicBool::new(true), &AtomicBool::new(false));
    let (reads, overtakes, writes) = (&AtomicU64::new(0), &AtomicU64::new(0), &AtomicU64::new(0));
    let hold = Duration::from_millis(args.hold_ms);
    thread::scope(|s| {
        for i in 0..args.readers {
            s.spawn(move || {
                // Stagger the readers so that their reads overlap instead of lining up.
                thread::sleep(hold * i / args.readers);
                while reading.load(Ordering::Relaxed) {
                    // A read that starts after the writer asked and gets in before that write is
                    // done has overtaken the writer: counted, not timed.
                    let writes_before = writes.load(Ordering::SeqCst);
                    let writer_asked = asking.load(Ordering::SeqCst);
                    lock.with_read(|| thread::sleep(hold));
                    if writer_asked && writes.load(Ordering::SeqCst) == writes_before {
                        overtakes.fetch_add(1, Ordering::Relaxed);
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
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
        let waits = writer.join().unwrap_or_default();
        Run {
            reads: reads.load(Ordering::Relaxed),
            writes: waits.len() as u32,
            overtakes: overtakes.load(Ordering::Relaxed),
            longest_wait: waits.iter().copied().max().unwrap_or_default(),
        }
    })
}

/// The policy, one step at a time: a reader inside, the writer waiting behind it, then a new
/// reader. Returns whether the lock let the new reader in ahead of the waiting writer.
fn new_reader_goes_first(lock: &Lock) -> bool {
    let (inside, leave) = (Barrier::new(2), Barrier::new(2));
    thread::scope(|s| {
        s.spawn(|| {
            lock.with_read(|| {
                inside.wait();
                leave.wait();
            })
        });
        inside.wait(); // the first reader is inside
        s.spawn(|| lock.with_write(|| {}));
        while !lock.writer_waiting() {
            thread::sleep(Duration::from_millis(1)); // until the writer waits at the lock
        }
        let went_first = lock.lets_a_reader_in();
        leave.wait(); // the first reader leaves, and the writer gets in
        went_first
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let simple_lock = || Lock::Simple(ReaderPreferring::default());
    let fair_lock = || Lock::Fair(parking_lot::RwLock::new(()));
    let (simple, fair) = (run(&simple_lock(), &args), run(&fair_lock(), &args));

    println!(
        "{} readers reading {} ms at a time for {} ms; one writer trying every 10 ms:",
        args.readers, args.hold_ms, args.duration_ms
    );
    let mut table = Table::new([
        "lock",
        "reads",
        "writes",
        "reads ahead of writer",
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
            r.overtakes.to_string(),
            fmt_duration(r.longest_wait),
        ]);
    }
    print!("{table}");
    if fair.writes == 0 {
        eprintln!("error: the writer never got in, even with the fair lock");
        return ExitCode::FAILURE;
    }
    let gaps = match simple.overtakes {
        0 => " (the readers left gaps this run, so none overtook it: try more --readers)",
        _ => "",
    };
    println!(
        "the writer was overtaken by {} reads and waited up to {} with the reader-preferring lock ({} writes){gaps}; by {} reads and up to {} with the fair one ({} writes)",
        simple.overtakes,
        fmt_duration(simple.longest_wait),
        simple.writes,
        fair.overtakes,
        fmt_duration(fair.longest_wait),
        fair.writes
    );
    let policy = |lock: &Lock| match new_reader_goes_first(lock) {
        true => "lets it in ahead of the writer",
        false => "makes it wait behind the writer",
    };
    println!(
        "a reader inside, the writer waiting, a new reader arrives: the reader-preferring lock {}; the fair lock {}",
        policy(&simple_lock()),
        policy(&fair_lock())
    );
    ExitCode::SUCCESS
}
