//! The suite's shape rule that a reader can count: one lesson per file, readable in five
//! minutes, so no file of a program is over 300 lines (DESIGN.md, "A program").

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_program_file_is_over_300_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for krate in [
        "examples-async",
        "examples-threads",
        "examples-process",
        "examples-pitfalls",
    ] {
        rust_files(&root.join(krate).join("src/bin"), &mut files);
    }
    assert!(files.len() > 55, "only {} program files found", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > 300).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "over 300 lines: {}", long.join(", "));
}
