//! Scraper: crawl a site with bounded concurrency, timeouts, retries and a visited set.
//!
//! The guide's second asyncio use case is web scraping. A crawler is mostly waiting for
//! pages, so async helps, but a real one needs more than `gather`: a limit on requests in
//! flight (to be polite, and to bound memory), a timeout per request (some servers hang), a
//! retry for temporary errors (HTTP 500), and a visited set so that no page is fetched twice.
//! This program serves its own site on loopback: `--pages` generated pages linking to each
//! other, most answering after 10 ms, some after 150 ms, some after 5 s (past the timeout),
//! some with a 500 the first time they are asked, and some links to pages that do not exist
//! (404). It crawls the site from the first page once one request at a time and once
//! `--concurrency` at a time, and checks that both crawls found the same pages.
//!
//! Run:
//!   cargo run -p examples-async --bin scraper
//!   cargo run -p examples-async --bin scraper -- --pages 500 --concurrency 50
//!
//! You will see: a line as each crawl starts; then for each crawl, the pages fetched, the
//! 404s, the pages that timed out, those that failed for good, the retries after a 500, the
//! most requests in flight and the time; then the speedup, with the same set of pages found
//! by both.
//!
//! Python: `aiohttp.ClientSession` with `asyncio.Semaphore(n)`, `ClientTimeout(total=...)`, a
//! retry loop, and a `set()` of seen URLs: the guide's scraping use case.
//!
//! Try this: `--timeout-ms 6000` and the hanging pages are waited for (5 s each: the
//! one-at-a-time crawl then takes about 20 s); `--retries 0` and the flaky pages count as
//! failures, and the pages only they link to are never found.
//!
//! Copy it out: `cargo xtask copy-out scraper DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! http-body-util = "0.1.5"
//! hyper = { version = "1.12", default-features = false, features = ["client", "http1", "server"] }
//! hyper-util = { version = "0.1.21", default-features = false, features = ["http1", "server", "server-graceful", "tokio"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! reqwest = { version = "0.13", default-features = false }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! tokio = { version = "1.54", default-features = false, features = ["fs", "io-util", "macros", "net", "rt", "rt-multi-thread", "signal", "sync", "time"] }
//! ```

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use shared::{Table, fmt_duration, fmt_faster};
use tokio::task::JoinSet;

mod site;

#[derive(Parser, Debug)]
#[command(
    about = "Crawl a loopback site: bounded concurrency, per-request timeouts, retries, a visited set"
)]
struct Args {
    /// Pages on the generated site (at least 2: a single page has nothing to fetch beside it).
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pages: u32,
    /// Requests in flight at once in the concurrent crawl (2 or more: 1 is the other crawl).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=1_000))]
    concurrency: u32,
    /// Give up on a request after this long, in ms (200 or more: the first page takes 150 ms,
    /// and a crawl that gives up on it finds nothing).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(200..=60_000))]
    timeout_ms: u64,
    /// Retries after an HTTP 500.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
}

#[derive(Default, Debug)]
struct Crawl {
    fetched: BTreeSet<u32>,
    not_found: u32,
    timed_out: u32,
    failed: u32,
    retries: u32,
    most_in_flight: usize,
    panicked: u32, // fetch tasks that panicked (a bug): reported, never skipped silently
}

enum Fetch {
    Page(String),
    NotFound,
    TimedOut,
    Failed,
}

/// One page, with a timeout per attempt and retries after a 500.
async fn fetch(
    client: reqwest::Client,
    url: String,
    timeout: Duration,
    retries: u32,
) -> (Fetch, u32) {
    for attempt in 0..=retries {
        let response = tokio::time::timeout(timeout, async {
            let r = client.get(&url).send().await?;
            let status = r.status().as_u16();
            Ok::<_, reqwest::Error>((status, r.text().await?))
        })
        .await;
        match response {
            Err(_) => return (Fetch::TimedOut, attempt),
            Ok(Ok((200, body))) => return (Fetch::Page(body), attempt),
            Ok(Ok((404, _))) => return (Fetch::NotFound, attempt),
            Ok(Ok((500, _))) if attempt < retries => {
                tokio::time::sleep(Duration::from_millis(20 << attempt)).await; // back off
            }
            Ok(_) => return (Fetch::Failed, attempt), // another status, or no answer
        }
    }
    (Fetch::Failed, retries)
}

fn links(html: &str) -> impl Iterator<Item = u32> + '_ {
    html.split("href=\"/page/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
}

