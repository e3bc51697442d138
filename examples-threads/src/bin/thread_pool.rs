//! Thread pools: a minimal one built from a channel, rayon, and crossbeam's work-stealing deques.
//!
//! Starting a thread per task costs tens of microseconds and memory; a pool starts a few
//! threads once and feeds them tasks. First the small version, to show how it works inside:
//! workers that take boxed closures from one shared channel. Then the libraries: rayon's
//! `par_iter` (and a `ThreadPool` of a chosen size), and crossbeam's deques, where each worker
//! keeps its own queue and steals from the others when it runs dry, which is how rayon and
//! tokio balance uneven work. All four compute the same checkable sum: the total number of
//! Collatz steps of 1..=`--limit`, an uneven workload.
//!
//! Run:
//!   cargo run --release -p examples-threads --bin thread_pool
//!   cargo run --release -p examples-threads --bin thread_pool -- --limit 3000000 --workers 2 --chunk 100
//!
//! You will see: the same total from the sequential loop and the four pools, their times
//! (each pool close to `--workers` times faster than sequential, up to the core count), and
//! how many batches of tasks the idle deque workers stole from the busy one.
//!
//! Python: `concurrent.futures.ThreadPoolExecutor(max_workers=w)` and `executor.submit(f)`;
//! for CPU work like this, `ProcessPoolExecutor`, because of the GIL (see `no_gil`).
//!
//! Try this: `--chunk 1` (scheduling overhead dominates: every step is a channel message) and
//! `--chunk 1000000` (too few tasks: one worker gets all the work); in `MiniPool`, let workers
//! hold the receiver's lock while running a job and see the pool become sequential.

use std::iter;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use crossbeam::deque::{Steal, Stealer, Worker};
use rayon::prelude::*;
use shared::{Table, fmt_duration, fmt_ratio};

#[derive(Parser, Debug)]
#[command(about = "A minimal thread pool, rayon, and work stealing, computing the same answer")]
struct Args {
    /// Sum the Collatz steps of 1..=limit.
    #[arg(long, default_value_t = 500_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    limit: u64,
    /// Threads in each pool (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    workers: Option<u32>,
    /// Numbers per task.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    chunk: u64,
}

/// Steps for n to reach 1 under the Collatz rule: small for most n, large for a few.
fn collatz_steps(mut n: u64) -> u64 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

fn steps_in(range: std::ops::Range<u64>) -> u64 {
    range.map(collatz_steps).sum()
}

/// The tasks: ranges of `chunk` numbers covering 1..=limit.
fn chunks(limit: u64, chunk: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
    (1..=limit)
        .step_by(chunk as usize)
        .map(move |start| start..(start + chunk).min(limit + 1))
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The smallest useful pool: `size` threads taking jobs from one channel.
struct MiniPool {
    jobs: Option<mpsc::Sender<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl MiniPool {
    fn new(size: u32) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        // std's Receiver has one owner: the workers share it behind a Mutex.
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..size)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || {
                    loop {
                        // The lock is released at the end of this statement, before the job
                        // runs, so other workers can take the next job meanwhile.
                        let job = queue.lock().unwrap().recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped: no more jobs
                        }
                    }
                })
            })
            .collect();
        MiniPool {
            jobs: Some(jobs),
            workers,
        }
    }

    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            // Fails only if every worker has died, which a panicking job would cause.
            let _ = jobs.send(Box::new(job));
        }
    }
}

