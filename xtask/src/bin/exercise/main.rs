//! `cargo exercise`: the course's exercises (exercises/README.md), with checkers that are
//! certain: a wrong answer fails every time, a right one never.
//!
//!   cargo exercise list                    every exercise in course order, with your status
//!   cargo exercise check [NAME]            check one (default: the first not solved)
//!   cargo exercise hint NAME [N]           the next hint (one more each time), or hint N at
//!                                          once (the one a failed check names)
//!   cargo exercise solution NAME [--apply] the reference solution (--apply: put it in place,
//!                                          your file kept beside it as lib.rs.mine)
//!   cargo exercise reset NAME              back to the starter (yours kept as lib.rs.mine)
//!   cargo exercise watch                   check again on every save
//!   cargo exercise verify [NAME...]        maintainers and CI: every starter fails as declared,
//!                                          every solution passes, 5 times each
//!   cargo exercise generate [NAME...]      maintainers: starters, solutions, fingerprints
//!                                          (a learner's changed file kept as lib.rs.mine)
//!
//! Exit status: 0 solved (or done), 1 not solved (or a check failed), 2 bad arguments.

mod generate;
mod progress;
mod run;
mod track;
mod verify;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{root, usage};

use progress::{Entry, Progress};
use run::Outcome;
use track::{Exercise, Track};

