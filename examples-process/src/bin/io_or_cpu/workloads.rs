//! The two built-in workloads, run as children of this program: blocking HTTP requests to
//! a slow loopback server (waiting), and counting primes (computing).

use std::process::Command;
use std::time::Duration;

use shared::fixture::Fixture;

use crate::Args;

pub fn io_workload(url: &str, requests: u32) -> Result<(), String> {
    let agent = ureq::Agent::new_with_defaults();
    for _ in 0..requests {
        agent
            .get(url)
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub fn cpu_workload(limit: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (0..limit).filter(|&n| is_prime(n)).count() as u64
}

/// About how many trial divisions counting the primes below `limit` takes: each prime p
/// costs sqrt(p) (composites stop far sooner), and there are about n / ln n below n.
pub fn divisions(limit: u64) -> u128 {
    let n = limit.max(3) as f64;
    (n * n.sqrt() / n.ln()) as u128
}

pub type Runs = Vec<(String, Command)>;

/// The two built-in workloads, this program again: a client of the loopback server returned
/// with them, and counting primes.
pub fn built_ins(args: &Args) -> Result<(Fixture, Runs), String> {
    let fixture = Fixture::start().map_err(|e| format!("cannot start the loopback server: {e}"))?;
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let url = fixture.delay_url(Duration::from_millis(args.delay_ms));
    let mut io = Command::new(&me);
    io.args(["--workload", "io", "--url", &url])
        .args(["--requests", &args.requests.to_string()]);
    let mut cpu = Command::new(&me);
    cpu.args(["--workload", "cpu", "--limit", &args.limit.to_string()])
        .stdout(std::process::Stdio::null());
    let requests = match args.requests {
        1 => "1 HTTP request".to_string(),
        n => format!("{n} HTTP requests"),
    };
    let io_name = format!("{requests} of {} ms", args.delay_ms);
    let cpu_name = format!("primes below {}", args.limit);
    Ok((fixture, vec![(io_name, io), (cpu_name, cpu)]))
}