impl Drop for MiniPool {
    fn drop(&mut self) {
        drop(self.jobs.take()); // close the channel: workers finish the queue, then exit
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn mini_pool(limit: u64, chunk: u64, workers: u32) -> u64 {
    let pool = MiniPool::new(workers);
    let (results, collected) = mpsc::channel();
    let mut tasks = 0;
    for range in chunks(limit, chunk) {
        let results = results.clone();
        pool.execute(move || {
            let _ = results.send(steps_in(range));
        });
        tasks += 1;
    }
    collected.iter().take(tasks).sum()
}

fn rayon_pool(limit: u64, chunk: u64, workers: u32) -> Result<u64, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers as usize)
        .build()?;
    Ok(pool.install(|| {
        chunks(limit, chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(steps_in)
            .sum()
    }))
}

/// Work stealing with crossbeam: every task starts in worker 0's deque, as if that thread had
/// split the work itself; the others start empty and steal. Each worker pops its own deque
/// first (no contention), and steals only when it runs dry.
fn work_stealing(limit: u64, chunk: u64, workers: u32) -> (u64, u64) {
    let locals: Vec<Worker<std::ops::Range<u64>>> =
        (0..workers).map(|_| Worker::new_fifo()).collect();
    chunks(limit, chunk).for_each(|r| locals[0].push(r));
    let stealers: Vec<Stealer<_>> = locals.iter().map(Worker::stealer).collect();
    let (total, steals) = (AtomicU64::new(0), AtomicU64::new(0));
    let busy = limit.div_ceil(chunk).min(u64::from(workers)) as usize;
    thread::scope(|s| {
        for local in locals {
            let (stealers, total, steals) = (&stealers, &total, &steals);
            s.spawn(move || {
                let (mut sum, mut first) = (0, true);
                loop {
                    let task = local.pop().or_else(|| {
                        // Steal half of a peer's tasks into our deque and take one. `Retry`
                        // means we raced with another thief: try again.
                        iter::repeat_with(|| {
                            stealers
                                .iter()
                                .map(|peer| peer.steal_batch_and_pop(&local))
                                .collect::<Steal<_>>()
                        })
                        .find(|s| !s.is_retry())
                        .and_then(Steal::success)
                        .inspect(|_| {
                            steals.fetch_add(1, Ordering::Relaxed);
                        })
                    });
                    if task.is_some() && std::mem::take(&mut first) {
                        shared::witness::arrive(&format!("stealing-{busy}"), busy); // test witness: every worker holds a task at once
                    }
                    match task {
                        Some(range) => sum += steps_in(range),
                        None => break, // every deque is empty: all tasks have been taken
                    }
                }
                total.fetch_add(sum, Ordering::Relaxed);
            });
        }
    });
    (total.into_inner(), steals.into_inner())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let workers = args
        .workers
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get() as u32));
    let (limit, chunk) = (args.limit, args.chunk);

    let time = |f: &dyn Fn() -> u64| -> (u64, Duration) {
        let start = Instant::now();
        (f(), start.elapsed())
    };
    let (expected, sequential) = time(&|| steps_in(1..limit + 1));
    let (stolen_total, steals, stealing_wall) = {
        let start = Instant::now();
        let (total, steals) = work_stealing(limit, chunk, workers);
        (total, steals, start.elapsed())
    };
    let rows: Vec<(&str, (u64, Duration))> = vec![
        ("sequential loop", (expected, sequential)),
        (
            "MiniPool (channel + Mutex)",
            time(&|| mini_pool(limit, chunk, workers)),
        ),
        (
            "rayon par_iter (global pool)",
            time(&|| {
                chunks(limit, chunk)
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .map(steps_in)
                    .sum()
            }),
        ),
        (
            "rayon ThreadPool (install)",
            time(&|| rayon_pool(limit, chunk, workers).unwrap_or(0)),
        ),
        ("crossbeam work stealing", (stolen_total, stealing_wall)),
    ];

    let mut table = Table::new(["approach", "total steps", "correct", "wall", "speedup"]);
    for (name, (total, wall)) in &rows {
        table.row([
            name.to_string(),
            total.to_string(),
            if *total == expected { "yes" } else { "NO" }.into(),
            fmt_duration(*wall),
            fmt_ratio(sequential, *wall),
        ]);
    }
    println!(
        "Collatz steps of 1..={limit} in tasks of {chunk}, {workers} worker(s), {} core(s)",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    print!("{table}");
    println!(
        "work stealing: worker 0 started with every task; the others stole {steals} batch(es) from their peers"
    );
    if rows.iter().any(|(_, (total, _))| *total != expected) {
        eprintln!("error: a pool got a different total from the sequential loop ({expected})");
        return ExitCode::FAILURE;
    }
    println!("every pool computed {expected}, the sequential answer");
    ExitCode::SUCCESS
}
