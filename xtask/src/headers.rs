//! Each program's header ends with how to copy it out and the `[dependencies]` its copy gets,
//! for a reader of the file alone (as tokio's examples do). Written from the copy itself, so
//! the two cannot disagree; `--check` (run by the tests) fails when one is stale.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::copy;
use crate::manifest;
use crate::programs::Program;

/// The paragraph for `program`, as `//!` lines.
pub fn paragraph(root: &Path, program: &Program) -> Result<Vec<String>, String> {
    if let Some((_, why)) = copy::NOT_COPIED.iter().find(|(n, _)| *n == program.name) {
        return Ok(vec![format!("//! Copy it out: not this one; {why}.")]);
    }
    let made = copy::make(root, program)?;
    let mut lines = vec![
        format!(
            "//! Copy it out: `cargo xtask copy-out {} DIR` writes it as a crate of its own{}, with:",
            program.name,
            if made.carried.is_empty() {
                String::new()
            } else {
                format!(" (with `src/support/`: {})", made.carried.join(", "))
            }
        ),
        "//!".into(),
        "//! ```toml".into(),
    ];
    for line in manifest::dependency_lines(&made.dependencies) {
        lines.push(format!("//! {line}"));
    }
    lines.push("//! ```".into());
    // rustfmt leaves comments alone, so long lines stay as written; wrap the first at 100.
    if lines[0].len() > 100 {
        let first = lines.remove(0);
        let cut = first[..100].rfind(' ').unwrap_or(100);
        lines.insert(0, first[..cut].to_string());
        lines.insert(1, format!("//!{}", &first[cut..]));
    }
    Ok(lines)
}

/// The header with its paragraph replaced (or added at the end of the `//!` block).
pub fn with_paragraph(text: &str, paragraph: &[String]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let header_end = lines
        .iter()
        .position(|l| !l.starts_with("//!"))
        .unwrap_or(lines.len());
    let start = lines[..header_end]
        .iter()
        .position(|l| l.starts_with("//! Copy it out:"))
        .map_or(header_end, |at| {
            if at > 0 && lines[at - 1] == "//!" {
                at - 1
            } else {
                at
            }
        });
    let mut out: Vec<String> = lines[..start].iter().map(|l| l.to_string()).collect();
    out.push("//!".into());
    out.extend(paragraph.iter().cloned());
    out.extend(lines[header_end..].iter().map(|l| l.to_string()));
    out.join("\n") + "\n"
}

pub fn run(root: &Path, programs: &[Program], check: bool) -> ExitCode {
    let mut stale = Vec::new();
    let mut failed = false;
    for program in programs {
        let paragraph = match paragraph(root, program) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
                continue;
            }
        };
        let path = program.main();
        let Ok(text) = fs::read_to_string(path) else {
            eprintln!("error: cannot read {}", path.display());
            failed = true;
            continue;
        };
        let new = with_paragraph(&text, &paragraph);
        if new != text {
            stale.push(program.name.clone());
            if !check && let Err(e) = fs::write(path, new) {
                eprintln!("error: {}: {e}", path.display());
                failed = true;
            }
        }
    }
    if check && !stale.is_empty() {
        eprintln!(
            "error: the \"Copy it out\" paragraph is stale in {}: run `cargo xtask headers`",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    if !check && !stale.is_empty() {
        println!("rewrote the header of {}", stale.join(", "));
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
