//! The suite's own tools, run as `cargo xtask ...` (the alias is in `.cargo/config.toml`).
//!
//!   cargo xtask copy-out NAME DIR     program NAME as a crate of its own in DIR
//!   cargo xtask copy-check [NAME...]  copy each program (all by default) into a temporary
//!                                     folder, alone, then clippy -D warnings, build and run it
//!   cargo xtask headers [--check]     write (or check) each program's "Copy it out" paragraph
//!
//! Exit status: 0 done, 1 a copy or check failed, 2 bad arguments (an unknown program, a
//! folder that is not empty).

mod check;
mod copy;
mod headers;
mod manifest;
mod programs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{root, source, usage};

#[derive(Parser)]
#[command(about = "The suite's own tools")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write program NAME into DIR as a standalone crate: `cd DIR && cargo run`.
    CopyOut { name: String, dir: PathBuf },
    /// Copy programs out one by one, each built alone: clippy -D warnings, then a small run.
    CopyCheck {
        /// Programs to check (default: every one).
        names: Vec<String>,
        /// Target directory shared by the copies (their dependencies build once).
        #[arg(long, default_value = "target/copies")]
        target_dir: PathBuf,
    },
    /// Write each program's "Copy it out" paragraph, or with --check fail if one is stale.
    Headers {
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = root();
    let all = programs::all(&root);
    match args.command {
        Cmd::CopyOut { name, dir } => {
            let Some(program) = all.iter().find(|p| p.name == name) else {
                let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                return usage(&format!(
                    "no program `{name}`; the programs: {}",
                    names.join(", ")
                ));
            };
            if dir.read_dir().is_ok_and(|mut d| d.next().is_some()) {
                return usage(&format!("{} is not empty", dir.display()));
            }
            if dir.exists() && !dir.is_dir() {
                return usage(&format!("{} is not a folder", dir.display()));
            }
            let made = copy::make(&root, program)
                .map_err(|e| (e, 2))
                .and_then(|c| {
                    copy::write(&root, &c, &dir).map_err(|e| (e, 1))?;
                    Ok(c)
                });
            match made {
                Ok(c) => {
                    println!(
                        "{name} copied to {} ({} files, {} dependencies): cd {} && cargo run --release",
                        dir.display(),
                        c.files.len(),
                        c.dependencies.len(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err((e, code)) => {
                    eprintln!("error: {e}");
                    ExitCode::from(code)
                }
            }
        }
        Cmd::CopyCheck { names, target_dir } => {
            let unknown: Vec<&String> = names
                .iter()
                .filter(|n| !all.iter().any(|p| &p.name == *n))
                .collect();
            if !unknown.is_empty() {
                return usage(&format!("no program {unknown:?}"));
            }
            let chosen: Vec<&programs::Program> = all
                .iter()
                .filter(|p| names.is_empty() || names.contains(&p.name))
                .collect();
            check::run(&root, &chosen, &root.join(target_dir))
        }
        Cmd::Headers { check } => headers::run(&root, &all, check),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every program's header says how to copy it out and which dependencies its copy gets,
    /// exactly as `copy-out` would write them (`cargo xtask headers` rewrites a stale one).
    #[test]
    fn every_header_is_current() {
        let root = root();
        let all = programs::all(&root);
        assert!(all.len() >= 56, "found {} programs", all.len());
        let mut stale = Vec::new();
        for program in &all {
            let paragraph = headers::paragraph(&root, program).unwrap();
            let text = std::fs::read_to_string(program.main()).unwrap();
            if headers::with_paragraph(&text, &paragraph) != text {
                stale.push(program.name.as_str());
            }
        }
        assert!(
            stale.is_empty(),
            "run `cargo xtask headers`: stale in {stale:?}"
        );
    }

    #[test]
    fn every_program_has_small_arguments_for_its_copy_run() {
        for program in programs::all(&root()) {
            assert!(
                programs::small_args(&program).is_some() || program.name == "compare",
                "{}: no small args found in tests/robust.rs",
                program.name
            );
        }
    }
}
