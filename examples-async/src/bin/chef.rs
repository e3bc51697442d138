//! The guide's chef: concurrency is one chef juggling three dishes; parallelism is three chefs.
//!
//! Each dish has hands-on steps (chopping, seasoning: the chef is busy) and a waiting step
//! (simmering: the chef is free). Cooked one after another, the dishes take the sum of all
//! steps. One chef cooking all three at once (a single-threaded runtime) starts the next dish
//! while one simmers: the waits overlap, the hands-on work does not. Three chefs (a runtime
//! with three worker threads) also chop at the same time, as far as the cores allow. The
//! timelines show which dish was being worked on (chopped or seasoned) when, and on which OS
//! thread; simmering is not work, so it leaves a gap.
//!
//! Run:
//!   cargo run -p examples-async --bin chef
//!   cargo run -p examples-async --bin chef -- --scale 3
//!
//! You will see: three timelines. Sequentially, one dish after another on thread A. One chef:
//! the dishes take turns on thread A (one is chopped while another simmers), the table counts
//! all three simmering at once, and the total drops to near the hands-on time (550 ms of the
//! 1.2 s in all at `--scale 1`; about 590 ms on an idle machine, as the chef once has nothing
//! to do but wait for the soup to finish simmering). Three chefs: the dishes are chopped
//! on three threads at once, and with a core per chef the total drops to about the longest
//! dish (480 ms); on fewer cores the chefs share them and gain less (on a busy machine,
//! nothing). The last two lines compare the totals, as measured.
//!
//! Python: "Concurrency: one chef switching between multiple dishes; Parallelism: multiple
//! chefs each cooking a dish", the guide's KEY CONCEPT 1; asyncio is the one chef.
//!
//! Try this: set every `simmer_ms` in `DISHES` to 0 and the one chef gains nothing over
//! sequential cooking; `--chefs 2`: two chefs for three dishes, on two threads; the third
//! dish waits until a chef puts a dish on to simmer, then that chef starts chopping it.
//!
//! Copy it out: `cargo xtask copy-out chef DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table, timeline), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, Timeline, fmt_count, fmt_duration, fmt_faster, fmt_ratio};
use tokio::runtime::{Builder, Runtime};

#[derive(Parser, Debug)]
#[command(about = "One chef interleaving three dishes (concurrency) vs three chefs (parallelism)")]
struct Args {
    /// Multiply every step's duration (0.1 to 10).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Cooks in the parallel kitchen (worker threads; 2 or more).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=64))]
    chefs: u16,
}

struct Dish {
    name: &'static str,
    chop_ms: u64,
    simmer_ms: u64,
    season_ms: u64,
}

const DISHES: [Dish; 3] = [
    Dish {
        name: "pasta",
        chop_ms: 150,
        simmer_ms: 300,
        season_ms: 30,
    },
    Dish {
        name: "soup",
        chop_ms: 120,
        simmer_ms: 250,
        season_ms: 40,
    },
    Dish {
        name: "salad",
        chop_ms: 180,
        simmer_ms: 100,
        season_ms: 30,
    },
];

/// Hands-on work: a fixed amount of real computation that takes `d` on one idle core. Fixed
/// work, not "spin until `d` has passed", so that three chefs on two cores honestly take
/// longer than three on three.
fn hands_on(d: Duration) -> u64 {
    let rounds = (d.as_secs_f64() * rounds_per_second()) as u64;
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..rounds {
        x = xorshift_1000(x);
    }
    x
}

fn xorshift_1000(mut x: u64) -> u64 {
    for _ in 0..1_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x)
}

/// How many rounds of `xorshift_1000` one core does per second, measured once: the best of
/// ten 5 ms windows, since a window in which another program took the core runs slow.
fn rounds_per_second() -> f64 {
    static RATE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *RATE.get_or_init(|| {
        let window = || {
            let (start, mut rounds, mut x) = (Instant::now(), 0u64, 1u64);
            while start.elapsed() < Duration::from_millis(5) {
                x = xorshift_1000(x);
                rounds += 1;
            }
            rounds as f64 / start.elapsed().as_secs_f64()
        };
        (0..10).map(|_| window()).fold(0.0, f64::max)
    })
}

