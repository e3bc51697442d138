//! `MiniPool`: the smallest useful thread pool, to show how a pool works inside. `size` threads
//! take boxed closures from one shared channel; dropping the pool closes the channel, and the
//! workers finish the queue and exit.

use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use crate::{chunks, steps_in};

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

pub fn mini_pool(limit: u64, chunk: u64, workers: u32) -> Result<u64, String> {
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
    // Now only the jobs hold senders: the loop ends when the last job is done or dropped, so a
    // job that panicked is a missing answer, counted, not a wait for ever.
    drop(results);
    let (mut answers, mut sum) = (0, 0);
    for steps in collected {
        (answers, sum) = (answers + 1, sum + steps);
    }
    if answers < tasks {
        return Err(format!(
            "MiniPool: {} of {tasks} tasks failed",
            tasks - answers
        ));
    }
    Ok(sum)
}