async fn crawl(base: &str, args: &Args, concurrency: usize) -> Crawl {
    let client = reqwest::Client::new();
    let timeout = Duration::from_millis(args.timeout_ms);
    let mut result = Crawl::default();
    let mut visited = HashSet::from([0u32]); // a page is queued at most once, ever
    let mut queue = VecDeque::from([0u32]);
    let mut in_flight = JoinSet::new();
    while !queue.is_empty() || !in_flight.is_empty() {
        // Top up to the limit, then wait for any one request to finish.
        while in_flight.len() < concurrency {
            let Some(n) = queue.pop_front() else { break };
            let url = format!("{base}/page/{n}");
            let client = client.clone();
            let retries = args.retries;
            in_flight.spawn(async move {
                // test witness {: the start page's first three links are fetched at once
                if n != 0 && shared::witness::enabled() {
                    let (section, parties) = (format!("crawl-{concurrency}"), concurrency.min(3));
                    let arrive = move || shared::witness::arrive(&section, parties);
                    let _ = tokio::task::spawn_blocking(arrive).await;
                }
                // test witness }
                (n, fetch(client, url, timeout, retries).await)
            });
        }
        result.most_in_flight = result.most_in_flight.max(in_flight.len());
        let Some(joined) = in_flight.join_next().await else {
            continue;
        };
        let Ok((n, (outcome, retries))) = joined else {
            result.panicked += 1;
            continue;
        };
        result.retries += retries;
        match outcome {
            Fetch::Page(html) => {
                result.fetched.insert(n);
                for link in links(&html) {
                    if visited.insert(link) {
                        queue.push_back(link);
                    }
                }
            }
            Fetch::NotFound => result.not_found += 1,
            Fetch::TimedOut => result.timed_out += 1,
            Fetch::Failed => result.failed += 1,
        }
    }
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    // Time is mostly the one-at-a-time crawl's waiting: each page's answer, or the timeout.
    // Requests cost a quarter more than their wait: 85 s of waiting is two minutes in all.
    let waited = |pages: u32, timeout_ms: u64| -> u128 {
        let timeout = Duration::from_millis(timeout_ms);
        (0..pages)
            .map(|i| site::delay(i).min(timeout).as_millis())
            .sum()
    };
    let defaults = Args::parse_from(["scraper"]);
    let work = waited(args.pages, args.timeout_ms);
    let default = waited(defaults.pages, defaults.timeout_ms);
    let cap = 85_000; // a refusal names the flags that, lowered alone to their least, fit under it
    let least = [
        ("--pages", waited(2, args.timeout_ms)),
        ("--timeout-ms", waited(args.pages, 200)),
    ];
    let lower = shared::cli::lower_which(cap, &least);
    if let Err(code) = shared::cli::cap_work("ms of waiting", work, default, cap, &lower) {
        return code;
    }
    let crawls = async {
        let mut crawls = Vec::new();
        for (name, limit) in [
            ("one at a time", 1),
            ("concurrent", args.concurrency as usize),
        ] {
            let base = site::start(args.pages).await?;
            println!("crawling {base}/page/0, {name}"); // progress: a crawl can take seconds
            let start = Instant::now();
            let c = crawl(&base, &args, limit).await;
            crawls.push((name, c, start.elapsed()));
        }
        Ok::<_, std::io::Error>(crawls)
    };
    let crawls = crawls.await;
    let Ok(crawls) = crawls.inspect_err(|e| eprintln!("error: cannot serve the site: {e}")) else {
        return ExitCode::FAILURE;
    };
    let mut table = Table::new([
        "crawl",
        "pages",
        "404",
        "timed out",
        "failed",
        "retries",
        "most in flight",
        "time",
    ]);
    for (name, c, took) in &crawls {
        table.row([
            name.to_string(),
            c.fetched.len().to_string(),
            c.not_found.to_string(),
            c.timed_out.to_string(),
            c.failed.to_string(),
            c.retries.to_string(),
            c.most_in_flight.to_string(),
            fmt_duration(*took),
        ]);
    }
    print!("{table}");
    // No speedup claimed for a crawl that lost pages.
    let panicked: u32 = crawls.iter().map(|(_, c, _)| c.panicked).sum();
    if panicked > 0 {
        eprintln!("error: {panicked} page fetches panicked; their pages are missing");
        return ExitCode::FAILURE;
    }
    let ((_, one, t1), (_, many, tn)) = (&crawls[0], &crawls[1]);
    if one.fetched != many.fetched {
        let (a, b) = (one.fetched.len(), many.fetched.len());
        eprintln!("error: the crawls found different pages: {a} one at a time, {b} concurrently");
        return ExitCode::FAILURE;
    }
    println!(
        "{} pages found by both crawls, the same set; concurrent (up to {} at a time, most in flight {}) {} vs one at a time {} ({})",
        many.fetched.len(),
        args.concurrency,
        many.most_in_flight,
        fmt_duration(*tn),
        fmt_duration(*t1),
        fmt_faster(*t1, *tn)
    );
    ExitCode::SUCCESS
}