#[derive(Parser)]
#[command(about = "The course's exercises: list, check, hint, solution, reset, watch, verify")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Every exercise in course order, with its guide section, program and your status.
    List,
    /// Check an exercise (default: the first one not solved yet).
    Check { name: Option<String> },
    /// Show the next hint for an exercise, or hint N at once (the one a failed check names).
    Hint {
        name: String,
        #[arg(value_parser = clap::value_parser!(u32).range(1..))]
        n: Option<u32>,
    },
    /// Show the reference solution.
    Solution {
        name: String,
        /// Put it in place of your file (yours is kept as src/lib.rs.mine).
        #[arg(long)]
        apply: bool,
    },
    /// Put the starter back (yours is kept as src/lib.rs.mine).
    Reset { name: String },
    /// Check the current exercise again each time a file under exercises/ is saved.
    Watch,
    /// For maintainers and CI: starters fail as declared, solutions pass, each several times.
    Verify {
        names: Vec<String>,
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        times: u32,
    },
    /// For maintainers: write starters and solutions from the templates and the programs (a
    /// learner's file with changes of its own is kept as src/lib.rs.mine first).
    Generate {
        /// Exercises to write (default: every one).
        names: Vec<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = root();
    let track = match Track::load(&root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let named = |name: &str| -> Result<&Exercise, ExitCode> {
        track
            .find(name)
            .ok_or_else(|| usage(&format!("no exercise `{name}` (see `cargo exercise list`)")))
    };
    match args.command {
        Cmd::List => list(&root, &track),
        Cmd::Check { name } => {
            let progress = Progress::load(&root);
            let exercise = match name {
                Some(n) => match named(&n) {
                    Ok(e) => e,
                    Err(code) => return code,
                },
                None => match track
                    .exercises
                    .iter()
                    .find(|e| !progress.get(&e.name).solved)
                {
                    Some(e) => e,
                    None => {
                        println!("every exercise is solved: well done");
                        return ExitCode::SUCCESS;
                    }
                },
            };
            check(&root, exercise)
        }
        Cmd::Hint { name, n } => match named(&name) {
            Ok(e) => match n {
                Some(n) if n as usize > e.hints.len() => {
                    usage(&format!("`{name}` has {} hints, not {n}", e.hints.len()))
                }
                Some(n) => hint_n(&root, e, n as usize),
                None => hint(&root, e),
            },
            Err(code) => code,
        },
        Cmd::Solution { name, apply } => match named(&name) {
            Ok(e) => solution(&root, e, apply),
            Err(code) => code,
        },
        Cmd::Reset { name } => match named(&name) {
            Ok(e) => reset(&root, e),
            Err(code) => code,
        },
        Cmd::Watch => verify::watch(&root, &track, check),
        Cmd::Verify { names, times } => {
            if let Some(n) = names.iter().find(|n| track.find(n).is_none()) {
                return usage(&format!("no exercise `{n}`"));
            }
            verify::verify(&root, &track, &names, times)
        }
        Cmd::Generate { names } => match names.iter().find(|n| track.find(n).is_none()) {
            Some(n) => usage(&format!("no exercise `{n}`")),
            None => generate_all(&root, &track, &names),
        },
    }
}

fn generate_all(root: &Path, track: &Track, names: &[String]) -> ExitCode {
    match generate::write_all(root, track, names) {
        Ok(kept) => {
            for k in &kept {
                let shown = k.strip_prefix(root).unwrap_or(k).display();
                println!("a learner's file had changes: kept as {shown}");
            }
            let written = if names.is_empty() {
                track.exercises.len()
            } else {
                names.len()
            };
            println!("wrote {written} starters and solutions");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn list(root: &Path, track: &Track) -> ExitCode {
    let progress = Progress::load(root);
    println!(
        "{:>2}  {:<24} {:<34} {:<20} {:>4}  status",
        "#", "exercise", "guide section", "program", "min"
    );
    for (i, e) in track.exercises.iter().enumerate() {
        let p = progress.get(&e.name);
        let status = match (p.solved, p.checked) {
            (true, _) => "solved",
            (false, true) => "failing",
            (false, false) => "not started",
        };
        println!(
            "{:>2}  {:<24} {:<34} {:<20} {:>4}  {status}",
            i + 1,
            e.name,
            e.section,
            e.program,
            e.minutes
        );
    }
    let solved = track
        .exercises
        .iter()
        .filter(|e| progress.get(&e.name).solved)
        .count();
    println!("{solved} of {} solved", track.exercises.len());
    ExitCode::SUCCESS
}

fn check(root: &Path, exercise: &Exercise) -> ExitCode {
    let name = &exercise.name;
    match (
        generate::fingerprint(root, exercise),
        generate::recorded(root, name),
    ) {
        (Ok(now), Some(was)) if now == was => {}
        _ => {
            eprintln!(
                "error: the checker of `{name}` (a file of exercises/{name} other than src/lib.rs, of exercises/checker, or exercises/Cargo.toml) is not the one the course ships; put it back with `git checkout -- exercises/{name} exercises/checker exercises/Cargo.toml ':!exercises/{name}/src/lib.rs'`"
            );
            return ExitCode::FAILURE;
        }
    }
    println!("checking {name} (exercises/{name}/src/lib.rs)...");
    let outcome = run::check(root, &root.join("exercises"), exercise, "exercises");
    let mut progress = Progress::load(root);
    let mut entry = progress.get(name);
    entry.checked = true;
    entry.solved = matches!(outcome, Outcome::Passed);
    progress.set(name, entry);
    match outcome {
        Outcome::Passed => {
            println!("solved: every requirement of `{name}` holds. Next: cargo exercise check");
            return ExitCode::SUCCESS;
        }
        Outcome::DoesNotCompile(codes, first) => {
            let codes = if codes.is_empty() {
                String::new()
            } else {
                format!(" ({})", codes.join(", "))
            };
            println!("`{name}` does not compile yet{codes}:\n{first}");
            println!("hint: cargo exercise hint {name}");
        }
        Outcome::Failed(mut failed) => {
            // libtest ends tests in whatever order they finish: list them in a steady one, the
            // requirement whose hint comes first, first.
            failed.sort_by_key(|(test, _)| {
                let hint = exercise
                    .requirements
                    .get(test)
                    .map_or(usize::MAX, |r| r.hint);
                (hint, test.clone())
            });
            println!("not solved yet:");
            for (test, message) in failed {
                match exercise.requirements.get(&test) {
                    Some(r) => {
                        println!("  - {}", r.says);
                        if !message.is_empty() {
                            println!("    the checker saw: {}", message.replace('\n', "\n    "));
                        }
                        println!(
                            "    hint {} fits this: cargo exercise hint {name} {}",
                            r.hint, r.hint
                        );
                    }
                    None => println!("  - {test}: {message}"),
                }
            }
        }
        Outcome::Broken(why) => println!("the check could not run: {why}"),
    }
    ExitCode::FAILURE
}

fn hint(root: &Path, exercise: &Exercise) -> ExitCode {
    let mut progress = Progress::load(root);
    let entry = progress.get(&exercise.name);
    let shown = (entry.hints + 1).min(exercise.hints.len());
    for (i, h) in exercise.hints.iter().enumerate().take(shown) {
        let fresh = if i + 1 == shown { "" } else { " (seen)" };
        println!("hint {} of {}{fresh}: {h}\n", i + 1, exercise.hints.len());
    }
    if shown == exercise.hints.len() {
        println!(
            "that was the last hint; `cargo exercise solution {}` shows the answer",
            exercise.name
        );
    }
    progress.set(
        &exercise.name,
        Entry {
            hints: shown,
            ..entry
        },
    );
    ExitCode::SUCCESS
}

/// Hint `n` (1-based, at most the count) at once; the hints seen so far go up to it.
fn hint_n(root: &Path, exercise: &Exercise, n: usize) -> ExitCode {
    let mut progress = Progress::load(root);
    let entry = progress.get(&exercise.name);
    let total = exercise.hints.len();
    println!("hint {n} of {total}: {}\n", exercise.hints[n - 1]);
    if n == total {
        println!(
            "that was the last hint; `cargo exercise solution {}` shows the answer",
            exercise.name
        );
    }
    progress.set(
        &exercise.name,
        Entry {
            hints: entry.hints.max(n),
            ..entry
        },
    );
    ExitCode::SUCCESS
}

/// Keeps the learner's file as `lib.rs.mine` (or `.mine.2`, ...) before replacing it.
fn keep_learners(file: &Path) -> Result<Option<PathBuf>, String> {
    if !file.exists() {
        return Ok(None);
    }
    let mut kept = file.with_extension("rs.mine");
    let mut n = 2;
    while kept.exists() {
        kept = file.with_extension(format!("rs.mine.{n}"));
        n += 1;
    }
    fs::copy(file, &kept).map_err(|e| format!("{}: {e}", kept.display()))?;
    Ok(Some(kept))
}

/// Whether `text` is the course's own (the starter or the reference solution), with nothing of
/// the learner's in it to keep.
fn the_courses(root: &Path, exercise: &Exercise, text: &str) -> bool {
    fs::read_to_string(exercise.solution(root)).is_ok_and(|s| s == text)
        || generate::generate(root, exercise).is_ok_and(|(starter, _)| starter == text)
}

fn replace_learners(root: &Path, exercise: &Exercise, text: &str, what: &str) -> ExitCode {
    let file = exercise.learner_file(root);
    let keep = |file: &Path| match fs::read_to_string(file) {
        Ok(now) if the_courses(root, exercise, &now) => Ok(None),
        _ => keep_learners(file),
    };
    match keep(&file).and_then(|kept| {
        fs::write(&file, text).map_err(|e| e.to_string())?;
        Ok(kept)
    }) {
        Ok(kept) => {
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            match kept {
                Some(k) => println!(
                    "{shown} is now the {what}; yours is kept as {}",
                    k.strip_prefix(root).unwrap_or(&k).display()
                ),
                None => println!("{shown} is now the {what}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn solution(root: &Path, exercise: &Exercise, apply: bool) -> ExitCode {
    let text = match fs::read_to_string(exercise.solution(root)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", exercise.solution(root).display());
            return ExitCode::FAILURE;
        }
    };
    if !apply {
        print!("{text}");
        return ExitCode::SUCCESS;
    }
    replace_learners(root, exercise, &text, "reference solution")
}

fn reset(root: &Path, exercise: &Exercise) -> ExitCode {
    let starter = match generate::generate(root, exercise) {
        Ok((starter, _)) => starter,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut progress = Progress::load(root);
    let entry = progress.get(&exercise.name);
    progress.set(
        &exercise.name,
        Entry {
            solved: false,
            ..entry
        },
    );
    replace_learners(root, exercise, &starter, "starter")
}
