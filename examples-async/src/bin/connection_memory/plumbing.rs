//! Below the lesson: the server's process, one child per client, reading `/proc`, printing.

use std::io::{BufRead, BufReader, Read};
use std::net::ToSocketAddrs;
use std::process::{Child, Command, ExitCode, Stdio};

use clap::Parser;
use shared::{Table, Usage, fmt_kib};

use super::{Args, Report};
use crate::clients::{Client, Target};

/// The `--serve` child: the loopback server of `shared::fixture` (`GET /delay/{ms}`) in
/// its own process, so that its memory and CPU are not the client's. It prints its URL and
/// serves until its parent closes our stdin.
pub fn serve() -> ExitCode {
    raise_open_file_limit();
    let Ok(server) = shared::fixture::Fixture::start() else {
        return ExitCode::FAILURE;
    };
    println!("{}", server.url());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}

/// Starts [`serve`] as a child and returns it (ended when dropped) with its URL.
pub fn start_server() -> std::io::Result<(ServerChild, String)> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped")).read_line(&mut line)?;
    Ok((ServerChild(child), line.trim().to_string()))
}

/// The server child: dropping it closes its stdin, which ends it, and waits for it.
pub struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// `http://host:port` and a delay into where and what to ask.
pub fn target(url: &str, delay_ms: u64) -> Option<Target> {
    let rest = url.strip_prefix("http://")?.trim_end_matches('/');
    let (host, prefix) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let addr = host.to_socket_addrs().ok()?.next()?;
    Some(Target {
        addr,
        host: host.to_string(),
        path: if prefix.is_empty() {
            format!("/delay/{delay_ms}")
        } else {
            format!("/{prefix}/delay/{delay_ms}")
        },
        expected: format!("waited {delay_ms} ms\n"),
    })
}

/// Refuses a run past the open-file limit, or past two minutes. Each client, one after
/// another, opens its connections and then holds them `--delay-ms`. Opening one costs about
/// 0.15 ms on an idle two-core machine and up to 1.7 ms (reqwest's) on a busy one: counted at
/// 1 ms, 90 s of estimate keeps the largest run near two minutes (with every client and 20,000
/// requests, delays up to 10 s; one client with 10,000 requests, up to 60 s).
pub fn check_sizes(args: &Args, clients: usize) -> Result<(), ExitCode> {
    // A socket per request in each process (the server child raises its own limit too).
    let (files, needed) = (raise_open_file_limit(), u64::from(args.requests) + 64);
    if needed > files {
        return Err(shared::cli::usage_error(format!(
            "--requests {} needs about {needed} open files; the limit here is {files}",
            args.requests
        )));
    }
    let estimate = |delay_ms: u64, requests: u32, n: usize| {
        (u128::from(delay_ms) + u128::from(requests)) * n as u128
    };
    let d = Args::parse_from(["connection_memory"]);
    let default = estimate(d.delay_ms, d.requests, 3);
    let (a, n, cap) = (args, clients, 90_000);
    let work = estimate(a.delay_ms, a.requests, n);
    // A refusal names only what helps: each flag that, lowered alone to its least, fits under
    // the cap, and one --client where a single client's run fits.
    let least = [
        ("--delay-ms", estimate(1, a.requests, n)),
        ("--requests", estimate(a.delay_ms, 2, n)),
    ];
    let mut lower = shared::cli::lower_which(cap, &least);
    if n > 1 && estimate(a.delay_ms, a.requests, 1) <= cap {
        lower.push_str(", or run one --client");
    }
    shared::cli::cap_work(
        "ms of waiting and connecting (estimated)",
        work,
        default,
        cap,
        &lower,
    )
}

/// Runs one client in a fresh process of this program and reads its JSON report, so that
/// each client's peak RSS is its own.
pub fn in_child(client: Client, url: &str, args: &Args) -> Option<Report> {
    let name = format!("{client:?}").to_lowercase();
    let output = Command::new(std::env::current_exe().ok()?)
        .args(["--client", &name, "--url", url, "--json"])
        .args([
            "--requests",
            &args.requests.to_string(),
            "--delay-ms",
            &args.delay_ms.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    match serde_json::from_slice::<Report>(&output.stdout) {
        Ok(report) => {
            if args.delay_ms + u64::from(args.requests) >= 7_000 {
                // A long run's progress (about 7 s or more a client, by the estimate in
                // `check_sizes`): clients run one after another.
                eprintln!("  {name}: {} of {} answered", report.ok, report.requests);
            }
            Some(report)
        }
        Err(_) => {
            eprintln!(
                "error: the {name} client's process ended with {}",
                output.status
            );
            None
        }
    }
}

/// The soft limit on open files raised to the hard one: 10,000 sockets need more than the
/// usual 1,024.
pub fn raise_open_file_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => {
            setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_or(soft, |()| hard)
        }
        Ok((soft, _)) => soft,
        Err(_) => 1024,
    }
}

