//! Async channels: tokio's four kinds, and flume bridging a blocking thread to async code.
//!
//! Message passing is the guide's advice for sharing data safely; in async code the channel's
//! `send` and `recv` are `.await` points, so waiting for room or for a message parks the task,
//! not the thread. Each kind has its job: `mpsc` for a stream of work (bounded, so a fast
//! producer waits for a slow consumer: backpressure), `oneshot` for one reply to one request,
//! `broadcast` for every subscriber to see every message (a subscriber that falls behind is
//! told how many it missed), `watch` for the latest value only (configuration, status). And
//! flume, whose channels have both blocking and async ends, connects a plain thread (a
//! blocking library, a file reader) to async code.
//!
//! Run:
//!   cargo run -p examples-async --bin async_channels
//!   cargo run -p examples-async --bin async_channels -- --messages 1000 --capacity 4
//!
//! You will see: how often the mpsc producer had to wait for room, and the sum received; a
//! request answered through a oneshot; three broadcast subscribers, two that keep up and a
//! slow one that reads only after everything was sent: it gets the last messages the channel
//! still holds (8 of 200 with the defaults) and is told how many it skipped; a watch reader,
//! slower than its writer, that wakes far fewer times than there were updates but always
//! ends on the last; and a thread's messages arriving in an async task through flume, all
//! checked.
//!
//! Python: `asyncio.Queue(maxsize=n)` for mpsc, an `asyncio.Future` for oneshot; there is no
//! built-in broadcast or watch; `janus` or `loop.call_soon_threadsafe` for the bridge.
//!
//! Try this: `--capacity 100`: the producer waits less often, and the slow subscriber misses
//! fewer (broadcast rounds 100 up to 128); `--capacity 10`: broadcast rounds its capacity up to
//! a power of two, so the slow one gets 16. One that leaves it fewer than 2 to miss is refused.
//!
//! Copy it out: `cargo xtask copy-out async_channels DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! flume = "0.12"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::sync::{Notify, broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

#[derive(Parser, Debug)]
#[command(
    about = "tokio mpsc (backpressure), oneshot, broadcast, watch, and a flume bridge from a thread"
)]
struct Args {
    /// Messages sent through each channel (10 or more: a few past the default capacity, so
    /// that the producer waits and the slow subscriber misses some).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    messages: u64,
    /// Capacity of the bounded channels (rounded up to a power of two for broadcast, whose
    /// buffer must stay at least 2 below --messages, itself at most 75,000: so 65536 at most).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    capacity: u64,
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // The consumer's sleep per message (about 1 ms: tokio's timers tick in milliseconds) sets
    // the run time: 75,000 messages take about two minutes.
    let held = args.capacity.next_power_of_two(); // held by broadcast: the slow one gets these
    if args.messages < held + 2 {
        return shared::cli::usage_error(format!(
            "--capacity {} (broadcast rounds it up to {held}) leaves the slow subscriber only \
             {} of --messages {} to miss (this program asks for 2 or more); lower --capacity \
             to {} or less, or send more --messages",
            args.capacity,
            args.messages.saturating_sub(held),
            args.messages,
            1u64 << (args.messages - 2).ilog2(),
        ));
    }
    let default = u128::from(Args::parse_from(["async_channels"]).messages);
    let work = u128::from(args.messages);
    if let Err(code) = shared::cli::cap_work("messages", work, default, 75_000, "--messages") {
        return code;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let expected: u64 = (1..=args.messages).sum();
    let checks = runtime.block_on(async {
        [
            ("mpsc", mpsc_backpressure(&args, expected).await),
            ("oneshot", oneshot_reply().await),
            ("broadcast", broadcast_all(&args).await),
            ("watch", watch_latest(&args).await),
            ("flume", flume_bridge(&args, expected).await),
        ]
    });
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| *n)
        .collect();
    if !failed.is_empty() {
        eprintln!(
            "error: {} of 5 channels failed their check: {}",
            failed.len(),
            failed.join(", ")
        );
        return ExitCode::FAILURE;
    }
    println!("every channel delivered what it promises");
    ExitCode::SUCCESS
}

