//! The track: `exercises/info.toml`, in course order, and where each exercise's files live.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Track {
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

#[derive(Deserialize)]
pub struct Exercise {
    pub name: String,
    /// The guide's section.
    pub section: String,
    /// The example program it belongs to (its solution comes from there).
    pub program: String,
    pub minutes: u32,
    /// `test`: `cargo test`; `loom`: the same under `--cfg pitfalls_loom`, in release.
    #[serde(default = "plain")]
    pub mode: String,
    /// How the starter fails, which `verify` insists on: `test:NAME` (that test fails) or
    /// `compile:E0277` (it does not compile, with that error).
    pub starter_fails: String,
    pub hints: Vec<String>,
    /// Test name → what it checks in a learner's words, and which hint fits its failure.
    pub requirements: BTreeMap<String, Requirement>,
}

#[derive(Deserialize)]
pub struct Requirement {
    pub says: String,
    pub hint: usize,
}

fn plain() -> String {
    "test".into()
}

impl Track {
    pub fn load(root: &Path) -> Result<Track, String> {
        let path = root.join("exercises/info.toml");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let track: Track = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for e in &track.exercises {
            if e.hints.len() < 2 {
                return Err(format!("{}: at least two hints", e.name));
            }
            if let Some((_, r)) = e
                .requirements
                .iter()
                .find(|(_, r)| r.hint == 0 || r.hint > e.hints.len())
            {
                return Err(format!("{}: requirement names hint {}", e.name, r.hint));
            }
        }
        Ok(track)
    }

    pub fn find(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.name == name)
    }
}

impl Exercise {
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join("exercises").join(&self.name)
    }
    /// The learner's file.
    pub fn learner_file(&self, root: &Path) -> PathBuf {
        self.dir(root).join("src/lib.rs")
    }
    pub fn template(&self, root: &Path) -> PathBuf {
        root.join("exercises/templates")
            .join(format!("{}.rs", self.name))
    }
    pub fn solution(&self, root: &Path) -> PathBuf {
        root.join("exercises/solutions")
            .join(format!("{}.rs", self.name))
    }
    /// The files a learner does not edit: everything in the exercise's folder but
    /// `src/lib.rs` (the checker, the crate's manifest, any module the task provides), and the
    /// checker crate and manifest every exercise shares, sorted.
    pub fn checker_files(&self, root: &Path) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let dir = self.dir(root);
        let mut files = Vec::new();
        walk(&dir, &mut files);
        // What every checker shares counts too: the checker crate and the track's manifest.
        walk(&root.join("exercises/checker/src"), &mut files);
        files.push(root.join("exercises/checker/Cargo.toml"));
        files.push(root.join("exercises/Cargo.toml"));
        let learner = self.learner_file(root);
        files.retain(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            *p != learner && !name.contains(".mine")
        });
        files.sort();
        files
    }
}
