//! Check then act: two withdrawals both pass the balance check, and the account goes negative.
//!
//! Time of check to time of use: a thread checks a condition ("is there enough money?") and
//! acts on it ("take it"), but the world changes in between. Every single step here is locked,
//! so there is no data race, and Rust is satisfied; the bug is that the lock is released
//! between the check and the act. First a forced run: two clerks check a balance of 100, wait
//! for each other at a barrier, then both withdraw 80. Then the fix, holding the lock across
//! check and act, under the same two clerks. Then `--trials` free-running trials where
//! `--threads` threads withdraw 1 at a time until refused. The loom model checks every
//! interleaving of two withdrawals.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin check_then_act
//!   cargo run --release -p examples-pitfalls --bin check_then_act -- --threads 8 --balance 100000
//!
//! You will see: the forced run ending at a balance of -60 with both withdrawals approved; the
//! fix approving exactly one and ending at 20; a table where the racy version pays out more
//! than the starting balance in some of the free trials (the race can only bite at the very
//! end, when the last units are left, so how many is up to the scheduler, and may be none),
//! and the fix pays out exactly the balance every time.
//!
//! Python: `if account.balance >= amount: account.withdraw(amount)` with a lock inside each
//! method; the fix is one `with account.lock:` around both. The guide's "race conditions:
//! multiple threads accessing shared resources simultaneously".
//!
//! Try this: in `withdraw`, replace `pause();` with `drop(balance); pause(); let mut balance =
//! self.balance.lock().unwrap();` (the lock released in the gap) and watch the fix overdraw
//! like the racy version, and the program report it as an error; model-check both versions with
//! `RUSTFLAGS="--cfg pitfalls_loom" cargo test -p examples-pitfalls --bin check_then_act --release --target-dir target/loom`.
//!
//! Copy it out: `cargo xtask copy-out check_then_act DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! [target.'cfg(pitfalls_loom)'.dependencies]
//! loom = "0.7"
//! ```

use std::process::ExitCode;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use clap::Parser;
use shared::{Table, fmt_count};

#[cfg(pitfalls_loom)]
use loom::sync::Mutex;
#[cfg(not(pitfalls_loom))]
use std::sync::Mutex;

#[derive(Parser, Debug)]
#[command(about = "Check-then-act: an overdraft made certain, the fix, and free-running trials")]
struct Args {
    /// Threads withdrawing at once in each trial (two or more: a second thread must withdraw
    /// between one thread's check and its act).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=256))]
    threads: u32,
    /// Starting balance in each trial; the threads withdraw 1 at a time until refused (1000 or
    /// more: with less, the first thread can empty it before the others start).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(i64).range(1_000..=100_000_000))]
    balance: i64,
    /// How many trials of each version.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    trials: u32,
}

struct Account {
    balance: Mutex<i64>,
}

impl Account {
    fn new(balance: i64) -> Self {
        Account {
            balance: Mutex::new(balance),
        }
    }

    fn balance(&self) -> i64 {
        *self.balance.lock().unwrap()
    }

    /// The bug: the check and the act each take the lock, and release it in between.
    /// `pause` runs in that gap (a barrier in the forced run, nothing otherwise).
    fn withdraw_racy(&self, amount: i64, pause: impl Fn()) -> bool {
        if self.balance() >= amount {
            pause();
            *self.balance.lock().unwrap() -= amount;
            true
        } else {
            false
        }
    }

    /// The fix: one guard from the check to the act. `pause` runs while it is held.
    fn withdraw(&self, amount: i64, pause: impl Fn()) -> bool {
        // exercise check_then_act {
        let mut balance = self.balance.lock().unwrap();
        if *balance >= amount {
            pause();
            *balance -= amount;
            true
        } else {
            false
        }
        // exercise check_then_act }
    }
}

/// Two clerks withdraw 80 from 100 at once; returns (approved withdrawals, final balance).
fn two_clerks(racy: bool) -> Result<(usize, i64), String> {
    let account = Account::new(100);
    let both_checked = Barrier::new(2);
    let approved = thread::scope(|s| {
        let clerks: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    if racy {
                        // Both clerks pass the check before either withdraws: certain.
                        account.withdraw_racy(80, || {
                            both_checked.wait();
                        })
                    } else {
                        // A barrier here would deadlock (the other clerk waits for the lock),
                        // so the pause is a sleep: long, but the other clerk cannot get in.
                        account.withdraw(80, || thread::sleep(Duration::from_millis(20)))
                    }
                })
            })
            .collect();
        // A clerk that panicked is an error, not a refusal.
        let approved: Result<Vec<bool>, _> = clerks.into_iter().map(|c| c.join()).collect();
        approved.map_err(|_| "a clerk's thread panicked".to_string())
    })?;
    Ok((approved.iter().filter(|&&ok| ok).count(), account.balance()))
}

