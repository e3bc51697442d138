//! Inter-process communication: the same messages through a pipe, a Unix domain socket and
//! shared memory, with the latency and the throughput of each.
//!
//! Processes share no memory by default, so they talk through the kernel. A pipe and a Unix
//! socket are byte streams: every message is copied into the kernel and out again, and a
//! reader blocks until data comes. Shared memory (a file mapped into both processes with
//! memmap2, on /dev/shm when there is one) lets the data cross with no copy through the
//! kernel at all; but the processes still need a way to say "your turn", and here that is a
//! one-byte "doorbell" on a pipe. So: for small messages shared memory is no faster (the
//! doorbell is a pipe round trip), for big ones it saves the copies. A busy-waiting flag in
//! the mapping would cut the latency further and burn a core while it waits.
//!
//! Run:
//!   cargo run --release -p examples-process --bin ipc
//!   cargo run --release -p examples-process --bin ipc -- --size 4096 --megabytes 1024 --chunk-kib 4096
//!
//! You will see: a table with the round-trip time of a 64-byte message (median, min, p99) and
//! the throughput of 256 MiB sent in 1 MiB chunks, for each transport; the checksums the child
//! computed, equal to the parent's for all three.
//!
//! Python: `multiprocessing.Pipe`, `Queue` (a pipe plus pickling), `socket.AF_UNIX`, and
//! `multiprocessing.shared_memory.SharedMemory`: the guide's "inter-process communication".
//!
//! On a virtual machine the round trips are bimodal: a few microseconds when the other
//! process's CPU is awake, tens when it has to be woken from idle; the min shows the first.
//!
//! Try this: `--size 65536` (the pipe's round trip grows with the copy, shared memory's less);
//! `--chunk-kib 4` (many small chunks: the doorbell, not the copy, sets shared memory's pace).

use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use memmap2::MmapMut;
use shared::{Table, fmt_duration};

#[derive(Parser, Debug)]
#[command(
    about = "Pipes, Unix sockets and shared memory between processes: latency and throughput"
)]
struct Args {
    /// Round trips to time (the child echoes each message).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    round_trips: u32,
    /// Bytes per round-trip message.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    size: u32,
    /// MiB streamed one way for the throughput figure.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    megabytes: u32,
    /// KiB per chunk of the stream.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    chunk_kib: u32,
    /// Internal: be the child end of this transport.
    #[arg(long, value_enum, hide = true)]
    child: Option<Transport>,
    /// Internal: the socket or the mapped file the child opens.
    #[arg(long, hide = true)]
    path: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Transport {
    Pipe,
    Socket,
    Shm,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Pipe => "pipe",
            Transport::Socket => "unix socket",
            Transport::Shm => "shared memory",
        }
    }
}

/// The sizes both ends agree on, from the command line.
#[derive(Clone, Copy)]
struct Plan {
    round_trips: u32,
    size: usize,
    chunk: usize,
    chunks: usize,
}

/// Fills `buf` with bytes that differ per chunk, so a lost or repeated chunk changes the sum.
fn fill(buf: &mut [u8], seed: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i.wrapping_mul(31) ^ seed.wrapping_mul(7919)) as u8;
    }
}

/// FNV-1a, folded over every byte received.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// What one transport measured: round trips, stream time, and the child's checksum.
struct Figures {
    round_trips: Vec<Duration>,
    stream: Duration,
    child_sum: u64,
}

// ---- Byte streams (pipe and socket): the same code over any Read + Write. ----

fn child_stream(plan: Plan, mut from: impl Read, mut to: impl Write) -> std::io::Result<()> {
    let mut msg = vec![0; plan.size];
    for _ in 0..plan.round_trips {
        from.read_exact(&mut msg)?;
        to.write_all(&msg)?;
        to.flush()?;
    }
    let (mut chunk, mut sum) = (vec![0; plan.chunk], FNV_START);
    for _ in 0..plan.chunks {
        from.read_exact(&mut chunk)?;
        sum = fnv(sum, &chunk);
    }
    to.write_all(&sum.to_le_bytes())?;
    to.flush()
}

fn parent_stream(plan: Plan, mut to: impl Write, mut from: impl Read) -> Result<Figures, String> {
    let (mut msg, mut back) = (vec![0; plan.size], vec![0; plan.size]);
    fill(&mut msg, 1);
    let mut round_trips = Vec::with_capacity(plan.round_trips as usize);
    for _ in 0..plan.round_trips {
        let t = Instant::now();
        to.write_all(&msg)
            .and_then(|()| to.flush())
            .map_err(|e| e.to_string())?;
        from.read_exact(&mut back).map_err(|e| e.to_string())?;
        round_trips.push(t.elapsed());
        if back != msg {
            return Err("the echo differs from the message".into());
        }
    }
    let mut chunk = vec![0; plan.chunk];
    let t = Instant::now();
    for c in 0..plan.chunks {
        fill(&mut chunk, c); // producing the data is part of sending it, for every transport
        to.write_all(&chunk).map_err(|e| e.to_string())?;
    }
    to.flush().map_err(|e| e.to_string())?;
    let mut sum = [0; 8];
    from.read_exact(&mut sum).map_err(|e| e.to_string())?;
    Ok(Figures {
        round_trips,
        stream: t.elapsed(),
        child_sum: u64::from_le_bytes(sum),
    })
}

