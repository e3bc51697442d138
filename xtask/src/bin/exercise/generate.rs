//! One source of truth: each exercise's reference solution is code from its example program,
//! carved out by markers, the way Comprehensive Rust's ANCHOR markers carve exercises from
//! solutions. A template (`exercises/templates/NAME.rs`) holds what surrounds it:
//!
//! - `// region: PATH NAME` is, in the solution, the lines of program PATH between
//!   `// exercise NAME {` and `// exercise NAME }` (re-indented, without the lines marked
//!   `// test witness`, as copy-out drops them); the starter drops it;
//! - `// starter {` ... `// starter }` holds the starter's own lines, each written `// | code`
//!   so that the template stays valid Rust; the starter has them as code, the solution not;
//! - `// solution {` ... `// solution }`: lines only the solution has;
//! - every other line is in both.
//!
//! So fixing a program fixes its exercise; `verify` checks that the committed starter and
//! solution are what generation gives, and that the checkers match `exercises/checkers.txt`.

use std::fs;
use std::path::{Path, PathBuf};

use xtask::source::strip_witnesses;

use crate::track::{Exercise, Track};

/// The lines of `path` between `// exercise NAME {` and `// exercise NAME }`, without the
/// lines the program has for its tests only (`// test witness`, as copy-out removes them: a
/// learner's solution never shows them), with their common indentation removed.
fn region(root: &Path, path: &str, name: &str) -> Result<Vec<String>, String> {
    let text = fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))?;
    let (open, close) = (
        format!("// exercise {name} {{"),
        format!("// exercise {name} }}"),
    );
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == open)
        .ok_or(format!("{path} has no `{open}`"))?;
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.trim() == close)
            .ok_or(format!("{path}: `{open}` is never closed"))?;
    let body = strip_witnesses(&lines[start + 1..end].join("\n"), path)?;
    let body: Vec<&str> = body.lines().collect();
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Ok(body
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").to_string())
        .collect())
}

/// (starter, solution) for one exercise.
pub fn generate(root: &Path, exercise: &Exercise) -> Result<(String, String), String> {
    let path = exercise.template(root);
    let template = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut starter, mut solution) = (String::new(), String::new());
    let mut block = "";
    for line in template.lines() {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        match (block, trimmed) {
            ("", "// starter {") => block = "starter",
            ("", "// solution {") => block = "solution",
            ("starter", "// starter }") | ("solution", "// solution }") => block = "",
            ("starter", _) => {
                let code = trimmed
                    .strip_prefix("// | ")
                    .or(trimmed.strip_prefix("// |"))
                    .ok_or(format!(
                        "{}: a starter line without `// |`: {line}",
                        path.display()
                    ))?;
                let code_indent = line.find("// |").map_or(indent, |at| &line[..at]);
                if code.is_empty() {
                    starter.push('\n');
                } else {
                    starter.push_str(&format!("{code_indent}{code}\n"));
                }
            }
            ("solution", _) => solution.push_str(&format!("{line}\n")),
            ("", _) if trimmed.starts_with("// region: ") => {
                let spec: Vec<&str> = trimmed["// region: ".len()..].split_whitespace().collect();
                let [program, name] = spec[..] else {
                    return Err(format!(
                        "{}: `// region: PATH NAME`: {line}",
                        path.display()
                    ));
                };
                for l in region(root, program, name)? {
                    if l.is_empty() {
                        solution.push('\n');
                    } else {
                        solution.push_str(&format!("{indent}{l}\n"));
                    }
                }
            }
            _ => {
                starter.push_str(&format!("{line}\n"));
                solution.push_str(&format!("{line}\n"));
            }
        }
    }
    if !block.is_empty() {
        return Err(format!(
            "{}: a `// {block} {{` is never closed",
            path.display()
        ));
    }
    Ok((starter, solution))
}

/// FNV-1a, 64 bits: enough to notice an edited file, with no dependency.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The fingerprint of an exercise's checker: its files' paths and contents.
pub fn fingerprint(root: &Path, exercise: &Exercise) -> Result<String, String> {
    let mut hash = FNV_START;
    for path in exercise.checker_files(root) {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        hash = fnv(hash, relative.to_string_lossy().as_bytes());
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        hash = fnv(hash, &bytes);
    }
    Ok(format!("{hash:016x}"))
}

/// The fingerprint of a starter's text: what `generate` last wrote as the learner's file.
pub fn starter_fingerprint(text: &[u8]) -> String {
    format!("{:016x}", fnv(FNV_START, text))
}

pub fn checkers_file(root: &Path) -> PathBuf {
    root.join("exercises/checkers.txt")
}

/// Word `at` (1: the checker's fingerprint, 2: the starter's) of an exercise's line in
/// `exercises/checkers.txt`.
fn recorded_word(root: &Path, name: &str, at: usize) -> Option<String> {
    let text = fs::read_to_string(checkers_file(root)).ok()?;
    text.lines().find_map(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        (words.first() == Some(&name))
            .then(|| words.get(at).map(|w| w.to_string()))
            .flatten()
    })
}

/// The checker's fingerprint `exercises/checkers.txt` records for an exercise.
pub fn recorded(root: &Path, name: &str) -> Option<String> {
    recorded_word(root, name, 1)
}

