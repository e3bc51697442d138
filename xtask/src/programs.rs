//! The suite's programs: `examples-*/src/bin/NAME.rs`, or a folder `NAME/main.rs` with its
//! modules beside it.

use std::fs;
use std::path::{Path, PathBuf};

pub struct Program {
    pub name: String,
    /// The crate's folder, `examples-threads`.
    pub krate: PathBuf,
    /// `main.rs` or `NAME.rs`, then the folder's other modules, sorted.
    pub files: Vec<PathBuf>,
}

impl Program {
    pub fn main(&self) -> &Path {
        &self.files[0]
    }
}

/// Every program, sorted by name.
pub fn all(root: &Path) -> Vec<Program> {
    let mut programs = Vec::new();
    let mut crates: Vec<PathBuf> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("examples-"))
        })
        .collect();
    crates.sort();
    for krate in crates {
        let Ok(entries) = fs::read_dir(krate.join("src/bin")) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let files = if path.is_dir() {
                let mut modules: Vec<PathBuf> = fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.ends_with("main.rs"))
                    .collect();
                modules.sort();
                let mut files = vec![path.join("main.rs")];
                files.extend(modules);
                files
            } else if path.extension().is_some_and(|e| e == "rs") {
                vec![path]
            } else {
                continue;
            };
            programs.push(Program {
                name,
                krate: krate.clone(),
                files,
            });
        }
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    programs
}

/// The small arguments the crate's robustness table (`tests/robust.rs`) runs NAME with: the
/// first `&[...]` after the line naming its binary (None: the table does not list it).
pub fn small_args(program: &Program) -> Option<Vec<String>> {
    let table = fs::read_to_string(program.krate.join("tests/robust.rs")).unwrap_or_default();
    let marker = format!("CARGO_BIN_EXE_{}\"", program.name);
    let rest = &table[table.find(&marker)?..];
    let open = rest.find("&[")?;
    let body = &rest[open + 2..];
    let close = body.find(']').unwrap_or(body.len());
    Some(
        body[..close]
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// The path a server program answers, from its `serves: Some("...")` in tests/robust.rs.
pub fn serves(program: &Program) -> Option<String> {
    let table = fs::read_to_string(program.krate.join("tests/robust.rs")).ok()?;
    let marker = format!("CARGO_BIN_EXE_{}\"", program.name);
    let rest = &table[table.find(&marker)? + marker.len()..];
    // Only this program's entry: up to the next binary's.
    let entry = &rest[..rest.find("CARGO_BIN_EXE_").unwrap_or(rest.len())];
    let at = entry.find("serves: Some(\"")? + "serves: Some(\"".len();
    Some(entry[at..].split('"').next()?.to_string())
}
