//! The prime workload of `parallel_cpu` and `compare` (trial division by odd numbers, primes
//! below 200,000), sequential, on std threads that take chunks from a shared counter, and on
//! a rayon pool of the same size: does the library cost anything over the hand-made split?
//!
//! Run: `cargo bench -p examples-threads --bench primes`

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

fn main() {
    divan::main();
}

const LIMIT: u64 = 200_000;
const PRIMES: u64 = 17_984; // below 200,000
const CHUNK: u64 = 1_000;

fn is_prime(n: u64) -> bool {
    if n < 4 {
        return n >= 2;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

#[divan::bench]
fn sequential() {
    let found = (0..divan::black_box(LIMIT))
        .filter(|&n| is_prime(n))
        .count() as u64;
    assert_eq!(found, PRIMES);
}

#[divan::bench(args = [1, 2, 4])]
fn std_threads(workers: u64) {
    let next = AtomicU64::new(0);
    let limit = divan::black_box(LIMIT);
    let found: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut found = 0;
                    loop {
                        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= limit {
                            return found;
                        }
                        let end = (start + CHUNK).min(limit);
                        found += (start..end).filter(|&n| is_prime(n)).count() as u64;
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(found, PRIMES);
}

/// The pool is built once, outside the timing, as a program would keep it.
#[divan::bench(args = [1, 2, 4])]
fn rayon(bencher: divan::Bencher, workers: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .unwrap();
    bencher.bench(|| {
        let limit = divan::black_box(LIMIT);
        let found = pool.install(|| (0..limit).into_par_iter().filter(|&n| is_prime(n)).count());
        assert_eq!(found as u64, PRIMES);
    });
}