/// mpsc, bounded: the producer is faster, so it waits for room; nothing is lost or reordered.
async fn mpsc_backpressure(args: &Args, expected: u64) -> bool {
    let n = args.messages;
    let (mut rx, producer) = spawn_producer(1..=n, args.capacity as usize);
    let (mut sum, mut in_order, mut last) = (0, true, 0);
    while let Some(v) = rx.recv().await {
        in_order &= v == last + 1;
        last = v;
        sum += v;
        // The slow consumer: tokio's timers round 200 us up to the next millisecond.
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let Ok(waited) = producer.await else {
        return false; // the producer panicked: a failed check, never a count of 0
    };
    let (capacity, waited) = (args.capacity, shared::fmt_count(waited, "time", "times"));
    println!(
        "mpsc (capacity {capacity}): {n} messages, sum {sum} (expected {expected}), in order: {in_order}; the producer waited for room {waited}"
    );
    sum == expected && in_order
}

/// Sends `messages` into a channel that holds at most `capacity`, so a producer faster than
/// its consumer waits for room (backpressure). The receiving end, and the producer's task,
/// which says how many times it found the channel full and waited.
fn spawn_producer(
    messages: impl Iterator<Item = u64> + Send + 'static,
    capacity: usize,
) -> (mpsc::Receiver<u64>, JoinHandle<u64>) {
    // exercise backpressure {
    let (tx, rx) = mpsc::channel(capacity);
    let producer = tokio::spawn(async move {
        let mut waited = 0;
        for message in messages {
            // try_send first, to count the times the channel was full.
            if let Err(mpsc::error::TrySendError::Full(m)) = tx.try_send(message) {
                waited += 1;
                if tx.send(m).await.is_err() {
                    break; // the consumer is gone
                }
            }
        }
        waited
    });
    (rx, producer)
    // exercise backpressure }
}

/// oneshot: one request, one reply, typed, to exactly one waiter.
async fn oneshot_reply() -> bool {
    let (reply_to, reply) = oneshot::channel::<u64>();
    let request = 12u64;
    tokio::spawn(async move {
        let _ = reply_to.send(request * request);
    });
    // No reply at all (the task panicked before sending) is a failed check, never a 0.
    let Ok(answer) = reply.await else {
        println!("oneshot: asked for {request} squared, got no reply: the replier dropped it");
        return false;
    };
    println!("oneshot: asked for {request} squared, got {answer}");
    answer == 144
}

/// broadcast: every subscriber sees every message, unless it falls behind the buffer.
async fn broadcast_all(args: &Args) -> bool {
    let (tx, _) = broadcast::channel::<u64>(args.capacity as usize);
    // The slow subscriber is busy elsewhere until everything is sent: by then the channel
    // holds only the newest messages, and it is told how many it missed.
    let all_sent = Arc::new(Notify::new());
    // Each fast one reports how many it has read; after each burst of `capacity` messages the
    // sender waits until both have read it all, so they keep up on any machine, however busy
    // (a pause would only make it likely). One that is gone (a panic) stops holding it up.
    let mut fast_read = Vec::new();
    let mut subscribers = Vec::new();
    for name in ["fast-1", "fast-2", "slow"] {
        let mut rx = tx.subscribe();
        let busy = (name == "slow").then(|| Arc::clone(&all_sent));
        let read = (name != "slow").then(|| {
            let (read, reads) = watch::channel(0u64);
            fast_read.push(reads);
            read
        });
        subscribers.push(tokio::spawn(async move {
            if let Some(sent) = busy {
                sent.notified().await;
            }
            let (mut got, mut skipped) = (0u64, 0u64);
            loop {
                match rx.recv().await {
                    Ok(_) => {
                        got += 1;
                        if let Some(read) = &read {
                            read.send_replace(got);
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => skipped += n,
                    Err(broadcast::error::RecvError::Closed) => break (name, got, skipped),
                }
            }
        }));
    }
    for i in 1..=args.messages {
        let _ = tx.send(i);
        if i % args.capacity == 0 {
            for reads in &mut fast_read {
                let _ = reads.wait_for(|&got| got >= i).await; // Err: that one is gone
            }
        }
    }
    drop(tx);
    all_sent.notify_one(); // stored if the slow one is not waiting yet: no lost wake-up
    let mut accounted = true;
    for s in subscribers {
        // A subscriber that panicked has accounted for nothing.
        let Ok((name, got, skipped)) = s.await else {
            accounted = false;
            continue;
        };
        println!("broadcast: subscriber {name} received {got}, was told it skipped {skipped}");
        // Every message is received or reported skipped; a fast one skips none.
        accounted &= got + skipped == args.messages && (name == "slow" || skipped == 0);
    }
    accounted
}

/// watch: only the latest value is kept; a slow reader sees fewer updates, never a stale end.
async fn watch_latest(args: &Args) -> bool {
    let (tx, mut rx) = watch::channel(0u64);
    let n = args.messages;
    // The writer sends in bursts of ten, pausing after each.
    let write = async move {
        for i in 1..=n {
            let _ = tx.send(i);
            if i % 10 == 0 {
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        }
    }; // `tx` is dropped here: the reader's `changed` then ends
    let read = async move {
        let mut seen = 0;
        while rx.changed().await.is_ok() {
            seen += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (seen, *rx.borrow())
    };
    // One task runs both (join!, no spawn), so the reader looks only between the writer's
    // bursts: at most one wake a burst, and always the burst's last value.
    let ((), (seen, last)) = tokio::join!(write, read);
    let (sent, woke) = (args.messages, shared::fmt_count(seen, "time", "times"));
    println!("watch: {sent} updates sent, the reader woke {woke} and ended on {last}");
    last == args.messages && seen <= args.messages.div_ceil(10)
}

/// flume: a blocking thread sends with plain `send`, an async task receives with `recv_async`.
async fn flume_bridge(args: &Args, expected: u64) -> bool {
    let (tx, rx) = flume::bounded::<u64>(args.capacity as usize);
    let n = args.messages;
    let thread = std::thread::spawn(move || {
        for i in 1..=n {
            if tx.send(i).is_err() {
                break; // blocks this thread when full: fine, it is not a runtime thread
            }
        }
    });
    let mut sum = 0;
    while let Ok(v) = rx.recv_async().await {
        sum += v;
    }
    let joined = thread.join().is_ok();
    println!(
        "flume: a blocking thread sent {n} messages to an async task, sum {sum} (expected {expected})"
    );
    joined && sum == expected
}