/// The starter's fingerprint `exercises/checkers.txt` records for an exercise.
pub fn recorded_starter(root: &Path, name: &str) -> Option<String> {
    recorded_word(root, name, 2)
}

/// Whether the learner's file holds work of its own: it is neither the starter about to be
/// written nor the one `generate` wrote last (a template changed since is not the learner's
/// doing).
fn holds_work(root: &Path, exercise: &Exercise, starter: &str) -> bool {
    match fs::read(exercise.learner_file(root)) {
        Ok(now) => {
            now != starter.as_bytes()
                && Some(starter_fingerprint(&now)) != recorded_starter(root, &exercise.name)
        }
        Err(_) => false,
    }
}

/// For maintainers: writes the solution and the starter of every exercise in `names` (all if
/// empty; the committed learner's file is the starter), and the fingerprints of their
/// checkers and starters (the others' stay as recorded). A learner's file with work of its own
/// is kept beside it first (`lib.rs.mine`, as `reset` does): returns those kept.
pub fn write_all(root: &Path, track: &Track, names: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut checkers = String::from(
        "# Fingerprints of each exercise's checker (every file of exercises/NAME but src/lib.rs,\n\
         # with exercises/checker and exercises/Cargo.toml)\n\
         # and of its starter, written by `cargo exercise generate`: `check` refuses an exercise\n\
         # whose checker changed; `generate` keeps a learner's file that is not the starter.\n",
    );
    let mut kept = Vec::new();
    for exercise in &track.exercises {
        // Not asked for: its line stays as recorded (if it has one).
        if !names.is_empty()
            && !names.contains(&exercise.name)
            && let (Some(checker), Some(starter)) = (
                recorded(root, &exercise.name),
                recorded_starter(root, &exercise.name),
            )
        {
            checkers.push_str(&format!("{} {checker} {starter}\n", exercise.name));
            continue;
        }
        let (starter, solution) = generate(root, exercise)?;
        let solution_path = exercise.solution(root);
        let learner = exercise.learner_file(root);
        fs::create_dir_all(solution_path.parent().unwrap_or(root)).map_err(|e| e.to_string())?;
        fs::create_dir_all(learner.parent().unwrap_or(root)).map_err(|e| e.to_string())?;
        fs::write(&solution_path, solution).map_err(|e| e.to_string())?;
        if holds_work(root, exercise, &starter) {
            kept.extend(crate::keep_learners(&learner)?);
        }
        fs::write(&learner, &starter).map_err(|e| e.to_string())?;
        checkers.push_str(&format!(
            "{} {} {}\n",
            exercise.name,
            fingerprint(root, exercise)?,
            starter_fingerprint(starter.as_bytes())
        ));
    }
    fs::write(checkers_file(root), checkers).map_err(|e| e.to_string())?;
    let (path, _, new) =
        readme_with_table(root, track).ok_or("exercises/README.md has no track markers")?;
    fs::write(path, new).map_err(|e| e.to_string())?;
    Ok(kept)
}

/// The course table of exercises/README.md (between its `<!-- track -->` markers): what
/// `generate` writes there and `verify` expects.
pub fn readme_table(track: &Track) -> String {
    let mut out = String::from(
        "| # | exercise | guide section | program | minutes | checked by |\n|---|---|---|---|---|---|\n",
    );
    for (i, e) in track.exercises.iter().enumerate() {
        let how = if e.mode == "loom" {
            "loom model"
        } else {
            "tests"
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | `{}` | {} | {how} |\n",
            i + 1,
            e.name,
            e.section,
            e.program,
            e.minutes
        ));
    }
    let minutes: u32 = track.exercises.iter().map(|e| e.minutes).sum();
    out.push_str(&format!(
        "\n{} exercises, about {} hours in all.\n",
        track.exercises.len(),
        minutes.div_ceil(60)
    ));
    out
}

/// exercises/README.md with its table replaced; None if it has no markers.
pub fn readme_with_table(root: &Path, track: &Track) -> Option<(PathBuf, String, String)> {
    let path = root.join("exercises/README.md");
    let text = fs::read_to_string(&path).ok()?;
    let (start, end) = ("<!-- track start -->\n", "<!-- track end -->");
    let a = text.find(start)? + start.len();
    let b = text.find(end)?;
    let new = format!("{}{}{}", &text[..a], readme_table(track), &text[b..]);
    Some((path, text, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_leaves_out_what_the_tests_alone_need() {
        let dir = tempfile::tempdir().unwrap();
        let program = "fn f() -> u32 {\n    // exercise x {\n    let a = 1;\n    shared::witness::arrive(\"a\", 1); // test witness\n    // test witness {: why\n    if a > 0 {\n        shared::witness::arrive(\"x\", 2);\n    }\n    // test witness }\n    a\n    // exercise x }\n}\n";
        fs::write(dir.path().join("p.rs"), program).unwrap();
        assert_eq!(
            region(dir.path(), "p.rs", "x").unwrap(),
            ["let a = 1;", "a"]
        );
        // A witness not marked for removal would show in the solution: refused.
        fs::write(
            dir.path().join("q.rs"),
            program.replace(" // test witness\n", "\n"),
        )
        .unwrap();
        assert!(region(dir.path(), "q.rs", "x").is_err());
    }
}
