//! Spawn and join: what one unit of concurrency costs to start and wait for, when it does
//! nothing at all. The same three as `process_memory` and `compare`'s "cost of one unit":
//!
//! - an async task: an empty future on a one-thread tokio runtime, spawned and awaited;
//! - a thread: an empty closure, spawned and joined;
//! - a process: `process_memory --wait`, which exits as soon as it finds its stdin closed,
//!   started and waited for (fork, exec, the dynamic loader, Rust's start-up, exit, reap).
//!
//! Run: `cargo bench -p examples-process --bench spawn`

use std::process::{Command, Stdio};

fn main() {
    divan::main();
}

#[divan::bench]
fn task(bencher: divan::Bencher) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    bencher.bench_local(|| rt.block_on(async { tokio::spawn(async {}).await.unwrap() }));
}

/// The same, without entering the runtime for each task: a batch of 1,000 inside one
/// `block_on`, which is how a program spawns (and what `process_memory` measures).
#[divan::bench]
fn task_in_batch(bencher: divan::Bencher) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    bencher
        .counter(divan::counter::ItemsCount::new(1_000usize))
        .bench_local(|| {
            rt.block_on(async {
                for _ in 0..1_000 {
                    tokio::spawn(async {}).await.unwrap();
                }
            })
        });
}

#[divan::bench]
fn thread() {
    std::thread::spawn(|| ()).join().unwrap();
}

#[divan::bench(sample_count = 50, sample_size = 4)]
fn process() {
    let status = Command::new(env!("CARGO_BIN_EXE_process_memory"))
        .arg("--wait")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}
