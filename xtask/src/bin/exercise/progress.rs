//! The learner's progress: `exercises/.progress` (git ignores it), one line per exercise
//! touched: `NAME STATUS HINTS`, where STATUS is `solved` or `failing` and HINTS how many hints
//! were shown.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Default, Clone)]
pub struct Entry {
    pub solved: bool,
    pub checked: bool,
    pub hints: usize,
}

pub struct Progress {
    path: PathBuf,
    entries: BTreeMap<String, Entry>,
}

impl Progress {
    pub fn load(root: &Path) -> Progress {
        let path = root.join("exercises/.progress");
        let mut entries = BTreeMap::new();
        for line in fs::read_to_string(&path).unwrap_or_default().lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let [name, status, hints] = words[..] {
                entries.insert(
                    name.to_string(),
                    Entry {
                        solved: status == "solved",
                        checked: status != "new",
                        hints: hints.parse().unwrap_or(0),
                    },
                );
            }
        }
        Progress { path, entries }
    }

    pub fn get(&self, name: &str) -> Entry {
        self.entries.get(name).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, name: &str, entry: Entry) {
        self.entries.insert(name.to_string(), entry);
        let text: String = self
            .entries
            .iter()
            .map(|(n, e)| {
                let status = match (e.checked, e.solved) {
                    (_, true) => "solved",
                    (true, false) => "failing",
                    (false, false) => "new",
                };
                format!("{n} {status} {}\n", e.hints)
            })
            .collect();
        if let Err(e) = fs::write(&self.path, text) {
            eprintln!(
                "warning: cannot save progress to {}: {e}",
                self.path.display()
            );
        }
    }
}
