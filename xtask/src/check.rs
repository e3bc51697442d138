//! `cargo xtask copy-check`: what CI proves for every program. Each copy is its own crate in a
//! folder outside the workspace, built alone (cargo would unify features across the members
//! of one workspace and hide a missing one; the target directory is shared, which only saves
//! rebuilding the same dependencies), then `cargo clippy -D warnings`, then one run with the
//! small arguments the crate's robustness test uses, which must exit 0 within two minutes (a
//! server: answer one request on a free port, then end cleanly on SIGTERM).

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use std::time::{Duration, Instant};
use xtask::{Ran, Running, cargo};

use crate::copy;
use crate::programs::{self, Program};

const RUN_LIMIT: Duration = Duration::from_secs(120);

fn one(root: &Path, program: &Program, base: &Path, target: &Path) -> Result<String, String> {
    let dir = base.join(&program.name);
    let made = copy::make(root, program)?;
    copy::write(root, &made, &dir)?;
    let quiet = |mut cmd: Command, what: &str| -> Result<(), String> {
        let out = cmd
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", target)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!("{what} failed:\n{}", tail.join("\n")))
    };
    let mut clippy = cargo();
    clippy.args(["clippy", "--quiet", "--all-targets", "--", "-D", "warnings"]);
    quiet(clippy, "cargo clippy -D warnings")?;
    let mut build = cargo();
    build.args(["build", "--quiet"]);
    quiet(build, "cargo build")?;

    let mut args = programs::small_args(program).unwrap_or_default();
    let exe = target.join("debug").join(&program.name);
    let serves = programs::serves(program);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    if serves.is_some() {
        args.extend(["--port".to_string(), port.to_string()]);
    }
    let mut child = Running::spawn(Command::new(&exe).args(&args).current_dir(&dir))
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    // A server runs until it is told to stop: one answer, then SIGTERM, which it must end
    // cleanly on (exit 0).
    if let Some(path) = &serves {
        let answered = loop {
            if let Ok(answer) = get(port, path) {
                break answer.starts_with("HTTP/1.1 200");
            }
            if child.elapsed() > RUN_LIMIT || child.exited() {
                break false;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        if !answered {
            child.wait(Duration::ZERO);
            return Err(format!(
                "{} never answered GET {path} with 200",
                program.name
            ));
        }
    }
    let Ran {
        status,
        stdout: out,
        stderr: err,
        took,
    } = child.wait(RUN_LIMIT);
    let shown = format!("{} {}", program.name, args.join(" "));
    match status {
        Some(s) if s.success() => Ok(format!(
            "{shown}: {} lines in {:.1} s",
            out.lines().count(),
            took.as_secs_f64()
        )),
        Some(s) => Err(format!("`{shown}` exited with {s}:\n{out}\n{err}")),
        None => Err(format!("`{shown}` ran past {RUN_LIMIT:?}:\n{out}\n{err}")),
    }
}

pub fn run(root: &Path, chosen: &[&Program], target: &Path) -> ExitCode {
    // Outside the workspace, so that cargo does not take a copy for one of its members.
    let base = std::env::temp_dir().join(format!("copy-check-{}", std::process::id()));
    let mut failed = Vec::new();
    let mut skipped = 0;
    for program in chosen {
        if copy::NOT_COPIED.iter().any(|(n, _)| *n == program.name) {
            skipped += 1;
            continue;
        }
        let started = Instant::now();
        match one(root, program, &base, target) {
            Ok(line) => println!(
                "ok   {line} (copy, clippy, build and run {:.0} s)",
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                println!("FAIL {}: {e}", program.name);
                failed.push(program.name.clone());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    println!(
        "{} copies built alone, clean under clippy and run; {} failed{}",
        chosen.len() - skipped - failed.len(),
        failed.len(),
        if skipped > 0 {
            format!(", {skipped} not copied by design")
        } else {
            String::new()
        }
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: these copies failed: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}

fn get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}
