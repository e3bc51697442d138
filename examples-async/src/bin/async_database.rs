//! Async database: concurrent queries on a real SQLite database, and what async really adds.
//!
//! The guide lists database operations among asyncio's use cases (with aiopg). The honest
//! lesson for SQLite: its driver (rusqlite) is blocking, so async code must hand each query
//! to a thread (`spawn_blocking`) or it stalls the runtime; and a connection runs one query
//! at a time, so the concurrency you get is the number of connections, not the number of
//! tasks. It builds a database of `--rows` orders in a temporary file (SQLite lets many
//! connections read at once; WAL mode also lets them read while one writes), then runs
//! `--queries` aggregate queries three ways: one after another on one connection; as
//! concurrent tasks sharing one connection behind a lock; and as concurrent tasks drawing
//! from a pool of `--pool` connections. Every way gets the same answers.
//!
//! Run:
//!   cargo run --release -p examples-async --bin async_database
//!   cargo run --release -p examples-async --bin async_database -- --pool 4 --queries 100
//!
//! You will see: a table where the shared connection runs one query at a time (the tasks
//! queue for it) and the pool up to `--pool` at once (or every query, if fewer; the default
//! run's queries are long enough to overlap, those of a few thousand rows may end before the
//! next starts), with identical totals in every row; then whether this run showed the pool's
//! speedup over the shared connection (up to min(pool, queries, cores) times), from its times.
//!
//! Python: `aiosqlite` (a thread per connection underneath) or `asyncpg`/`aiopg` with a pool
//! for PostgreSQL; the same rule, concurrency = connections.
//!
//! Try this: `--pool 8` on 2 cores gains no more than `--pool 2` (these queries are CPU-bound
//! inside SQLite); `--queries 2 --pool 8`: two queries use two of the eight connections.
//!
//! Copy it out: `cargo xtask copy-out async_database DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! flume = "0.12"
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! rusqlite = { version = "0.43", features = ["bundled"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use rusqlite::Connection;
use shared::cli::{DISK_CAP, cap_bytes, cap_work};
use shared::{Table, fmt_count, fmt_duration, fmt_ratio, speedup_verdict};

#[derive(Parser, Debug)]
#[command(about = "SQLite from async code: sequential, one shared connection, and a pool")]
struct Args {
    /// Rows in the orders table.
    #[arg(long, default_value_t = 200_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    rows: u32,
    /// Queries to run each way (2 or more: one query cannot run beside another).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    queries: u32,
    /// Connections in the pool (2 or more: one is the shared connection again).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=64))]
    pool: u32,
}

/// One query: a full scan with a filter, so that each takes a few milliseconds.
const QUERY: &str = "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM orders WHERE customer % ?1 = ?2 AND note LIKE '%7%'";

fn query(conn: &Connection, q: u32) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(QUERY, (i64::from(q % 7 + 2), i64::from(q % 2)), |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

/// Counts the queries running at once: the concurrency a way really gets.
#[derive(Default)]
struct Running {
    now: AtomicU32,
    most: AtomicU32,
}

impl Running {
    /// Runs `query`, counted while it runs.
    fn count<T>(&self, query: impl FnOnce() -> T) -> T {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let answer = query();
        self.now.fetch_sub(1, Ordering::SeqCst);
        answer
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

fn create(path: &Path, rows: u32) -> rusqlite::Result<()> {
    let mut conn = open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, amount INTEGER, note TEXT)",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert =
            tx.prepare("INSERT INTO orders (customer, amount, note) VALUES (?1, ?2, ?3)")?;
        for i in 0..rows {
            insert.execute((
                i % 1000,
                (i * 37) % 500,
                format!("order {i} for {}", i % 97),
            ))?;
        }
    }
    tx.commit()
}

/// The three ways, run in this order.
enum Way {
    Sequential,
    Shared,
    Pool,
}

/// All answers folded into one total, to compare the ways.
type Total = (i64, i64);
/// A total, or what went wrong: a database error, or a query task that panicked.
type Answer = Result<Total, String>;

fn sequential(path: &Path, queries: u32, running: Arc<Running>) -> Answer {
    let conn = open(path).map_err(|e| e.to_string())?;
    let mut total = (0, 0);
    for q in 0..queries {
        let (c, s) = running
            .count(|| query(&conn, q))
            .map_err(|e| e.to_string())?;
        total = (total.0 + c, total.1 + s);
    }
    Ok(total)
}

async fn shared_connection(path: &Path, queries: u32, running: Arc<Running>) -> Answer {
    let conn = Arc::new(Mutex::new(open(path).map_err(|e| e.to_string())?));
    let mut tasks = tokio::task::JoinSet::new();
    for q in 0..queries {
        let (conn, running) = (Arc::clone(&conn), Arc::clone(&running));
        // The driver blocks: off the runtime it goes. Then every task waits for the one lock.
        tasks.spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            running.count(|| query(&conn, q)).map_err(|e| e.to_string())
        });
    }
    collect(tasks).await
}

async fn pooled(path: &Path, queries: u32, size: u32, running: Arc<Running>) -> Answer {
    // The pool: idle connections in a channel (flume's is multi-consumer). Take one, use it on
    // a blocking thread, give it back.
    let (give_back, idle) = flume::bounded(size as usize);
    for _ in 0..size {
        let conn = open(path).map_err(|e| e.to_string())?;
        let _ = give_back.send(conn); // capacity is exactly `size`: never blocks
    }
    let mut tasks = tokio::task::JoinSet::new();
    for q in 0..queries {
        let (give_back, idle) = (give_back.clone(), idle.clone());
        let running = Arc::clone(&running);
        tasks.spawn(async move {
            // This task holds a sender itself, so the pool cannot be closed while it waits.
            let conn = idle.recv_async().await.map_err(|e| e.to_string())?;
            let (conn, answer) = tokio::task::spawn_blocking(move || {
                let answer = running.count(|| {
                    let parties = size.min(queries) as usize; // test witness
                    shared::witness::arrive(&format!("pool-{size}"), parties); // test witness: the connections query at once
                    query(&conn, q)
                });
                (conn, answer)
            })
            .await
            .map_err(|e| format!("a query thread failed: {e}"))?;
            let _ = give_back.send_async(conn).await;
            answer.map_err(|e| e.to_string())
        });
    }
    collect(tasks).await
}

/// Adds up the tasks' answers. The first failure (a task that panicked included) fails the
/// way, and dropping the set cancels the tasks still running.
async fn collect(mut tasks: tokio::task::JoinSet<Answer>) -> Answer {
    let mut total = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (c, s) = r.map_err(|e| format!("a query task failed: {e}"))??;
        total = (total.0 + c, total.1 + s);
    }
    Ok(total)
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // Each query scans every row, each way: about 30 ns a row in release, 3.6 billion in two
    // minutes. Disk: 36 B a row, 80 with the log: 800 MB at --rows' top, so only a guard.
    let reads = |a: &Args| u128::from(a.rows) * u128::from(a.queries) * 3;
    let (work, default) = (reads(&args), reads(&Args::parse_from(["async_database"])));
    let lower = "--rows or --queries";
    if let Err(code) = cap_bytes("disk", u128::from(args.rows) * 80, DISK_CAP, "--rows")
        .and_then(|()| cap_work("row reads", work, default, 3_600_000_000, lower))
    {
        return code;
    }
    // Registered, so that Ctrl-C removes it too (a plain TempDir is removed only on drop).
    let failed = |e: &std::io::Error| eprintln!("error: cannot create a temporary directory: {e}");
    let Ok(dir) = shared::cli::temp_dir().inspect_err(failed) else {
        return ExitCode::FAILURE;
    };
    let path = dir.path().join("orders.db");
    let start = Instant::now();
    if let Err(e) = create(&path, args.rows) {
        eprintln!("error: cannot build the database: {e}");
        return ExitCode::FAILURE;
    }
    let (shown, built) = (path.display(), fmt_duration(start.elapsed()));
    let orders = fmt_count(args.rows, "order", "orders");
    println!("built {shown} with {orders} in {built}");
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    let mut table = Table::new([
        "way",
        "connections",
        "queries",
        "most at once",
        "time",
        "vs sequential",
        "total (count, sum)",
    ]);
    let (mut totals, mut times) = (Vec::new(), Vec::new());
    for (way, label, connections) in [
        (Way::Sequential, "sequential", 1),
        (Way::Shared, "async tasks, one shared connection", 1),
        (Way::Pool, "async tasks, a pool", args.pool),
    ] {
        let (start, running) = (Instant::now(), Arc::new(Running::default()));
        let r = Arc::clone(&running);
        let total = match way {
            Way::Sequential => sequential(&path, args.queries, r),
            Way::Shared => runtime.block_on(shared_connection(&path, args.queries, r)),
            Way::Pool => runtime.block_on(pooled(&path, args.queries, args.pool, r)),
        };
        let took = start.elapsed();
        let Ok(total) = total.inspect_err(|e| eprintln!("error: {label}: {e}")) else {
            return ExitCode::FAILURE;
        };
        let base = times.first().copied().unwrap_or(took); // the sequential run's time
        table.row([
            label.to_string(),
            connections.to_string(),
            args.queries.to_string(),
            running.most.load(Ordering::SeqCst).to_string(),
            fmt_duration(took),
            fmt_ratio(base, took),
            format!("{}, {}", total.0, total.1),
        ]);
        totals.push(total);
        times.push(took);
    }
    print!("{table}");
    // No verdict on speed for ways that did not get the same answers.
    if totals.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("error: the three ways got different answers: {totals:?}");
        return ExitCode::FAILURE;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let at_once = args.pool.min(args.queries);
    let ratio = times[1].div_duration_f64(times[2]);
    let (ideal, pool) = (at_once.min(cores), args.pool);
    // Past what queries at once can give, the cause is not the pool. Said here: the base is
    // the shared connection's run, not the sequential one that speedup_verdict would blame.
    let verdict = if ratio > 1.1 * f64::from(ideal) {
        let w = fmt_count(at_once, "worker", "workers");
        let c = fmt_count(cores, "core", "cores");
        format!(
            "{ratio:.1}x on {w} and {c}, more than the {ideal}x that queries at once can give: \
             the shared connection's run was slower for another reason (short queries: it \
             started threads the pool's run reused; or another program)"
        )
    } else {
        speedup_verdict(times[1], times[2], at_once, cores)
    };
    println!("a pool of {pool} against one shared connection: {verdict}");
    let lesson = "concurrency comes from connections, not tasks; the driver blocks, so async hands each query to a thread";
    println!("answers identical: {lesson}");
    ExitCode::SUCCESS
}
