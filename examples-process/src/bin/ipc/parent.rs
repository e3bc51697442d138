//! The parent's side of each transport: start the child (this program with `--child`),
//! connect, measure, reap.

use std::io::BufWriter;
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::data::{Figures, Source};
use crate::{Args, Plan, Transport, shm, streams};

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

fn spawn(cmd: &mut Command) -> Result<Child, String> {
    cmd.spawn()
        .map_err(|e| format!("cannot start the child: {e}"))
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

pub fn measure(
    t: Transport,
    args: &Args,
    plan: Plan,
    source: &mut Source,
    dir: &Path,
) -> Result<Figures, String> {
    let e = |e: std::io::Error| e.to_string();
    match t {
        Transport::Pipe => {
            let mut child = spawn(
                child_command("pipe", args, None)?
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped()),
            )?;
            let result = match (child.stdin.take(), child.stdout.take()) {
                (Some(to), Some(from)) => streams::parent(plan, source, BufWriter::new(to), from),
                _ => Err("no pipes".into()),
            };
            reap(child, result) // the pipes were dropped above: the child sees EOF
        }
        Transport::Socket => {
            let path = dir.join("ipc.sock");
            let listener = UnixListener::bind(&path).map_err(e)?;
            let child = spawn(&mut child_command("socket", args, Some(&path))?)?;
            let result = listener.accept().map_err(e).and_then(|(s, _)| {
                let from = s.try_clone().map_err(e)?;
                streams::parent(plan, source, BufWriter::new(s), from)
            });
            reap(child, result)
        }
        Transport::Shm => {
            let path = dir.join("ipc.shm");
            let file = std::fs::File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(e)?;
            file.set_len(shm::file_len(plan)).map_err(e)?;
            let mut child = spawn(
                child_command("shm", args, Some(&path))?
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped()),
            )?;
            let result = match (child.stdin.as_mut(), child.stdout.as_mut()) {
                (Some(to), Some(from)) => shm::parent(plan, source, &file, to, from),
                _ => Err("no doorbell pipes".into()),
            };
            drop(child.stdin.take());
            reap(child, result)
        }
    }
}
