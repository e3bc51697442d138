//! Part 3: the stress loop, the everyday test for concurrent code. It finds a race only when
//! the scheduler happens to interleave the threads inside the race window; a `yield_now` in the
//! window invites it to, which is how a stress test is made to find more.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Instant;

use shared::{Table, fmt_count, fmt_duration};
use tracing::debug;

use crate::Args;

/// The racy increment with the window held open: a yield between read and write invites the
/// scheduler to run the other thread exactly there.
fn racy_increment(counter: &AtomicU64, widen: bool) {
    let seen = counter.load(Ordering::SeqCst);
    if widen {
        thread::yield_now();
    }
    debug!(seen, "increment");
    counter.store(seen + 1, Ordering::SeqCst);
}

fn fixed_increment(counter: &AtomicU64, widen: bool) {
    if widen {
        thread::yield_now();
    }
    counter.fetch_add(1, Ordering::SeqCst);
}

type Increment = fn(&AtomicU64, bool);

/// One stress trial: two threads released together by a barrier; returns the lost updates,
/// or an error if a thread panicked.
fn trial(increment: Increment, widen: bool, n: u64) -> Result<u64, String> {
    let counter = AtomicU64::new(0);
    let barrier = Barrier::new(2);
    thread::scope(|s| {
        let handles = [(); 2].map(|()| {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..n {
                    increment(&counter, widen);
                }
            })
        });
        let joined: Vec<_> = handles.into_iter().map(|h| h.join()).collect(); // all joined first
        if joined.iter().any(Result::is_err) {
            return Err("a stress thread panicked".to_string());
        }
        Ok(2 * n - counter.load(Ordering::SeqCst))
    })
}

/// Part 3: the stress loop, the everyday test for concurrent code.
pub fn stress(args: &Args) -> Result<(), String> {
    println!(
        "== 3. stress loop: {} of 2 threads x {} increments",
        fmt_count(args.trials, "trial", "trials"),
        args.increments
    );
    let variants: [(&str, Increment, bool); 3] = [
        ("load + store, plain", racy_increment, false),
        ("load + store, yield in the window", racy_increment, true),
        ("fetch_add, yield before it", fixed_increment, true),
    ];
    let mut table = Table::new([
        "variant",
        "failed trials",
        "first failure",
        "time, all trials",
    ]);
    let mut failed = Vec::new();
    for (name, increment, widen) in variants {
        let start = Instant::now();
        let (mut fails, mut first) = (0, None);
        for t in 1..=args.trials {
            if trial(increment, widen, args.increments)? > 0 {
                fails += 1;
                first.get_or_insert(t);
            }
        }
        failed.push(fails);
        table.row([
            name.to_string(),
            format!("{fails} of {}", args.trials),
            first.map_or("-".into(), |t| format!("trial {t}")),
            fmt_duration(start.elapsed()),
        ]);
    }
    print!("{table}");
    println!(
        "stress loops find races by chance: plain {} of {}, widened {} of {}, fixed {}; loom finds them every time:",
        failed[0], args.trials, failed[1], args.trials, failed[2]
    );
    println!(
        "  in the suite \"concurrency by example\", in its examples-pitfalls folder: RUSTFLAGS=\"--cfg pitfalls_loom\" cargo test --bins --release --target-dir target/loom -- loom_"
    );
    Ok(())
}
