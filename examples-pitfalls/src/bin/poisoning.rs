//! Poisoning: a thread panics while holding a lock, halfway through an update.
//!
//! A transfer moves money between two accounts inside one lock: debit, then credit. If the
//! thread panics between the two, the lock is released as the stack unwinds, and the data is
//! left half-updated: money has vanished. std's Mutex marks itself poisoned so that the next
//! `lock()` returns `Err(PoisonError)` instead of silently handing out broken data; the program
//! shows how to recover (take the guard out of the error with `into_inner()`, check and
//! repair the data through it, then `clear_poison()`). parking_lot's Mutex does not poison: the next lock just works, and the
//! broken invariant goes unnoticed unless you check it yourself.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin poisoning
//!   cargo run -p examples-pitfalls --bin poisoning -- --amount 250
//!
//! You will see: the panic message of the `transfer` thread on stderr (twice, once per
//! mutex); for std, `lock()` returning PoisonError, the total found short by `--amount`, the
//! repair, and a clean lock afterwards; for parking_lot, a lock that succeeds on the same
//! broken data, caught only by the program's own invariant check.
//!
//! Python: `threading.Lock` has no poisoning: `with lock:` releases on an exception, like
//! parking_lot, and the half-done update stays. The guide's "consider what happens when tasks
//! fail": a lock protects data from other threads, not from your own half-finished update.
//!
//! Try this: replace the `match accounts.lock() { ... }` with `accounts.lock().unwrap().total()`
//! and see the panic spread to the main thread, which only wanted to read the total; make
//! `transfer_that_fails` panic-safe by moving `self.alice -= amount;` below the `panic!` (the
//! failing step first, the change after it; the compiler warns that the moved line is
//! unreachable, which is the point): the thread still panics and std still poisons the lock,
//! but no money is lost and there is nothing to repair.
//!
//! Copy it out: `cargo xtask copy-out poisoning DIR` writes it as a crate of its own (with
//! `src/support/`: cli), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! parking_lot = { version = "0.13", features = ["deadlock_detection"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    about = "A panic while holding a lock: std's PoisonError and recovery, parking_lot's silence"
)]
struct Args {
    /// The amount the failing transfer debits before it panics.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=1_000_000))]
    amount: i64,
}

const START: i64 = 1_000;

#[derive(Debug, Clone, Copy)]
struct Accounts {
    alice: i64,
    bob: i64,
}

impl Accounts {
    fn total(&self) -> i64 {
        self.alice + self.bob
    }

    /// Debits, then fails before crediting: the half-done update the lesson is about.
    fn transfer_that_fails(&mut self, amount: i64) {
        self.alice -= amount;
        panic!("network error while crediting bob"); // the credit below never happens
    }
}

/// Runs `transfer` on a thread named "transfer"; returns whether it panicked (the lesson needs
/// it to), or the error that kept the thread from starting.
fn crash_in_a_thread(transfer: impl FnOnce() + Send) -> std::io::Result<bool> {
    thread::scope(|s| {
        let t = thread::Builder::new()
            .name("transfer".into())
            .spawn_scoped(s, transfer)?;
        Ok(t.join().is_err())
    })
}

fn cannot_start(e: std::io::Error) -> ExitCode {
    eprintln!("error: cannot start the transfer thread: {e}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    let fresh = Accounts {
        alice: START,
        bob: START,
    };
    let mut ok = true;
    println!(
        "alice and bob hold {START} each; a transfer thread moving {} from alice to bob panics before crediting bob, holding the lock:",
        args.amount
    );

    // std::sync::Mutex
    let accounts = Mutex::new(fresh);
    let crashed = match crash_in_a_thread(|| {
        accounts.lock().unwrap().transfer_that_fails(args.amount);
    }) {
        Ok(crashed) => crashed,
        Err(e) => return cannot_start(e),
    };
    println!("std Mutex: the transfer thread panicked while holding the lock: {crashed}");
    println!("  poisoned: {}", accounts.is_poisoned());
    // lock() now returns Err; the guard is still inside it, for whoever can repair the data.
    let total = match accounts.lock() {
        Ok(guard) => guard.total(),
        Err(poisoned) => {
            let mut guard = poisoned.into_inner();
            let found = guard.total();
            println!(
                "  lock() returned PoisonError; inside: alice {}, bob {}, total {found} (expected {})",
                guard.alice,
                guard.bob,
                2 * START
            );
            // Repair: check the invariant, and give back what the half-done transfer took
            // (the debit happened, the credit did not).
            guard.alice += 2 * START - found;
            found
        }
    };
    accounts.clear_poison();
    let after = accounts.lock().map(|g| g.total()).ok();
    match after {
        // `total` is what the panic left: the Try-this's panic-safe transfer leaves it whole.
        Some(now) if total == 2 * START => {
            println!("  nothing to repair; cleared: lock() is Ok again, total {now}")
        }
        Some(now) => println!("  repaired and cleared: lock() is Ok again, total {now}"),
        None => println!("  still poisoned after clear_poison()"),
    }
    let std_lost = 2 * START - total;
    ok &= crashed && after == Some(2 * START);

    // parking_lot::Mutex: the same panic, and no poisoning.
    let accounts = parking_lot::Mutex::new(fresh);
    let crashed = match crash_in_a_thread(|| accounts.lock().transfer_that_fails(args.amount)) {
        Ok(crashed) => crashed,
        Err(e) => return cannot_start(e),
    };
    let guard = accounts.lock(); // no Result: it just works
    println!("parking_lot Mutex: the transfer thread panicked while holding the lock: {crashed}");
    let parking_lot_lost = 2 * START - guard.total();
    println!(
        "  lock() succeeded, no error; inside: alice {}, bob {}, total {}: {}",
        guard.alice,
        guard.bob,
        guard.total(),
        // Computed, for the Try-this run whose panic comes before any change.
        if parking_lot_lost == 0 {
            "nothing is broken this time"
        } else {
            "only our own invariant check notices"
        }
    );
    ok &= crashed;

    if !ok {
        eprintln!(
            "error: a transfer thread did not panic, or the repair did not restore the total"
        );
        return ExitCode::FAILURE;
    }
    if std_lost == 0 && parking_lot_lost == 0 {
        println!(
            "the panic came before any change and lost nothing: std's Mutex still reported PoisonError (there was nothing to repair), parking_lot said nothing"
        );
    } else {
        println!(
            "a panic mid-update lost {std_lost} under std's Mutex and {parking_lot_lost} under parking_lot's; std's PoisonError made us look (and repair), parking_lot said nothing"
        );
    }
    ExitCode::SUCCESS
}
