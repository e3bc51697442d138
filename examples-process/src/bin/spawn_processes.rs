//! Spawning processes: start a program, pass it arguments and environment, capture what it
//! prints, and read how it ended.
//!
//! `std::process::Command` is Rust's `subprocess` and the base of every multiprocessing
//! lesson here. Each child is this very program started again in a child mode (so the
//! example needs nothing installed), plus one system program (`sh`) to show that any program
//! runs the same way. A child's exit is a status: a code it chose, a panic (code 101), or a
//! signal that killed it (abort is SIGABRT, 6), and the parent must `wait` for every child,
//! or a child that has ended stays a zombie for as long as the parent lives. Last, `spawn`
//! does not wait: N children started together and then waited for take about as long as one.
//!
//! Run:
//!   cargo run -p examples-process --bin spawn_processes
//!   cargo run -p examples-process --bin spawn_processes -- --children 8 --sleep-ms 500
//!
//! You will see: one line per child with its exit status and what it printed, from
//! `exit code 0` to `killed by signal 6 (abort)`; then N sleeping children one after another
//! (N x sleep) and all at once (about one sleep).
//!
//! Python: `subprocess.run([...], capture_output=True, env=...)`, `Popen(...).wait()`, and
//! `multiprocessing.Process(target=f).start()` / `.join()`; with the "spawn" start method (the
//! default on macOS and Windows) that runs Python again, as this program runs itself.
//!
//! Try this: `--children 50`: all at once still takes about one sleep, plus about a
//! millisecond per spawn, while one after another takes 50 sleeps (15 s); in `all_at_once`,
//! replace the `wait` loop with `std::thread::sleep(Duration::from_secs(30))` and run
//! `ps -o pid,stat,cmd --ppid PID` (PID: the parent's) meanwhile: once their sleep ends, the
//! children show as `Z` (`<defunct>`), zombies that nobody waited for.
//!
//! Copy it out: `cargo xtask copy-out spawn_processes DIR` writes it as a crate of its own (with
//! `src/support/`: cli, format, table), with:
//!
//! ```toml
//! [dependencies]
//! clap = { version = "4.6", features = ["derive"] }
//! nix = { version = "0.32", default-features = false, features = ["process", "resource", "signal"] }
//! signal-hook = "0.3"
//! tempfile = "3.27"
//! ```

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitCode, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use shared::{Table, fmt_duration, fmt_faster};

#[derive(Parser, Debug)]
#[command(about = "std::process: spawn, wait, exit codes, captured output, args and environment")]
struct Args {
    /// Sleeping children for the last part, first one after another, then all at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=200))]
    children: u32,
    /// How long each sleeping child sleeps, in milliseconds.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    sleep_ms: u64,
    /// Internal: be a child and do this.
    #[arg(long, value_enum, hide = true)]
    child: Option<Role>,
    /// Internal: the rest of the child's arguments.
    #[arg(trailing_var_arg = true, hide = true)]
    rest: Vec<String>,
}

/// What a child started from this program does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Print its arguments and the GREETING variable, exit 0.
    Echo,
    /// Read stdin, print it upper-cased.
    Shout,
    /// Print an error on stderr and exit with code 3.
    Fail,
    /// Panic: Rust exits with code 101.
    Panic,
    /// Abort: the process dies of SIGABRT and has no exit code.
    Abort,
    /// Sleep for the number of milliseconds given after it.
    Sleep,
}

fn child(role: Role, rest: &[String]) -> ExitCode {
    match role {
        Role::Echo => {
            let greeting = std::env::var("GREETING").unwrap_or_else(|_| "(unset)".into());
            println!("args={rest:?} GREETING={greeting}");
        }
        Role::Shout => {
            let input = std::io::read_to_string(std::io::stdin()).unwrap_or_default();
            print!("{}", input.to_uppercase());
        }
        Role::Fail => {
            eprintln!("error: the input file is missing");
            return ExitCode::from(3);
        }
        Role::Panic => panic!("a bug in the child"),
        Role::Abort => std::process::abort(),
        Role::Sleep => {
            let ms = rest.first().and_then(|s| s.parse().ok()).unwrap_or(0);
            // test witness {: a second number: n sleepers started together, all alive at once
            if let Some(n) = rest.get(1).and_then(|s| s.parse::<usize>().ok()) {
                shared::witness::arrive(&format!("sleepers-{n}"), n);
            }
            // test witness }
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
    ExitCode::SUCCESS
}

/// A command that runs this program again as a child in `role`.
fn me(role: &str) -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["--child", role]);
    Ok(cmd)
}

/// How a child ended, in words: a code it chose, or the signal that killed it.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(6)) => "killed by signal 6 (abort)".into(),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        (None, None) => "unknown".into(),
    }
}

/// The first non-empty line of captured output, trimmed for the table.
fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// One line per child: how it ended and what it printed.
fn show(name: &str, out: &Output) {
    let mut line = format!("{name:<24} {:<28}", describe(out.status));
    for (pipe, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if !bytes.is_empty() {
            line += &format!(" {pipe}: {}", first_line(bytes));
        }
    }
    println!("{}", line.trim_end());
}

