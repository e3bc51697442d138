//! Workspace-wide conventions, checked: the README's index and the programs stay in step,
//! every program has the header a learner relies on and a test that runs it, and parking_lot's
//! deadlock detector stays in the one crate that teaches with it.
//!
//! These live in `shared` because it is the one crate every other depends on; they read the
//! workspace from disk and never build anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CRATES: [&str; 4] = [
    "examples-async",
    "examples-threads",
    "examples-process",
    "examples-pitfalls",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("shared/ sits in the workspace root")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every program: (binary name) -> (crate, source file). `src/bin/name.rs`, or
/// `src/bin/name/main.rs` for a program that needs modules.
fn programs() -> BTreeMap<String, (String, PathBuf)> {
    let mut found = BTreeMap::new();
    for krate in CRATES {
        let dir = root().join(krate).join("src/bin");
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("readable src/bin").path();
            let (name, file) = if path.is_dir() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, path.join("main.rs"))
            } else if path.extension().is_some_and(|e| e == "rs") {
                (
                    path.file_stem().unwrap().to_string_lossy().into_owned(),
                    path,
                )
            } else {
                continue;
            };
            let previous = found.insert(name.clone(), (krate.to_string(), file));
            // cargo writes every binary into one target directory.
            assert!(
                previous.is_none(),
                "binary {name} exists in two crates: {previous:?} and {krate}"
            );
        }
    }
    found
}

/// The `cargo run [--release] -p CRATE --bin NAME` commands in a text: (crate, name) pairs.
fn run_commands(text: &str) -> BTreeSet<(String, String)> {
    let mut commands = BTreeSet::new();
    for line in text.lines() {
        for part in line.split("cargo run").skip(1) {
            let words: Vec<&str> = part
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| c == '`' || c == '|'))
                .collect();
            let after = |flag: &str| {
                words
                    .iter()
                    .position(|w| *w == flag)
                    .and_then(|i| words.get(i + 1))
                    .map(|w| w.to_string())
            };
            if let (Some(krate), Some(bin)) = (after("-p"), after("--bin")) {
                commands.insert((krate, bin));
            }
        }
    }
    commands
}

#[test]
fn readme_index_lists_exactly_the_programs() {
    let readme = read(&root().join("README.md"));
    let listed = run_commands(&readme);
    let programs = programs();
    assert!(
        !programs.is_empty(),
        "no programs found under examples-*/src/bin"
    );
    for (name, (krate, _)) in &programs {
        assert!(
            listed.contains(&(krate.clone(), name.clone())),
            "README.md does not list `cargo run -p {krate} --bin {name}`"
        );
    }
    for (krate, name) in &listed {
        let exists = programs.get(name).is_some_and(|(k, _)| k == krate);
        assert!(
            exists,
            "README.md lists `cargo run -p {krate} --bin {name}`, which does not exist"
        );
    }
}

#[test]
fn quick_start_has_two_commands_and_the_second_runs_the_tests() {
    let readme = read(&root().join("README.md"));
    let section = readme
        .split("## Quick start")
        .nth(1)
        .expect("README.md has a Quick start")
        .split("\n## ")
        .next()
        .unwrap();
    let block = section.split("```").nth(1).expect("a code block");
    let commands: Vec<&str> = block
        .lines()
        .skip(1) // the fence's language tag
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run "), "{commands:?}");
    // .ci/run runs this line: it is the suite's one test command.
    assert!(commands[1].starts_with("cargo test"), "{commands:?}");
    let ci = read(&root().join(".ci/run"));
    assert!(
        ci.contains("Quick start"),
        ".ci/run must take its test command from the README"
    );
}

#[test]
fn every_program_has_the_header_sections() {
    for (name, (krate, file)) in programs() {
        let source = read(&file);
        let header: Vec<&str> = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| l.trim_start_matches("//!").trim())
            .collect();
        assert!(
            header.first().is_some_and(|title| title.len() > 10),
            "{name}: the file must open with a //! title line"
        );
        let header = header.join("\n");
        for section in ["Run:", "You will see:", "Python:", "Try this:"] {
            assert!(
                header.contains(section),
                "{name}: the //! header has no `{section}` section"
            );
        }
        assert!(
            run_commands(&header).contains(&(krate.clone(), name.clone())),
            "{name}: Run: must give `cargo run -p {krate} --bin {name}`"
        );
    }
}

#[test]
fn every_program_is_run_by_a_test_of_its_crate() {
    for (name, (krate, _)) in programs() {
        let tests = root().join(&krate).join("tests");
        let mut sources = String::new();
        for entry in fs::read_dir(&tests).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "rs") {
                sources.push_str(&read(&entry.path()));
            }
        }
        assert!(
            sources.contains(&format!("CARGO_BIN_EXE_{name}\"")),
            "{name}: no test in {krate}/tests runs env!(\"CARGO_BIN_EXE_{name}\")"
        );
    }
}

/// parking_lot's `deadlock_detection` feature adds bookkeeping to every lock. It is on in
/// examples-pitfalls (for `deadlock`); built on its own, every other crate must get plain
/// parking_lot, so that the locks measured there are the ones users get.
#[test]
fn deadlock_detection_stays_in_examples_pitfalls() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for krate in CRATES.iter().copied().chain(["shared"]) {
        let output = Command::new(&cargo)
            .current_dir(root())
            .args(["tree", "--quiet", "-p", krate, "-e", "features,normal"])
            .args(["--prefix", "none", "--format", "{p} {f}"])
            .output()
            .expect("cargo tree runs");
        let tree = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "cargo tree -p {krate}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let detecting = tree.lines().any(|l| l.contains("deadlock_detection"));
        assert_eq!(
            detecting,
            krate == "examples-pitfalls",
            "{krate}: parking_lot's deadlock_detection is {}",
            if detecting {
                "on (it must stay in examples-pitfalls)"
            } else {
                "off"
            }
        );
    }
}
