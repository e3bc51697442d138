//! Channel throughput: 1,000,000 `u64`s from 1 or 4 producer threads to one consumer thread,
//! through std's mpsc, crossbeam, flume and tokio's mpsc, unbounded and bounded (128 slots).
//!
//! Every channel is driven the same way, from OS threads: tokio's with `blocking_send` and
//! `blocking_recv`, which is how threads talk to async code (tokio's channel is built for
//! tasks; inside a runtime it costs a task switch rather than a thread wake-up). Each sample
//! includes starting and joining the producers (tens of microseconds, against milliseconds
//! of messages); shorter runs let producer and consumer take turns on one vCPU instead of
//! running at once, and their figures scattered tenfold.
//!
//! Run: `cargo bench -p examples-threads --bench channels`

use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const MESSAGES: u64 = 1_000_000;
const CAPACITY: usize = 128;

/// Starts `producers` threads that send `MESSAGES` in all through clones of `tx`, drops the
/// original so that the channel closes when they finish, and lets `drain` receive on this
/// thread until it does. Returns the sum, which is checked.
fn pump<S: Clone + Send>(producers: u64, tx: S, send: fn(&S, u64), drain: impl FnOnce() -> u64) {
    let sum = std::thread::scope(|s| {
        for p in 0..producers {
            let tx = tx.clone();
            s.spawn(move || {
                for i in (p..MESSAGES).step_by(producers as usize) {
                    send(&tx, i);
                }
            });
        }
        drop(tx);
        drain()
    });
    assert_eq!(sum, MESSAGES * (MESSAGES - 1) / 2);
}

mod unbounded {
    use super::*;

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn std_mpsc(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn crossbeam(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = crossbeam::channel::unbounded();
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn flume(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = flume::unbounded();
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn tokio_mpsc(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                move || {
                    let mut sum = 0;
                    while let Some(v) = rx.blocking_recv() {
                        sum += v;
                    }
                    sum
                },
            );
        });
    }
}

mod bounded {
    use super::*;

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn std_mpsc(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = std::sync::mpsc::sync_channel(CAPACITY);
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn crossbeam(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = crossbeam::channel::bounded(CAPACITY);
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn flume(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, rx) = flume::bounded(CAPACITY);
            pump(
                producers,
                tx,
                |tx, v| tx.send(v).unwrap(),
                || rx.iter().sum(),
            );
        });
    }

    #[divan::bench(args = [1, 4], sample_count = 20)]
    fn tokio_mpsc(bencher: Bencher, producers: u64) {
        bencher.counter(ItemsCount::new(MESSAGES)).bench(|| {
            let (tx, mut rx) = tokio::sync::mpsc::channel(CAPACITY);
            pump(
                producers,
                tx,
                |tx, v| tx.blocking_send(v).unwrap(),
                move || {
                    let mut sum = 0;
                    while let Some(v) = rx.blocking_recv() {
                        sum += v;
                    }
                    sum
                },
            );
        });
    }
}
