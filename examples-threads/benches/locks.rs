//! Lock throughput under contention: 1, 2 and 4 threads each adding 1 to one shared counter
//! 1,000,000 times, as fast as they can, behind std's `Mutex`, parking_lot's `Mutex`, and (for
//! scale) with no lock at all through an `AtomicU64`.
//!
//! Each sample starts the threads, lets them go together from a barrier and joins them; the
//! throughput is every thread's additions together. Runs must be long enough for the threads
//! to overlap: with divan's own `threads` option (short samples per thread), and with 100,000
//! additions per thread, 2 threads on this 2-vCPU VM took twice as long as 1 and every
//! variant looked uncontended: they had run one after the other. On this 2-core machine,
//! 4 threads also measure what happens when a lock holder is descheduled.
//!
//! Run: `cargo bench -p examples-threads --bench locks`

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};

use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

const PER_THREAD: u64 = 1_000_000;

/// `threads` threads each call `add` PER_THREAD times, all starting at once.
fn contend(threads: u64, add: impl Fn() + Sync) {
    let start = Barrier::new(threads as usize);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                for _ in 0..PER_THREAD {
                    add();
                }
            });
        }
    });
}

#[divan::bench(args = [1, 2, 4], sample_count = 20)]
fn std_mutex(bencher: Bencher, threads: u64) {
    let counter = std::sync::Mutex::new(0u64);
    bencher
        .counter(ItemsCount::new(threads * PER_THREAD))
        .bench(|| contend(threads, || *counter.lock().unwrap() += 1));
}

#[divan::bench(args = [1, 2, 4], sample_count = 20)]
fn parking_lot_mutex(bencher: Bencher, threads: u64) {
    let counter = parking_lot::Mutex::new(0u64);
    bencher
        .counter(ItemsCount::new(threads * PER_THREAD))
        .bench(|| contend(threads, || *counter.lock() += 1));
}

#[divan::bench(args = [1, 2, 4], sample_count = 20)]
fn atomic_fetch_add(bencher: Bencher, threads: u64) {
    let counter = AtomicU64::new(0);
    bencher
        .counter(ItemsCount::new(threads * PER_THREAD))
        .bench(|| contend(threads, || _ = counter.fetch_add(1, Ordering::Relaxed)));
}
