//! What a run of `threaded_requests` may ask for, checked before it starts: a well-formed
//! `--url`, threads, memory and run time against the caps in `cli`, and sockets against the
//! process's open-file limit.

use std::process::ExitCode;

use clap::Parser;
use shared::cli;

use crate::{Args, Client};

/// Resident memory per request in flight, to refuse a run past the memory cap before it
/// starts. Measured against a server in another process (BENCHMARKS.md of the suite
/// "concurrency by example"): with ureq and the 2 KiB buffers of `BUFFER` (main.rs), 31 MiB
/// at 1,000 in flight and 209-260 MiB at 10,000, 21-27 KiB each, 20 KiB of it the stack that
/// ureq's calls touch; with the lean client, 13 MiB and 97 MiB, about 10 KiB each.
fn memory_per_request(client: Client) -> u64 {
    match client {
        Client::Ureq => 32 << 10,
        Client::Lean => 12 << 10,
    }
}
/// What a request costs beyond its wait, about: 1.5 to 4 ms measured on a busy machine (12 ms
/// waits took 13.5 to 16 ms each, one after another).
const PER_REQUEST_MS: u64 = 3;
/// The in-process server's side of each connection: a hyper connection's state and buffers.
const MEMORY_PER_SERVED: u64 = 32 << 10;

/// Refuses, before any work, a run past the caps or one that would run out of file
/// descriptors.
pub fn check(args: &Args, threads: u32) -> Result<(), ExitCode> {
    if args.delay_ms == 0 {
        return Err(cli::usage_error(
            "--delay-ms 0: the server answers at once, so no request waits and there is no \
             wait for threads to overlap (N x D is zero); ask for 1 or more",
        ));
    }
    cli::cap_count(
        "threads",
        u128::from(threads),
        cli::THREADS_CAP,
        "--requests or --workers",
    )?;
    let each = memory_per_request(args.client)
        + if args.url.is_some() {
            0
        } else {
            MEMORY_PER_SERVED
        };
    let memory = u128::from(threads) * u128::from(each);
    cli::cap_bytes("memory", memory, cli::MEMORY_CAP, "--requests or --workers")?;
    // The cap on run time: `threads` requests wait side by side, so the run takes
    // ceil(requests / threads) waits one after another (one wave, without --workers), each
    // about PER_REQUEST_MS longer than asked, and each thread takes some 0.1 ms to start and
    // connect.
    let d = Args::parse_from(["threaded_requests"]); // the defaults, from clap
    let ms = |a: &Args, threads: u32| {
        let waves = u128::from(a.requests.div_ceil(threads.max(1)));
        waves * u128::from(a.delay_ms + PER_REQUEST_MS) + u128::from(threads) / 10
    };
    let (this, default) = (ms(args, threads), ms(&d, d.requests));
    let lower = "--requests or --delay-ms, or raise --workers";
    cli::cap_work("ms (estimated)", this, default, 120_000, lower)?;
    // A request holds one socket, and the in-process server (without --url) holds the other
    // end; 64 more for the process's other files.
    let sockets_per_request = if args.url.is_some() { 1 } else { 2 };
    ensure_open_files(u64::from(threads), sockets_per_request).map_err(cli::usage_error)
}

/// Raises the soft open-file limit to the hard one, and refuses clearly when that is not
/// enough for `threads` requests at once of `sockets` each (and 64 other files), naming only
/// the changes that fit under the limit.
fn ensure_open_files(threads: u64, sockets: u64) -> Result<(), String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| e.to_string())?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(|e| e.to_string())?;
    }
    let needed = threads * sockets + 64;
    if needed > hard {
        let most = hard.saturating_sub(64) / sockets; // the most requests in flight that fit
        // With --url the server's end of each connection is in another process.
        let url = if sockets == 2 && threads + 64 <= hard {
            ", or --url with a server in another process"
        } else {
            ""
        };
        return Err(format!(
            "{needed} open files needed, the limit is {hard}: use --workers {most} or fewer{url}"
        ));
    }
    Ok(())
}
