//! What both of xtask's binaries (`cargo xtask`, `cargo exercise`) need: where the workspace
//! is, how to say "bad arguments", how to call cargo, and how to run a child with a time limit;
//! and the edits on a program's text (`source`) that copy-out and the exercises' regions share.

pub mod source;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The workspace root: xtask's own folder's parent. Taken from the `CARGO_MANIFEST_DIR` that
/// `cargo run` (the aliases) sets for this run, so that a clone sharing another's target
/// folder works on its own files; the folder built from is the fallback.
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.join("src/lib.rs").is_file())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Bad arguments: one `error:` line and exit status 2.
pub fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The cargo that runs us (`$CARGO`), so that a toolchain override holds for what we start.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// A child in its own process group with its output read on threads (so a chatty child never
/// blocks on a full pipe); stopped at a limit, the whole group goes (cargo's test binary, a
/// program's workers), not only the child.
pub struct Running {
    child: Child,
    started: Instant,
    out: JoinHandle<String>,
    err: JoinHandle<String>,
}

/// How a [`Running`] child ended: its status, or None if it ran past the limit and was killed.
pub struct Ran {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// From the start to the end.
    pub took: Duration,
}

impl Running {
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Running> {
        let mut child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let reader = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        };
        let out = reader(Box::new(child.stdout.take().expect("piped")));
        let err = reader(Box::new(child.stderr.take().expect("piped")));
        Ok(Running {
            child,
            started: Instant::now(),
            out,
            err,
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    /// Waits until the child exits, or kills its process group once `limit` has passed since
    /// it started.
    pub fn wait(mut self, limit: Duration) -> Ran {
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if self.started.elapsed() <= limit => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    let group = format!("-{}", self.child.id());
                    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
            }
        };
        Ran {
            status,
            took: self.started.elapsed(),
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
        }
    }
}
