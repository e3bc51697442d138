//! `verify` (the track is sound: each starter fails for the reason it declares, each solution
//! passes, several times in a row, in a copy of the exercises so no learner file is touched)
//! and `watch` (check again on every save, as rustlings does).

use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::generate;
use crate::progress::Progress;
use crate::run::{self, Outcome};
use crate::track::{Exercise, Track};

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".progress" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Whether an outcome is the failure the exercise declares for its starter.
fn fails_as_declared(exercise: &Exercise, outcome: &Outcome) -> Result<(), String> {
    let declared = &exercise.starter_fails;
    match (declared.split_once(':'), outcome) {
        // An error code (`compile:E0277`), or the error's words where rustc gives it no code
        // ("future cannot be sent between threads safely").
        (Some(("compile", code)), Outcome::DoesNotCompile(codes, first))
            if codes.iter().any(|c| c == code) || first.contains(code) =>
        {
            Ok(())
        }
        (Some(("test", test)), Outcome::Failed(failed))
            if failed.iter().any(|(t, _)| t == test) =>
        {
            Ok(())
        }
        (_, Outcome::Passed) => Err("the starter passes".into()),
        (_, Outcome::DoesNotCompile(codes, first)) => {
            Err(format!("does not compile ({codes:?}):\n{first}"))
        }
        (_, Outcome::Failed(failed)) => Err(format!("fails other tests: {failed:?}")),
        (_, Outcome::Broken(why)) => Err(why.clone()),
    }
}

pub fn verify(root: &Path, track: &Track, names: &[String], times: u32) -> ExitCode {
    let mut problems = Vec::new();
    let work = std::env::temp_dir().join(format!("exercise-verify-{}", std::process::id()));
    if let Err(e) = copy_dir(&root.join("exercises"), &work) {
        eprintln!("error: cannot copy exercises/: {e}");
        return ExitCode::FAILURE;
    }
    // Every exercise crate is a member of the exercises workspace, and nothing else is.
    let members = fs::read_to_string(root.join("exercises/Cargo.toml")).unwrap_or_default();
    for exercise in &track.exercises {
        if !members.contains(&format!("\"{}\"", exercise.name)) {
            problems.push(format!(
                "{}: not a member of exercises/Cargo.toml",
                exercise.name
            ));
        }
    }
    for exercise in track
        .exercises
        .iter()
        .filter(|e| names.is_empty() || names.contains(&e.name))
    {
        let name = &exercise.name;
        let (starter, solution) = match generate::generate(root, exercise) {
            Ok(pair) => pair,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        // What is committed is what generation gives.
        if fs::read_to_string(exercise.learner_file(root))
            .ok()
            .as_deref()
            != Some(&starter)
        {
            problems.push(format!("{name}: src/lib.rs is not the generated starter (`cargo exercise generate`, or `reset` it)"));
        }
        if fs::read_to_string(exercise.solution(root)).ok().as_deref() != Some(&solution) {
            problems.push(format!("{name}: solutions/{name}.rs is not what generation gives (`cargo exercise generate`)"));
        }
        if generate::fingerprint(root, exercise).ok() != generate::recorded(root, name)
            || generate::recorded_starter(root, name)
                != Some(generate::starter_fingerprint(starter.as_bytes()))
        {
            problems.push(format!(
                "{name}: checkers.txt does not match its checker (`cargo exercise generate`)"
            ));
        }
        let problems_before = problems.len();
        let learner = work.join(name).join("src/lib.rs");
        for (what, text) in [("starter", &starter), ("solution", &solution)] {
            if let Err(e) = fs::write(&learner, text) {
                problems.push(format!("{name}: {e}"));
                continue;
            }
            for run in 1..=times {
                let outcome = run::check(root, &work, exercise, "exercises-verify");
                let verdict = if what == "starter" {
                    fails_as_declared(exercise, &outcome)
                } else if matches!(outcome, Outcome::Passed) {
                    Ok(())
                } else {
                    Err(match outcome {
                        Outcome::DoesNotCompile(_, first) => first,
                        Outcome::Failed(f) => format!("{f:?}"),
                        Outcome::Broken(why) => why,
                        Outcome::Passed => unreachable!(),
                    })
                };
                if let Err(e) = verdict {
                    problems.push(format!("{name}: the {what}, run {run} of {times}: {e}"));
                    break;
                }
            }
        }
        if problems.len() == problems_before {
            println!(
                "{name}: starter fails as declared ({}), solution passes, {times} times each",
                exercise.starter_fails
            );
        } else {
            println!("{name}: FAILED (below)");
        }
    }
    let _ = fs::remove_dir_all(&work);
    if problems.is_empty() {
        println!("the track is sound");
        return ExitCode::SUCCESS;
    }
    for p in &problems {
        eprintln!("error: {p}");
    }
    ExitCode::FAILURE
}

pub fn watch(root: &Path, track: &Track, check: fn(&Path, &Exercise) -> ExitCode) -> ExitCode {
    let (tx, rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = watcher.watch(&root.join("exercises"), RecursiveMode::Recursive) {
        eprintln!("error: cannot watch exercises/: {e}");
        return ExitCode::FAILURE;
    }
    loop {
        let progress = Progress::load(root);
        let Some(current) = track
            .exercises
            .iter()
            .find(|e| !progress.get(&e.name).solved)
        else {
            println!("every exercise is solved: well done");
            return ExitCode::SUCCESS;
        };
        check(root, current);
        println!("\nwatching exercises/ (save a file to check again, Ctrl-C to stop)");
        // Wait for a saved source file, then let a burst of events settle.
        loop {
            match rx.recv() {
                Ok(Ok(event))
                    if event
                        .paths
                        .iter()
                        .any(|p| p.extension().is_some_and(|e| e == "rs")) =>
                {
                    break;
                }
                Ok(_) => continue,
                Err(_) => return ExitCode::FAILURE,
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        while rx.try_recv().is_ok() {}
    }
}