/// Resident memory now, in KiB.
pub fn rss_kib() -> u64 {
    shared::proc_status_kib("VmRSS").unwrap_or(0)
}

/// The kernel's memory for TCP connections, whole machine, in KiB: its buffer pages
/// (`/proc/net/sockstat`, "TCP: ... mem PAGES") plus, where `/proc/slabinfo` is readable
/// (root), the socket structures themselves (the `TCP` and `sock_inode_cache` slabs). No
/// process's RSS includes any of it.
pub fn kernel_tcp_kib() -> u64 {
    let sockstat = std::fs::read_to_string("/proc/net/sockstat").unwrap_or_default();
    let pages = sockstat
        .lines()
        .find(|l| l.starts_with("TCP:"))
        .and_then(|l| {
            l.split_whitespace()
                .skip_while(|w| *w != "mem")
                .nth(1)?
                .parse::<u64>()
                .ok()
        });
    let slabs = std::fs::read_to_string("/proc/slabinfo").unwrap_or_default();
    let structures: u64 = slabs
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // name active_objs num_objs objsize ...
            if !matches!(*f.first()?, "TCP" | "sock_inode_cache") {
                return None;
            }
            Some(f.get(1)?.parse::<u64>().ok()? * f.get(3)?.parse::<u64>().ok()?)
        })
        .sum();
    pages.unwrap_or(0) * 4 + structures / 1024
}

pub fn cpu_s(u: Usage) -> f64 {
    (u.user + u.system).as_secs_f64()
}

pub fn print(reports: &[Report], args: &Args) {
    if args.json {
        for r in reports {
            println!("{}", serde_json::to_string(r).expect("a report serializes"));
        }
        return;
    }
    // All start at once, but the first answers can come back before the last requests start
    // (a short --delay-ms): the figures per connection divide by the most in flight at once.
    println!(
        "{} requests of {} ms started at once, each client in a fresh process:\n",
        args.requests, args.delay_ms
    );
    let mut table = Table::new([
        "client",
        "answers OK",
        "most in flight",
        "wall",
        "CPU",
        "peak RSS",
        "RSS / conn",
        "heap / conn",
        "task's future",
    ]);
    for r in reports {
        table.row([
            r.client.clone(),
            format!("{} of {}", r.ok, r.requests),
            r.in_flight_at_peak.to_string(),
            format!("{:.2} s", r.wall_s),
            format!("{:.2} s", r.cpu_s),
            fmt_kib(r.peak_rss_kib),
            format!("{:.1} KiB", r.kib_per_connection),
            format!("{:.1} KiB", r.heap_bytes_per_connection / 1024.0),
            format!("{} B", r.future_bytes),
        ]);
    }
    print!("{table}");
    // Heap counts bytes allocated; RSS, pages written: a buffer never filled is heap, not RSS.
    println!(
        "\nThe heap one connection holds at the peak, by allocation size (counted, not guessed; heap / conn can exceed RSS / conn: an allocated buffer's unwritten pages are not resident):"
    );
    for r in reports {
        let top: Vec<String> = r
            .allocations
            .iter()
            .take(4)
            .map(|(class, bytes, count)| {
                format!(
                    "{:.1} KiB in {count:.1} allocations of up to {}",
                    bytes / 1024.0,
                    size(*class)
                )
            })
            .collect();
        println!("  {:8} {}", r.client, top.join(", "));
    }
    for (r, [task, socket, buffer]) in reports.iter().filter_map(|r| Some((r, r.anatomy?))) {
        println!(
            "  {:8} taken apart, one connection: its task {task} B (the future is {} B), connecting its socket {socket} B, the read buffer {buffer} B",
            "", r.future_bytes
        );
    }
    let kernel = reports
        .iter()
        .map(|r| r.kernel_tcp_kib_per_connection)
        .fold(0.0, f64::max);
    println!(
        "  the kernel holds {kernel:.1} KiB a connection (both ends' sockets and TCP buffers, read machine-wide, so other programs' connections count too; the sockets only where /proc/slabinfo is readable), in no process's RSS"
    );
    if let (Some(lean), Some(heaviest)) = (
        reports.iter().find(|r| r.client == "lean"),
        reports
            .iter()
            .max_by(|a, b| a.kib_per_connection.total_cmp(&b.kib_per_connection)),
    ) && heaviest.client != "lean"
    {
        println!(
            "\nlean: {:.1} KiB a connection, {}: {:.1} KiB; the tasks' futures are {} and {} bytes: the difference is the client's buffers and state.",
            lean.kib_per_connection,
            heaviest.client,
            heaviest.kib_per_connection,
            lean.future_bytes,
            heaviest.future_bytes
        );
    }
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}