/// Counts the dishes simmering at once: more than one means their waits overlapped.
#[derive(Default)]
struct Stove {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Stove {
    // A dish with nothing to simmer (`simmer_ms: 0`) is never on the stove: it has no wait.
    fn put_on(&self, dish: &Dish) {
        if dish.simmer_ms > 0 {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
        }
    }
    fn take_off(&self, dish: &Dish) {
        if dish.simmer_ms > 0 {
            self.now.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One dish, async: the hands-on steps hold the thread; `sleep` lets the chef go elsewhere.
async fn cook(dish: &Dish, scale: f64, timeline: Arc<Timeline>, stove: Arc<Stove>) {
    // test witness {: with several chefs, each dish waits until the chefs all cook at once
    let chefs = tokio::runtime::Handle::current().metrics().num_workers();
    if chefs > 1 {
        shared::witness::arrive(&format!("chefs-{chefs}"), chefs.min(DISHES.len()));
    }
    // test witness }
    let ms = |v: u64| Duration::from_secs_f64(v as f64 * scale / 1e3);
    {
        let _busy = timeline.span(dish.name);
        hands_on(ms(dish.chop_ms));
    }
    stove.put_on(dish);
    tokio::time::sleep(ms(dish.simmer_ms)).await; // the chef is free: another dish runs
    stove.take_off(dish);
    let _busy = timeline.span(dish.name);
    hands_on(ms(dish.season_ms));
}

fn sequential(scale: f64, timeline: &Timeline, stove: &Stove) {
    let ms = |v: u64| Duration::from_secs_f64(v as f64 * scale / 1e3);
    for dish in &DISHES {
        {
            let _busy = timeline.span(dish.name);
            hands_on(ms(dish.chop_ms));
        }
        stove.put_on(dish);
        std::thread::sleep(ms(dish.simmer_ms)); // standing at the stove, doing nothing else
        stove.take_off(dish);
        let _busy = timeline.span(dish.name);
        hands_on(ms(dish.season_ms));
    }
}

/// Cooks the three dishes as tasks; returns how many failed (a task that panicked).
fn kitchen(runtime: Runtime, scale: f64, t: &Arc<Timeline>, s: &Arc<Stove>) -> usize {
    let dishes = (0..DISHES.len()).map(|i| cook(&DISHES[i], scale, Arc::clone(t), Arc::clone(s)));
    runtime.block_on(async {
        // exercise chef_overlap {
        let tasks: Vec<_> = dishes.map(tokio::spawn).collect(); // all started before any await
        let mut failed = 0;
        for task in tasks {
            failed += usize::from(task.await.is_err());
        }
        failed
        // exercise chef_overlap }
    })
}

/// A way of cooking the three dishes into a timeline and a stove; returns how many failed.
type Kitchen<'a> = Box<dyn FnOnce(&Arc<Timeline>, &Arc<Stove>) -> usize + 'a>;

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if !(0.1..=10.0).contains(&args.scale) {
        let e = format!("--scale must be between 0.1 and 10 (got {})", args.scale);
        return shared::cli::usage_error(e);
    }
    if args.chefs < 2 {
        let e = "--chefs 1 leaves no second chef to chop beside the first: use 2 or more";
        return shared::cli::usage_error(e);
    }
    let one_chef = Builder::new_current_thread().enable_time().build();
    let many_chefs = Builder::new_multi_thread()
        .worker_threads(args.chefs.into())
        .thread_name_fn(|| {
            static NEXT: AtomicUsize = AtomicUsize::new(1); // chef-1, chef-2: a name per thread
            format!("chef-{}", NEXT.fetch_add(1, Ordering::Relaxed))
        })
        .enable_time()
        .build();
    let (Ok(one_chef), Ok(many_chefs)) = (one_chef, many_chefs) else {
        eprintln!("error: cannot start a tokio runtime");
        return ExitCode::FAILURE;
    };

    rounds_per_second(); // calibrate before any timing
    let mut table = Table::new([
        "kitchen",
        "total",
        "threads used",
        "simmering at once",
        "vs sequential",
    ]);
    let mut base = Duration::ZERO;
    let kitchens: [(String, Kitchen<'_>); 3] = [
        (
            "sequential, one dish at a time".to_string(),
            Box::new(|t, s| {
                sequential(args.scale, t, s);
                0 // one thread, no tasks: a panic here would end the program
            }),
        ),
        (
            "one chef, three dishes at once".to_string(),
            Box::new(|t, s| kitchen(one_chef, args.scale, t, s)),
        ),
        (
            format!("{} chefs", args.chefs),
            Box::new(|t, s| kitchen(many_chefs, args.scale, t, s)),
        ),
    ];
    let mut runs = Vec::new(); // per kitchen: total, threads used, most simmering at once
    for (name, cook_all) in kitchens {
        let (timeline, stove) = (Arc::new(Timeline::new()), Arc::new(Stove::default()));
        let start = Instant::now();
        let failed = cook_all(&timeline, &stove);
        let took = start.elapsed();
        if failed > 0 {
            eprintln!("error: {name}: {failed} of {} dishes failed", DISHES.len());
            return ExitCode::FAILURE;
        }
        if base.is_zero() {
            base = took;
        }
        println!("== {name}: {}", fmt_duration(took));
        print!("{}", timeline.render(60));
        let (threads, simmering) = (timeline.threads().len(), stove.most.load(Ordering::SeqCst));
        table.row([
            name,
            fmt_duration(took),
            threads.to_string(),
            simmering.to_string(),
            fmt_ratio(base, took),
        ]);
        runs.push((took, threads, simmering));
    }
    println!();
    print!("{table}");
    let ((sequential, ..), (one, one_threads, simmering), (many, many_threads, _)) =
        (runs[0], runs[1], runs[2]);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cores = fmt_count(cores, "core", "cores");
    let [one_t, many_t] = [one_threads, many_threads].map(|n| fmt_count(n, "thread", "threads"));
    let [seq_d, one_d, many_d] = [sequential, one, many].map(fmt_duration);
    let simmered = fmt_count(simmering, "dish", "dishes");
    let (vs_seq, vs_one) = (fmt_faster(sequential, one), fmt_faster(one, many));
    println!(
        "one chef on {one_t}: {one_d} against {seq_d} sequential ({vs_seq}): {simmered} simmered at once"
    );
    let chefs = args.chefs;
    println!(
        "{chefs} chefs on {many_t}: {many_d} against one chef's {one_d} ({vs_one}), on {cores}"
    );
    ExitCode::SUCCESS
}