fn show_children() -> Result<(), String> {
    let add = |name: &str, mut cmd: Command| -> Result<(), String> {
        // `output()` spawns, captures both pipes, and waits: no zombie is left behind.
        let out = cmd.output().map_err(|e| format!("{name}: {e}"))?;
        show(name, &out);
        Ok(())
    };

    let mut echo = me("echo")?;
    echo.args(["one", "two words"])
        .env("GREETING", "hello from the parent");
    add("echo (args + env)", echo)?;
    let mut bare = me("echo")?;
    bare.env_remove("GREETING");
    add("echo (env removed)", bare)?;
    add("fail", me("fail")?)?;
    let mut panic = me("panic")?;
    panic.env("RUST_BACKTRACE", "0");
    add("panic", panic)?;
    add("abort", me("abort")?)?;
    let mut sh = Command::new("sh");
    sh.args(["-c", "echo \"pid $$ says $GREETING\"; exit 7"])
        .env("GREETING", "hi");
    add("sh -c (another program)", sh)?;

    // stdin too: write to the child's pipe, close it, then collect the answer.
    let mut shout = me("shout")?
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("shout: {e}"))?;
    let written = shout
        .stdin
        .take()
        .map(|mut pipe| pipe.write_all(b"quiet words in\n")) // the pipe closes when dropped
        .unwrap_or(Ok(()));
    let out = shout.wait_with_output().map_err(|e| e.to_string())?;
    written.map_err(|e| format!("shout: {e}"))?;
    show("shout (stdin piped)", &out);
    Ok(())
}

fn sleeper(ms: u64) -> Result<Command, String> {
    let mut cmd = me("sleep")?;
    cmd.arg(ms.to_string());
    Ok(cmd)
}

fn one_after_another(n: u32, ms: u64) -> Result<Duration, String> {
    let start = Instant::now();
    for _ in 0..n {
        let status = sleeper(ms)?.status().map_err(|e| e.to_string())?; // spawn + wait
        if !status.success() {
            return Err(format!("a sleeper ended with {}", describe(status)));
        }
    }
    Ok(start.elapsed())
}

fn all_at_once(n: u32, ms: u64) -> Result<Duration, String> {
    let start = Instant::now();
    let mut started: Vec<Child> = Vec::new();
    for _ in 0..n {
        let mut cmd = sleeper(ms)?;
        cmd.arg(n.to_string()); // test witness: so the tests see all n alive at once
        match cmd.spawn() {
            Ok(c) => started.push(c), // returns at once: the child runs on its own
            Err(e) => {
                // Do not leave the ones already started behind.
                for mut c in started {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(format!("cannot start a sleeper: {e}"));
            }
        }
    }
    // Every child must be waited for: until then the kernel keeps it as a zombie.
    let mut failed: Option<String> = None;
    for mut c in started {
        match c.wait() {
            Ok(s) if s.success() => {}
            Ok(s) => failed = Some(describe(s)),
            Err(e) => failed = Some(e.to_string()),
        }
    }
    match failed {
        Some(f) => Err(format!("a sleeper ended with {f}")),
        None => Ok(start.elapsed()),
    }
}

fn main() -> ExitCode {
    shared::cli::setup();
    let args = Args::parse();
    if let Some(role) = args.child {
        return child(role, &args.rest);
    }
    if !args.rest.is_empty() {
        return shared::cli::usage_error(format!("unexpected argument {:?}", args.rest[0]));
    }
    if args.children < 2 {
        return shared::cli::usage_error(format!(
            "--children {}: it takes at least 2 children to show them running side by side",
            args.children
        ));
    }
    // The sleepers, one after another and then all at once: capped at 20 s, since the table
    // prints once both are done.
    let sleeps = |children: u32, ms: u64| (u128::from(children) + 1) * u128::from(ms);
    let d = Args::parse_from(["spawn_processes"]);
    let (work, default) = (
        sleeps(args.children, args.sleep_ms),
        sleeps(d.children, d.sleep_ms),
    );
    let lower = "--children or --sleep-ms";
    if let Err(refused) = shared::cli::cap_work("ms of sleep", work, default, 20_000, lower) {
        return refused;
    }
    let result = show_children().and_then(|()| {
        let seq = one_after_another(args.children, args.sleep_ms)?;
        let par = all_at_once(args.children, args.sleep_ms)?;
        let mut t = Table::new(["how", "children", "wall"]);
        for (how, wall) in [("one after another", seq), ("all at once", par)] {
            t.row([how.to_string(), args.children.to_string(), fmt_duration(wall)]);
        }
        print!("{t}");
        println!(
            "{} children sleeping {} ms: one after another {}, all at once {} ({}); spawn returns at once, wait is where the time goes",
            args.children,
            args.sleep_ms,
            fmt_duration(seq),
            fmt_duration(par),
            fmt_faster(seq, par)
        );
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
