//! `cargo xtask copy-check`: what CI proves for every program. Each copy is its own crate in a
//! folder outside the workspace, built alone (cargo would unify features across the members
//! of one workspace and hide a missing one; the target directory is shared, which only saves
//! rebuilding the same dependencies), then `cargo clippy -D warnings`, then one run with the
//! small arguments the crate's robustness test uses, which must exit 0 within two minutes.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::copy;
use crate::programs::{self, Program};

const RUN_LIMIT: Duration = Duration::from_secs(120);

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

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

    let args = programs::small_args(program);
    let exe = target.join("debug").join(&program.name);
    let started = Instant::now();
    let mut child = Command::new(&exe)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    // Read the output on threads so a chatty program never blocks on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    let shown = format!("{} {}", program.name, args.join(" "));
    match status {
        Some(s) if s.success() => Ok(format!(
            "{shown}: {} lines in {:.1} s",
            out.lines().count(),
            started.elapsed().as_secs_f64()
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
