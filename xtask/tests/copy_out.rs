//! `cargo xtask copy-out` as a user meets it: the exit statuses it promises, and a real copy
//! that names nothing of the workspace. (CI's `cargo xtask copy-check` builds and runs every
//! copy; that takes minutes, so it is a step of `.ci/run`, not a test here.)

use std::path::Path;
use std::process::Command;

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_program_a_full_folder_and_compare_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy");
    let target = target.to_str().unwrap();

    let (code, _, err) = xtask(&["copy-out", "no_such_program", target]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no program `no_such_program`") && err.contains("spawn_join"));

    std::fs::write(dir.path().join("left.txt"), "x").unwrap();
    let (code, _, err) = xtask(&["copy-out", "spawn_join", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not empty"), "{err}");

    let (code, _, err) = xtask(&["copy-out", "compare", target]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not copied out"), "{err}");
    assert!(!Path::new(target).exists(), "a refused copy writes nothing");
}

#[test]
fn a_copy_stands_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("parallel_cpu");
    let (code, out, err) = xtask(&["copy-out", "parallel_cpu", target.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let main = std::fs::read_to_string(target.join("src/main.rs")).unwrap();
    let manifest = std::fs::read_to_string(target.join("Cargo.toml")).unwrap();
    assert!(main.contains("fn count_threads") && main.contains("mod support;"));
    assert!(
        main.contains("cargo run --release -- --limit"),
        "its own commands"
    );
    assert!(!main.contains("witness"), "test witnesses are left out");
    assert!(target.join("src/support/cli.rs").exists());
    assert!(manifest.contains("rayon = \"1.12\"") && !manifest.contains("path ="));
    assert!(!manifest.contains("tokio"), "only what the program names");
    for word in ["shared::", "examples-", "workspace", "xtask"] {
        for file in ["src/main.rs", "Cargo.toml", "src/support/mod.rs"] {
            let text = std::fs::read_to_string(target.join(file)).unwrap();
            assert!(!text.contains(word), "{file} names {word}");
        }
    }
}
