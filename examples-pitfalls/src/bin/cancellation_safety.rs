//! Cancellation safety: `select!` drops the losing branch's future, and whatever it held.
//!
//! `tokio::select!` waits on several futures and runs the branch of the first to finish; the
//! others are dropped, mid-way. That is harmless for a future that has done nothing
//! irreversible yet (`mpsc::Receiver::recv` is documented as cancel-safe), and a data-loss bug
//! for one that has: here `recv_pair` receives one message, then awaits a second; when the
//! ticker's branch wins in between, the first message is dropped with the future. A producer
//! sends `--messages` numbers, one every 10 ms; the consumer loops on `select!` between
//! `recv_pair` and a 15 ms ticker. The runtime's clock is paused (tokio's test-util), so the
//! timers fire in the same order on every run: the loss is certain, not a matter of load. The
//! fix keeps the partial state outside the future: receive one message per `select!` (a
//! cancel-safe operation) into a buffer, and take pairs from the buffer.
//!
//! Run:
//!   cargo run -p examples-pitfalls --bin cancellation_safety
//!   cargo run -p examples-pitfalls --bin cancellation_safety -- --messages 100
//!
//! You will see: the racy consumer missing a share of the numbers (the first six of them
//! listed), the fixed one receiving every number exactly once, in order; both saw the ticker
//! fire as often.
//!
//! Python: `asyncio.wait_for(read_pair(), timeout)` or `asyncio.wait(..., FIRST_COMPLETED)`
//! followed by cancelling the rest: a coroutine cancelled after its first `await queue.get()`
//! loses that item the same way.
//!
//! Try this: change `TICK` to 25 ms (fewer losses, still some); the other standard fix: keep
//! the racy `recv_pair`, create it once outside the loop, `tokio::pin!` it, select on `&mut`
//! it, and start the next one (`fut.set(...)`) only when it completes. For that, `recv_pair`
//! must own the receiver and hand it back with the pair (`mut rx: Receiver<u64>` in,
//! `(Receiver<u64>, Option<Vec<u64>>)` out): a future that borrows `&mut rx` cannot be
//! replaced by one that borrows it again (E0499). No number is lost then, and the program
//! says the racy consumer lost none (exit status 1: the demo no longer shows the bug).
//!
//! Copy it out: `cargo xtask copy-out cancellation_safety DIR` writes it as a crate of its own
//! (with `src/support/`: cli, table), with:
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
use std::time::Duration;

use clap::Parser;
use shared::Table;
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval, sleep};

#[derive(Parser, Debug)]
#[command(about = "select! drops a future that holds a received message; the cancel-safe fix")]
struct Args {
    /// Numbers the producer sends, one every 10 ms (of the runtime's paused clock).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    messages: u64,
}

/// NOT cancel-safe: after the first `recv` completes, the message lives only inside this
/// future. Dropping the future at the second `.await` drops the message.
async fn recv_pair(rx: &mut mpsc::Receiver<u64>) -> Option<Vec<u64>> {
    let first = rx.recv().await?;
    let second = rx.recv().await; // <- a select! that picks another branch drops `first` here
    Some([Some(first), second].into_iter().flatten().collect())
}

/// The ticker that races the consumer's receive in each `select!`.
const TICK: Duration = Duration::from_millis(15);

/// What a consumer got: the numbers in order received, and how often the ticker fired.
struct Got {
    numbers: Vec<u64>,
    ticks: u32,
}

async fn consume(mut rx: mpsc::Receiver<u64>, cancel_safe: bool) -> Got {
    let mut ticker = interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut got = Got {
        numbers: Vec::new(),
        ticks: 0,
    };
    let mut buffer = Vec::new();
    loop {
        if cancel_safe {
            // CHANGED: one cancel-safe recv per select!; partial pairs wait in `buffer`, which
            // lives outside the future and survives whichever branch wins.
            tokio::select! {
                message = rx.recv() => match message {
                    Some(n) => {
                        buffer.push(n);
                        if buffer.len() == 2 {
                            got.numbers.append(&mut buffer);
                        }
                    }
                    None => {
                        got.numbers.append(&mut buffer);
                        return got;
                    }
                },
                _ = ticker.tick() => got.ticks += 1,
            }
        } else {
            tokio::select! {
                pair = recv_pair(&mut rx) => match pair {
                    Some(mut pair) => got.numbers.append(&mut pair),
                    None => return got,
                },
                _ = ticker.tick() => got.ticks += 1,
            }
        }
    }
}

fn run(messages: u64, cancel_safe: bool) -> Result<Got, String> {
    // A paused clock: time advances only when every task is waiting on a timer, so the
    // interleaving of producer and ticker is the same on every run and every machine.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let (tx, rx) = mpsc::channel(16);
        let producer = tokio::spawn(async move {
            for n in 1..=messages {
                sleep(Duration::from_millis(10)).await;
                if tx.send(n).await.is_err() {
                    return;
                }
            }
        });
        let got = consume(rx, cancel_safe).await;
        producer
            .await
            .map_err(|e| format!("the producer failed: {e}"))?;
        Ok(got)
    })
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // On the paused clock the 10 ms waits cost no time: the run's time is the messages, twice
    // over, about 2 s for the largest --messages in a release build here (more in debug). A run
    // above ten times the default's messages says so before it starts.
    let d = Args::parse_from(["cancellation_safety"]); // the defaults, from clap
    let (what, max) = ("messages", 1_000_000);
    let work = |a: &Args| u128::from(a.messages);
    if let Err(refused) = shared::cli::cap_work(what, work(&args), work(&d), max, "--messages") {
        return refused;
    }
    println!(
        "a producer sends 1..={} every 10 ms; the consumer select!s between receiving a pair and a {} ms ticker:",
        args.messages,
        TICK.as_millis()
    );
    let (racy, fixed) = match (run(args.messages, false), run(args.messages, true)) {
        (Ok(r), Ok(f)) => (r, f),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let expected: Vec<u64> = (1..=args.messages).collect();
    let missing = |got: &Got| -> Vec<u64> {
        let mut seen = vec![false; expected.len() + 1];
        for &n in &got.numbers {
            seen[n as usize] = true;
        }
        expected
            .iter()
            .copied()
            .filter(|&n| !seen[n as usize])
            .collect()
    };
    let mut table = Table::new(["consumer", "received", "lost", "ticks", "first lost"]);
    for (name, got) in [
        ("recv_pair in select! (not cancel-safe)", &racy),
        ("recv + buffer (cancel-safe)", &fixed),
    ] {
        let lost = missing(got);
        let shown: Vec<String> = lost.iter().take(6).map(u64::to_string).collect();
        table.row([
            name.to_string(),
            got.numbers.len().to_string(),
            lost.len().to_string(),
            got.ticks.to_string(),
            if lost.is_empty() {
                "-".into()
            } else {
                shown.join(", ")
            },
        ]);
    }
    print!("{table}");
    let racy_lost = missing(&racy).len();
    if fixed.numbers != expected {
        eprintln!("error: the cancel-safe consumer lost or reordered messages");
        return ExitCode::FAILURE;
    }
    if racy_lost == 0 {
        eprintln!("error: the racy consumer lost none: the demo did not show the bug");
        return ExitCode::FAILURE;
    }
    println!(
        "dropping a half-finished recv_pair lost {racy_lost} of {} messages; the cancel-safe consumer got all of them, in order",
        args.messages
    );
    ExitCode::SUCCESS
}
