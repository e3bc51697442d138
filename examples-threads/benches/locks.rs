//! Lock throughput under contention: 1, 2 and 4 threads each adding 1 to one shared counter,
//! as fast as they can, behind std's `Mutex`, parking_lot's `Mutex`, and (for scale) with no
//! lock at all through an `AtomicU64`.
//!
//! divan runs the body on every thread at once; its time is per addition per thread, so the
//! throughput of all threads together is threads / time. On this 2-core machine, 4 threads
//! also measure what happens when a lock holder is descheduled.
//!
//! Run: `cargo bench -p examples-threads --bench locks`

use std::sync::atomic::{AtomicU64, Ordering};

fn main() {
    divan::main();
}

static STD: std::sync::Mutex<u64> = std::sync::Mutex::new(0);
static PARKING_LOT: parking_lot::Mutex<u64> = parking_lot::Mutex::new(0);
static ATOMIC: AtomicU64 = AtomicU64::new(0);

#[divan::bench(threads = [1, 2, 4])]
fn std_mutex() {
    *divan::black_box(&STD).lock().unwrap() += 1;
}

#[divan::bench(threads = [1, 2, 4])]
fn parking_lot_mutex() {
    *divan::black_box(&PARKING_LOT).lock() += 1;
}

#[divan::bench(threads = [1, 2, 4])]
fn atomic_fetch_add() {
    divan::black_box(&ATOMIC).fetch_add(1, Ordering::Relaxed);
}
