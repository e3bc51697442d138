//! Given by the task (do not edit: `cargo exercise check` notices): a pool's worker process,
//! like the program's worker mode. It reads jobs on stdin, one line each (`ID START END`),
//! answers each with `ID PRIMES` (the primes in `START..END`), and exits when stdin closes.

use std::io::{BufRead, Write};

fn is_prime(n: u64) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

fn main() -> std::process::ExitCode {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let numbers: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [id, start, end] = numbers[..] else {
            eprintln!("error: worker got a line that is not a job");
            return std::process::ExitCode::FAILURE;
        };
        let primes = (start..end).filter(|&n| is_prime(n)).count();
        if writeln!(out, "{id} {primes}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