// ---- Shared memory: data in a mapped file, a one-byte doorbell on a pipe for turns. ----

/// Maps `file` into this process.
fn map(file: &std::fs::File) -> std::io::Result<MmapMut> {
    // SAFETY: `map_mut` is unsafe because another process may change the file while it is
    // mapped, which Rust's references cannot express. Here exactly two processes share it and
    // take turns: each touches the mapping only between receiving the doorbell byte and sending
    // its own, and those pipe reads and writes order the accesses. Nobody truncates the file.
    #[allow(unsafe_code)]
    unsafe {
        MmapMut::map_mut(file)
    }
}

fn child_shm(plan: Plan, path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let mut shm = map(&file)?;
    let (mut bell_in, mut bell_out) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut ring = [0u8; 1];
    let n = plan.size;
    for _ in 0..plan.round_trips {
        bell_in.read_exact(&mut ring)?;
        shm.copy_within(0..n, n); // the echo: the message back, in the reply half
        bell_out.write_all(&ring)?;
        bell_out.flush()?;
    }
    let mut sum = FNV_START;
    for _ in 0..plan.chunks {
        bell_in.read_exact(&mut ring)?;
        sum = fnv(sum, &shm[..plan.chunk]); // read in place: no copy
        bell_out.write_all(&ring)?;
        bell_out.flush()?;
    }
    bell_out.write_all(&sum.to_le_bytes())?;
    bell_out.flush()
}

fn parent_shm(plan: Plan, shm: &mut MmapMut, child: &mut Child) -> Result<Figures, String> {
    let (Some(bell_out), Some(bell_in)) = (child.stdin.as_mut(), child.stdout.as_mut()) else {
        return Err("no doorbell pipes".into());
    };
    let ring = |out: &mut std::process::ChildStdin, inn: &mut std::process::ChildStdout| {
        let mut b = [1u8];
        out.write_all(&b)
            .and_then(|()| inn.read_exact(&mut b))
            .map_err(|e| e.to_string())
    };
    let n = plan.size;
    let mut msg = vec![0; n];
    fill(&mut msg, 1);
    let mut round_trips = Vec::with_capacity(plan.round_trips as usize);
    for _ in 0..plan.round_trips {
        let t = Instant::now();
        shm[..n].copy_from_slice(&msg);
        ring(bell_out, bell_in)?;
        let ok = shm[n..2 * n] == msg[..];
        round_trips.push(t.elapsed());
        if !ok {
            return Err("the echo differs from the message".into());
        }
    }
    let t = Instant::now();
    for c in 0..plan.chunks {
        fill(&mut shm[..plan.chunk], c); // written straight into the shared pages
        ring(bell_out, bell_in)?;
    }
    let mut sum = [0; 8];
    bell_in.read_exact(&mut sum).map_err(|e| e.to_string())?;
    Ok(Figures {
        round_trips,
        stream: t.elapsed(),
        child_sum: u64::from_le_bytes(sum),
    })
}

// ---- The parent: start a child per transport, measure, reap. ----

fn child_command(transport: &str, args: &Args, path: Option<&Path>) -> Result<Command, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(me);
    cmd.args(["--child", transport])
        .args(["--round-trips", &args.round_trips.to_string()])
        .args(["--size", &args.size.to_string()])
        .args(["--megabytes", &args.megabytes.to_string()])
        .args(["--chunk-kib", &args.chunk_kib.to_string()]);
    if let Some(p) = path {
        cmd.arg("--path").arg(p);
    }
    Ok(cmd)
}

/// Waits for the child, whatever happened; an error if it failed or `result` did.
fn reap(mut child: Child, result: Result<Figures, String>) -> Result<Figures, String> {
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let figures = result?;
    if !status.success() {
        return Err(format!("the child exited with {status}"));
    }
    Ok(figures)
}

