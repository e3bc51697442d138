//! The run's cost before it starts: about how long the children take, and, for a run past
//! the cap, which flags would bring it under on their own.

use crate::siblings::{self, io_plan};
use crate::{Args, SWEEP_MIN_LIMIT, sweep};

/// About how long the children take, in ms: the I/O rows wait out their delays plus about
/// 3 ms a request (the sequential one once per request, the sweep's only within its cut-off;
/// sequential_requests counts the same 3 ms), and each CPU row
/// counts every prime below --limit (about 1.3 ns per trial division here, each prime p below
/// n costing sqrt(p) of them; a parallel row is counted whole, as with one worker). Every
/// row is a child process to start (about 20 ms here), and each worker process it starts
/// costs about 1 ms more (process_requests and process_pool): a sweep on 128 workers starts
/// over 8,000 of them.
pub fn estimate_ms(args: &Args, workers: u32) -> u128 {
    let points = if args.sweep {
        &args.points[..]
    } else {
        &[args.requests][..]
    };
    let io_rows: Vec<(&str, u32)> = points
        .iter()
        .flat_map(|&n| {
            io_plan(n, args.delay_ms, "")
                .into_iter()
                .map(move |p| (p.0, n))
        })
        .filter(|&(approach, n)| {
            !args.sweep || sweep::out_of_reach(approach, n, args.delay_ms).is_none()
        })
        .collect();
    let waits: u128 = io_rows
        .iter()
        .map(|&(approach, n)| {
            u128::from(sweep::rounds(approach, n)) * u128::from(args.delay_ms + 3)
        })
        .sum();
    let io_spawns: u128 = io_rows
        .iter()
        .map(|&(approach, n)| match approach {
            "processes" => 20 + u128::from(n.min(siblings::MAX_WORKER_PROCESSES)),
            _ => 20,
        })
        .sum();
    // CPU rows: sequential once, then threads, rayon and processes on each count swept.
    let counts: Vec<u128> = if args.sweep {
        (1..=u128::from(workers)).collect()
    } else {
        vec![u128::from(workers)]
    };
    let rows = 1 + 3 * counts.len() as u128;
    let cpu_spawns = 20 * rows + counts.iter().sum::<u128>();
    let n = args.limit.max(3) as f64;
    waits + io_spawns + cpu_spawns + rows * (n * n.sqrt() / n.ln() * 1.3e-6) as u128
}

/// The flags a refusal names ([`shared::cli::lower_which`]): each with the run's estimate
/// when that flag alone is lowered to its least accepted value.
pub fn at_least(args: &Args, workers: u32) -> Vec<(&'static str, u128)> {
    let with = |change: &dyn Fn(&mut Args)| {
        let mut a = args.clone();
        change(&mut a);
        estimate_ms(&a, a.workers.unwrap_or(workers))
    };
    // With --sweep the request counts are --points, the least --limit is SWEEP_MIN_LIMIT, and
    // the least --workers is 2; without it, --requests, 2 and 1.
    let (least_limit, least_workers) = if args.sweep {
        (SWEEP_MIN_LIMIT, 2)
    } else {
        (2, 1)
    };
    let requests = if args.sweep {
        ("--points", with(&|a| a.points = vec![2]))
    } else {
        ("--requests", with(&|a| a.requests = 2))
    };
    vec![
        requests,
        ("--delay-ms", with(&|a| a.delay_ms = 1)),
        ("--limit", with(&|a| a.limit = least_limit)),
        ("--workers", with(&|a| a.workers = Some(least_workers))),
    ]
}
