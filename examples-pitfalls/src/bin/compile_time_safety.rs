//! Compile-time safety: the thread-safety bugs Rust refuses to build, in the compiler's words.
//!
//! The guide's challenges start with race conditions. A data race (two threads touching the
//! same memory at once, at least one writing, with no synchronisation) cannot be written in
//! safe Rust: the type system tracks which values may cross threads (`Send`), which may be
//! shared between them (`Sync`), and that a mutable borrow is unique. This program shows three
//! attempts and what the compiler said to each: two data races, and a lock's guard that could
//! be released on a thread other than the one that took it (not a data race, but something
//! some platforms' locks, POSIX's among them, do not allow: std's guard is not `Send`). The
//! cases are real files, and the messages are the `.stderr` files beside them: in the suite
//! "concurrency by example" they live in `examples-pitfalls/tests/compile_fail/`, where a
//! trybuild test checks them against a real compilation on every test run (a copy of this
//! program carries them in `src/included/`). Logic races built from safe parts still compile:
//! the suite's `race_condition`, `check_then_act` and `async_race` show them.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin compile_time_safety
//!   cargo run -p examples-pitfalls --bin compile_time_safety -- --full
//!
//! You will see: for each case, the idea, the code, the compiler's error headline (E0277 for
//! `Rc` sent to a thread, E0499 for two mutable borrows, "future cannot be sent between
//! threads safely" for a std guard across `.await`), and the fix; `--full` prints the whole
//! compiler output.
//!
//! Python: all three run. The first is safe there (CPython keeps its own reference counts
//! consistent across threads); the second, `counter += 1` from two threads, can lose updates
//! (often on older CPythons, rarely on 3.10+ with the GIL, readily on free-threaded ones); the
//! third hangs the event loop once a second task asks for the lock (the suite's
//! `mutex_across_await` shows it). Python finds the last two in production, if at all.
//!
//! Try this: copy a case into `src/bin/` and build it; apply the fix given for it and build
//! again.
//!
//! Copy it out: `cargo xtask copy-out compile_time_safety DIR` writes it as a crate of its own
//! (with `src/support/`: cli), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["macros", "rt", "rt-multi-thread", "sync", "test-util", "time"] }
//! ```

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Three thread-safety bugs that do not compile, with the compiler's messages")]
struct Args {
    /// Print the whole compiler output for each case, not just its headline.
    #[arg(long)]
    full: bool,
}

struct Case {
    title: &'static str,
    source: &'static str,
    compiler: &'static str,
    fix: &'static str,
}

const CASES: [Case; 3] = [
    Case {
        title: "An Rc sent to another thread",
        source: include_str!("../../tests/compile_fail/rc_to_thread.rs"),
        compiler: include_str!("../../tests/compile_fail/rc_to_thread.stderr"),
        fix: "use Arc, whose reference count is atomic: Arc<Vec<i32>> is Send and Sync",
    },
    Case {
        title: "One counter, two threads writing it",
        source: include_str!("../../tests/compile_fail/shared_mut.rs"),
        compiler: include_str!("../../tests/compile_fail/shared_mut.stderr"),
        fix: "share an AtomicU64 (fetch_add) or a Mutex<u64> by reference; both allow changes through &",
    },
    Case {
        title: "A std MutexGuard held across .await in a spawned task",
        source: include_str!("../../tests/compile_fail/guard_across_await.rs"),
        compiler: include_str!("../../tests/compile_fail/guard_across_await.stderr"),
        fix: "drop the guard before the .await (a block around the locked part), or use tokio::sync::Mutex",
    },
];

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    for (i, case) in CASES.iter().enumerate() {
        println!("{}. {}", i + 1, case.title);
        for line in case.source.lines() {
            println!("   | {line}");
        }
        let headline = case
            .compiler
            .lines()
            .next()
            .unwrap_or("(no output recorded)");
        println!("   compiler: {headline}");
        if args.full {
            for line in case.compiler.lines().skip(1) {
                println!("   {line}");
            }
        }
        println!("   fix: {}\n", case.fix);
    }
    println!(
        "{} thread-safety bugs (two data races, a guard sent to another thread) refused at compile time; the suite \"concurrency by example\" checks in its tests/compile_fail.rs that each still fails to build with these messages",
        CASES.len()
    );
    ExitCode::SUCCESS
}