fn measure_transport(t: Transport, args: &Args, plan: Plan, dir: &Path) -> Result<Figures, String> {
    let spawn = |cmd: &mut Command| {
        cmd.spawn()
            .map_err(|e| format!("cannot start the child: {e}"))
    };
    match t {
        Transport::Pipe => {
            let mut child = spawn(
                child_command("pipe", args, None)?
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped()),
            )?;
            let result = match (child.stdin.take(), child.stdout.take()) {
                (Some(to), Some(from)) => parent_stream(plan, BufWriter::new(to), from),
                _ => Err("no pipes".into()),
            };
            reap(child, result) // the pipes were dropped above: the child sees EOF
        }
        Transport::Socket => {
            let path = dir.join("ipc.sock");
            let listener = UnixListener::bind(&path).map_err(|e| e.to_string())?;
            let child = spawn(&mut child_command("socket", args, Some(&path))?)?;
            let result = listener
                .accept()
                .map_err(|e| e.to_string())
                .and_then(|(s, _)| {
                    let from = s.try_clone().map_err(|e| e.to_string())?;
                    parent_stream(plan, BufWriter::new(s), from)
                });
            reap(child, result)
        }
        Transport::Shm => {
            let path = dir.join("ipc.shm");
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| e.to_string())?;
            file.set_len((2 * plan.size).max(plan.chunk) as u64)
                .map_err(|e| e.to_string())?;
            let mut shm = map(&file).map_err(|e| e.to_string())?;
            let mut child = spawn(
                child_command("shm", args, Some(&path))?
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped()),
            )?;
            let result = parent_shm(plan, &mut shm, &mut child);
            drop(child.stdin.take());
            reap(child, result)
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let chunk = args.chunk_kib as usize * 1024;
    let total = args.megabytes as usize * 1024 * 1024;
    if chunk > total {
        eprintln!(
            "error: --chunk-kib {} is more than the {} MiB streamed",
            args.chunk_kib, args.megabytes
        );
        return ExitCode::from(2);
    }
    let plan = Plan {
        round_trips: args.round_trips,
        size: args.size as usize,
        chunk,
        chunks: total / chunk,
    };
    if let Some(t) = args.child {
        let result = match (t, &args.path) {
            (Transport::Pipe, _) => {
                child_stream(plan, std::io::stdin().lock(), std::io::stdout().lock())
            }
            (Transport::Socket, Some(p)) => UnixStream::connect(p).and_then(|s| {
                let from = BufReader::new(s.try_clone()?);
                child_stream(plan, from, BufWriter::new(s))
            }),
            (Transport::Shm, Some(p)) => child_shm(plan, p),
            _ => {
                eprintln!("error: --child socket and shm need --path");
                return ExitCode::from(2);
            }
        };
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: child: {e}");
                ExitCode::FAILURE
            }
        };
    }

    // /dev/shm is memory (tmpfs): the mapped file never goes to disk. Fall back to the temp dir.
    let base = Path::new("/dev/shm");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    };
    let dir = match dir {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot make a temporary directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The parent's checksum of the stream, for comparison with each child's.
    let mut expected = FNV_START;
    let mut buf = vec![0; chunk];
    for c in 0..plan.chunks {
        fill(&mut buf, c);
        expected = fnv(expected, &buf);
    }
    let mut table = Table::new([
        "transport",
        "round trip (median)",
        "min",
        "p99",
        "stream",
        "MiB/s",
        "checksum",
    ]);
    let mut summary = Vec::new();
    let mut all_equal = true;
    for t in [Transport::Pipe, Transport::Socket, Transport::Shm] {
        let mut f = match measure_transport(t, &args, plan, dir.path()) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {}: {e}", t.name());
                return ExitCode::FAILURE;
            }
        };
        f.round_trips.sort();
        let pick = |q: f64| f.round_trips[((f.round_trips.len() - 1) as f64 * q) as usize];
        let mib_s = (plan.chunks * chunk) as f64 / 1_048_576.0 / f.stream.as_secs_f64();
        let equal = f.child_sum == expected;
        all_equal &= equal;
        table.row([
            t.name().to_string(),
            fmt_duration(pick(0.5)),
            fmt_duration(pick(0.0)),
            fmt_duration(pick(0.99)),
            fmt_duration(f.stream),
            format!("{mib_s:.0}"),
            if equal {
                "equal".into()
            } else {
                format!("DIFFERS ({:x})", f.child_sum)
            },
        ]);
        summary.push(format!(
            "{} {} and {mib_s:.0} MiB/s",
            t.name(),
            fmt_duration(pick(0.5))
        ));
    }
    println!(
        "{} round trips of {} bytes, then {} MiB in {} KiB chunks, parent -> child:",
        args.round_trips, args.size, args.megabytes, args.chunk_kib
    );
    print!("{table}");
    println!(
        "round trip and stream: {}; {}",
        summary.join(", "),
        if all_equal {
            "the same bytes arrived through each"
        } else {
            "BUT A CHECKSUM DIFFERS"
        }
    );
    if all_equal {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
