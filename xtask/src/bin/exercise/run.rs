//! Running an exercise's checker and reading what failed: a compile error (with its code), or
//! the checker's tests that failed, each named by its requirement.

use std::path::Path;
use std::time::Duration;

use xtask::{Running, cargo};

use crate::track::Exercise;

/// The longest a check may take; every checker has its own watchdogs well inside this.
const LIMIT: Duration = Duration::from_secs(180);

pub enum Outcome {
    Passed,
    /// Error codes (`E0277`), and the compiler's first lines.
    DoesNotCompile(Vec<String>, String),
    /// The failing tests, and each one's panic message.
    Failed(Vec<(String, String)>),
    /// Nothing ran, or cargo could not start, or the run was stopped at the limit.
    Broken(String),
}

/// Runs the checker of `exercise` in the workspace `exercises` (a copy of it for `verify`),
/// building in `target/{target}` (and `target/{target}-loom` for loom): `verify` builds its
/// copy apart, or cargo would take the copy's newer build for the learner's.
pub fn check(root: &Path, exercises: &Path, exercise: &Exercise, target: &str) -> Outcome {
    let mut cmd = cargo();
    cmd.arg("test")
        .arg("--manifest-path")
        .arg(exercises.join("Cargo.toml"))
        .args(["-p", &exercise.name, "--test", "check", "--color", "never"]);
    if exercise.mode == "loom" {
        // The suite's loom configuration (see README, "Model checking"), in its own target
        // directory so that the flag does not throw away the plain build.
        cmd.arg("--release")
            .arg("--target-dir")
            .arg(root.join(format!("target/{target}-loom")))
            .env("RUSTFLAGS", "--cfg pitfalls_loom");
    } else {
        cmd.arg("--target-dir")
            .arg(root.join(format!("target/{target}")))
            .env_remove("RUSTFLAGS");
    }
    // Its own process group (Running), so that a check stopped at the limit takes the test
    // binary (a learner's code that spins or hangs) with it, not only cargo.
    let running = match Running::spawn(cmd.env("RUST_BACKTRACE", "0")) {
        Ok(r) => r,
        Err(e) => return Outcome::Broken(format!("cannot run cargo: {e}")),
    };
    let ran = running.wait(LIMIT);
    if ran.status.is_none() {
        return Outcome::Broken(format!("the check ran past {LIMIT:?} and was stopped"));
    }
    read_outcome(&ran.stdout, &ran.stderr)
}

fn read_outcome(out: &str, err: &str) -> Outcome {
    if err.contains("could not compile") {
        let mut codes: Vec<String> = err
            .match_indices("error[E")
            .map(|(at, _)| err[at + 6..at + 11].to_string())
            .collect();
        codes.dedup();
        let first: Vec<&str> = err
            .lines()
            .skip_while(|l| !l.starts_with("error"))
            .take(20)
            .collect();
        return Outcome::DoesNotCompile(codes, first.join("\n"));
    }
    let failed: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect();
    if failed.is_empty() {
        if out.contains("test result: ok.") && !out.contains("ok. 0 passed") {
            return Outcome::Passed;
        }
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Outcome::Broken(format!("the checker did not finish:\n{}", tail.join("\n")));
    }
    Outcome::Failed(
        failed
            .into_iter()
            .map(|name| {
                let message = panic_message(out, &name);
                (name, message)
            })
            .collect(),
    )
}

/// The `panicked at ...:` message the test printed under `---- NAME stdout ----`.
fn panic_message(out: &str, test: &str) -> String {
    let header = format!("---- {test} stdout ----");
    let Some(at) = out.find(&header) else {
        return String::new();
    };
    // The message's first line, without assert_eq!'s own preamble.
    let first = out[at + header.len()..]
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .nth(1)
        .unwrap_or_default();
    first
        .trim_start_matches("assertion `left == right` failed: ")
        .trim_start_matches("assertion failed: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_read_by_test_name_with_their_message() {
        let out = "running 2 tests\ntest a ... ok\ntest lost ... FAILED\n\nfailures:\n\n---- lost stdout ----\n\nthread 'lost' panicked at tests/check.rs:9:5:\nan update was lost\nnote: run with\n\ntest result: FAILED. 1 passed; 1 failed";
        let Outcome::Failed(f) = read_outcome(out, "") else {
            panic!("not read as a failure");
        };
        assert_eq!(f, [("lost".to_string(), "an update was lost".to_string())]);
        let err =
            "error[E0277]: `Rc<u32>` cannot be sent\n --> src/lib.rs\nerror: could not compile `x`";
        let Outcome::DoesNotCompile(codes, _) = read_outcome("", err) else {
            panic!("not read as a compile error");
        };
        assert_eq!(codes, ["E0277"]);
        assert!(matches!(
            read_outcome("test result: ok. 3 passed; 0 failed", ""),
            Outcome::Passed
        ));
    }
}