/// `threads` threads withdraw 1 until refused; returns the total paid out.
fn trial(threads: u32, balance: i64, racy: bool) -> Result<i64, String> {
    let account = Account::new(balance);
    let start = Barrier::new(threads as usize);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let mut paid = 0;
                    loop {
                        let ok = if racy {
                            account.withdraw_racy(1, || {})
                        } else {
                            account.withdraw(1, || {})
                        };
                        if !ok {
                            return paid;
                        }
                        paid += 1;
                    }
                })
            })
            .collect();
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect(); // all joined first
        let paid: Result<Vec<i64>, _> = joined.into_iter().collect();
        let paid = paid.map_err(|_| "a withdrawing thread panicked")?;
        Ok(paid.iter().sum())
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The cap on run time (a thread start costs about 5,000 withdrawals here): the largest run
    // takes about 12 s in release, short enough for a table that comes at the end. A refusal
    // names only the flags that, lowered alone to their least, bring the run under the cap
    // (one trial of the largest sizes fits, so --trials always does).
    let d = Args::parse_from(["check_then_act"]); // the defaults, from clap
    let work = |threads: u32, balance: i64, trials: u32| {
        2 * u128::from(trials) * (balance as u128 + 5_000 * u128::from(threads))
    };
    let this = work(args.threads, args.balance, args.trials);
    let (default, cap) = (work(d.threads, d.balance, d.trials), 500_000_000);
    let least = [
        ("--threads", work(2, args.balance, args.trials)),
        ("--balance", work(args.threads, 1_000, args.trials)),
        ("--trials", work(args.threads, args.balance, 1)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    let what = "withdrawals (a thread start counted as 5,000)";
    if let Err(refused) = shared::cli::cap_work(what, this, default, cap, &lower) {
        return refused;
    }
    let trials = fmt_count(args.trials, "trial", "trials");
    let ((racy_ok, racy_balance), (fixed_ok, fixed_balance)) =
        match (two_clerks(true), two_clerks(false)) {
            (Ok(racy), Ok(fixed)) => (racy, fixed),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
    println!(
        "1. two clerks withdraw 80 from a balance of 100 at the same moment:\n   check, then act (lock released between): {racy_ok} approved, balance {racy_balance}\n   lock held across check and act:          {fixed_ok} approved, balance {fixed_balance}"
    );
    println!(
        "\n2. {trials}: {} threads withdraw 1 at a time from {} until refused",
        args.threads, args.balance
    );
    let mut table = Table::new([
        "version",
        "overdrawn trials",
        "paid out (max)",
        "starting balance",
    ]);
    let (mut racy_overdrafts, mut fix_exact) = (0, true);
    for racy in [true, false] {
        let paid: Result<Vec<i64>, String> = (0..args.trials)
            .map(|_| trial(args.threads, args.balance, racy))
            .collect();
        let Ok(paid) = paid.map_err(|e| eprintln!("error: {e}")) else {
            return ExitCode::FAILURE;
        };
        let overdrawn = paid.iter().filter(|&&p| p > args.balance).count();
        if racy {
            racy_overdrafts = overdrawn;
        } else {
            fix_exact = paid.iter().all(|&p| p == args.balance);
        }
        let name = if racy {
            "check, then act"
        } else {
            "lock across both"
        };
        table.row([
            name.to_string(),
            format!("{overdrawn} of {}", args.trials),
            paid.iter().max().copied().unwrap_or(0).to_string(),
            args.balance.to_string(),
        ]);
    }
    print!("{table}");
    // Name what failed: the fix (the Try-this makes it racy again), or the forced overdraft.
    if (fixed_ok, fixed_balance) != (1, 20) || !fix_exact {
        eprintln!("error: the fix overdrew or paid out less than the balance (see above)");
        return ExitCode::FAILURE;
    } else if (racy_ok, racy_balance) != (2, -60) {
        eprintln!("error: the forced run did not overdraw: the demo did not show the bug");
        return ExitCode::FAILURE;
    }
    println!(
        "check-then-act overdrew the account in the forced run and in {racy_overdrafts} of {}; holding the lock across both never did",
        fmt_count(args.trials, "free trial", "free trials")
    );
    ExitCode::SUCCESS
}

/// Two withdrawals of 80 from 100 in every interleaving loom can produce.
#[cfg(all(test, pitfalls_loom))]
mod loom_models {
    use super::*;
    use loom::sync::Arc;

    fn final_balance(racy: bool) -> i64 {
        let account = Arc::new(Account::new(100));
        let other = Arc::clone(&account);
        let withdraw = move |a: &Account| {
            if racy {
                a.withdraw_racy(80, || {})
            } else {
                a.withdraw(80, || {})
            }
        };
        let t = loom::thread::spawn(move || withdraw(&other));
        withdraw(&account);
        t.join().unwrap();
        account.balance()
    }

    #[test]
    fn loom_finds_the_overdraft() {
        static OVERDRAWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        loom::model(|| {
            let balance = final_balance(true);
            if balance < 0 {
                OVERDRAWN.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            assert!(balance == 20 || balance == -60);
        });
        assert!(OVERDRAWN.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn loom_proves_the_fix() {
        loom::model(|| assert_eq!(final_balance(false), 20));
    }
}
