//! A program as a crate of its own: its files with the test witnesses taken out, the `shared`
//! modules it uses carried as `src/support/`, the files it includes, a `Cargo.toml` with the
//! dependencies it names, and the workspace's `Cargo.lock` trimmed to them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use xtask::cargo;

use crate::manifest;
use crate::programs::Program;
use crate::source;

/// Programs that cannot stand alone, and why.
pub const NOT_COPIED: [(&str, &str); 1] = [(
    "compare",
    "it builds and runs the suite's other programs and compares their figures; copy those",
)];

/// Words that would tie a copy to this workspace.
const WORKSPACE_WORDS: [&str; 6] = [
    "shared::",
    "-p examples-",
    "CARGO_MANIFEST_DIR",
    "CARGO_BIN_EXE",
    "../..",
    "xtask",
];

pub struct Copy {
    /// Paths relative to the copy's folder, and their text.
    pub files: Vec<(PathBuf, String)>,
    pub dependencies: Vec<manifest::Dependency>,
    pub carried: Vec<String>,
}

/// The `shared` crate's modules and the names each one gives to `lib.rs`'s `pub use`.
struct SharedLib {
    /// (module, is `pub mod`)
    modules: Vec<(String, bool)>,
    /// (module, the whole `pub use module::{...};` statement)
    uses: Vec<(String, String)>,
}

fn shared_lib(root: &Path) -> Result<SharedLib, String> {
    let text = fs::read_to_string(root.join("shared/src/lib.rs")).map_err(|e| e.to_string())?;
    let mut lib = SharedLib {
        modules: Vec::new(),
        uses: Vec::new(),
    };
    let mut statement = String::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with("//") && !l.starts_with("#["))
    {
        statement.push_str(line);
        statement.push('\n');
        if !line.trim_end().ends_with(';') {
            continue;
        }
        let s = std::mem::take(&mut statement);
        let t = s.trim();
        if let Some(m) = t.strip_prefix("pub mod ") {
            lib.modules.push((m.trim_end_matches(';').into(), true));
        } else if let Some(m) = t.strip_prefix("mod ") {
            lib.modules.push((m.trim_end_matches(';').into(), false));
        } else if let Some(u) = t.strip_prefix("pub use ") {
            let module = u.split("::").next().unwrap_or_default().to_string();
            lib.uses.push((module, t.to_string()));
        }
    }
    Ok(lib)
}

impl SharedLib {
    /// The module a name used as `shared::name` lives in.
    fn module_of(&self, name: &str) -> Option<&str> {
        if let Some((m, _)) = self.modules.iter().find(|(m, _)| m == name) {
            return Some(m);
        }
        self.uses
            .iter()
            .find(|(_, u)| {
                source::names_after(u, &format!("{}::", u_module(u)))
                    .iter()
                    .any(|n| n == name)
            })
            .map(|(m, _)| m.as_str())
    }
}

fn u_module(statement: &str) -> &str {
    statement
        .trim_start_matches("pub use ")
        .split("::")
        .next()
        .unwrap_or_default()
}

/// Strips a module's unit tests (its trailing `#[cfg(test)]` module).
fn without_tests(text: &str) -> &str {
    match text.find("\n#[cfg(test)]\nmod tests") {
        Some(at) => &text[..=at],
        None => text,
    }
}

pub fn make(root: &Path, program: &Program) -> Result<Copy, String> {
    if let Some((_, why)) = NOT_COPIED.iter().find(|(n, _)| *n == program.name) {
        return Err(format!("{} is not copied out: {why}", program.name));
    }
    let lib = shared_lib(root)?;
    let mut files = Vec::new();
    let mut program_code = String::new();
    let mut included = Vec::new();
    for path in &program.files {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let mut text = source::strip_witnesses(&text, &shown)?;
        text = source::replace_path(&text, "shared::", "crate::support::");
        for include in source::includes(&text) {
            let from = path.parent().unwrap_or(root).join(&include);
            let base = from
                .file_name()
                .ok_or(format!("{shown}: include {include}"))?;
            let to = format!("included/{}", base.to_string_lossy());
            let bytes =
                fs::read_to_string(&from).map_err(|e| format!("{shown}: {include}: {e}"))?;
            text = text.replace(&format!("(\"{include}\")"), &format!("(\"{to}\")"));
            included.push((PathBuf::from("src").join(&to), bytes));
        }
        program_code.push_str(&text);
        let name = if files.is_empty() {
            PathBuf::from("src/main.rs")
        } else {
            PathBuf::from("src").join(path.file_name().unwrap_or_default())
        };
        files.push((name, text));
    }

    // The shared modules it names, and those they name in turn.
    let mut carried: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = source::names_after(&program_code, "crate::support::");
    let mut support_code = String::new();
    let mut support_files = Vec::new();
    while let Some(name) = queue.pop() {
        let module = lib
            .module_of(&name)
            .ok_or(format!("`shared::{name}` is not in shared/src/lib.rs"))?
            .to_string();
        if module == "witness" {
            return Err(format!(
                "{}: uses shared::witness outside a marked line",
                program.name
            ));
        }
        if !carried.insert(module.clone()) {
            continue;
        }
        let path = root.join(format!("shared/src/{module}.rs"));
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let shown = format!("shared/src/{module}.rs");
        let text = source::strip_witnesses(without_tests(&text), &shown)?;
        let text = source::replace_path(&text, "crate::", "super::");
        let text = source::replace_path(&text, "shared::", "crate::support::");
        queue.extend(source::names_after(&text, "super::"));
        support_code.push_str(&text);
        support_files.push((PathBuf::from(format!("src/support/{module}.rs")), text));
    }
    let carried: Vec<String> = carried.into_iter().collect();
    if !carried.is_empty() {
        files.push((
            PathBuf::from("src/support/mod.rs"),
            support_mod(&lib, &carried),
        ));
        files.extend(support_files);
        // `mod support;` after the header and before the first `use`, as the modules are.
        let main = &mut files[0].1;
        *main = declare_support(main);
    }
    files.extend(included);
    files[0].1 = source::rewrite_header(&files[0].1, &program.name, &carried);

    let dependencies = manifest::dependencies(root, &program.krate, &program_code, &support_code)?;
    let features = manifest::features(&program.krate, &dependencies)?;
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    files.push((
        PathBuf::from("Cargo.toml"),
        manifest::cargo_toml(&program.name, &dependencies, &features, &all),
    ));
    for (path, text) in &files {
        for word in WORKSPACE_WORDS {
            if let Some(line) = text.lines().find(|l| l.contains(word)) {
                return Err(format!(
                    "{}: {} still refers to the workspace ({word}): {}",
                    program.name,
                    path.display(),
                    line.trim()
                ));
            }
        }
    }
    Ok(Copy {
        files,
        dependencies,
        carried,
    })
}

/// `src/support/mod.rs`: the carried modules, re-exported as `shared`'s `lib.rs` does.
fn support_mod(lib: &SharedLib, carried: &[String]) -> String {
    let mut out = String::from(
        "//! Measuring and reporting helpers, carried with the program: wall and CPU time, peak\n\
         //! memory, tables, and `cli`, which makes it quiet on a closed stdout and clean after\n\
         //! Ctrl-C. Nothing here teaches concurrency; the lesson is in `main.rs`.\n\n\
         // Whole modules are carried: the program uses some of their items, not all.\n\
         #![allow(dead_code, unused_imports)]\n\n",
    );
    for (module, public) in &lib.modules {
        if carried.contains(module) {
            out.push_str(&format!(
                "{}mod {module};\n",
                if *public { "pub " } else { "" }
            ));
        }
    }
    out.push('\n');
    for (module, statement) in &lib.uses {
        if carried.contains(module) {
            out.push_str(statement);
            out.push('\n');
        }
    }
    out
}

fn declare_support(main: &str) -> String {
    let mut out = String::with_capacity(main.len() + 16);
    let mut done = false;
    for line in main.lines() {
        if !done && !line.starts_with("//!") && !line.trim().is_empty() {
            out.push_str("mod support;\n\n");
            done = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Writes the copy into `dir` (which must be empty or absent), with the workspace's lock file
/// trimmed by cargo to what the copy uses, so that it builds with the versions the suite tests.
pub fn write(root: &Path, copy: &Copy, dir: &Path) -> Result<(), String> {
    for (path, text) in &copy.files {
        let to = dir.join(path);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&to, text).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let lock = dir.join("Cargo.lock");
    fs::copy(root.join("Cargo.lock"), &lock).map_err(|e| format!("Cargo.lock: {e}"))?;
    // `cargo update --workspace` drops the packages the copy does not use and keeps the
    // versions of those it does; it needs the registry index only, which a build needs anyway.
    let trimmed = |offline: bool| {
        let mut cmd = cargo();
        cmd.args(["update", "--workspace", "--quiet"]);
        if offline {
            cmd.arg("--offline");
        }
        cmd.current_dir(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !trimmed(true) && !trimmed(false) {
        // Cargo resolves afresh at the first build instead.
        let _ = fs::remove_file(&lock);
    }
    // The edits above leave imports out of order: rustfmt puts them back, as `cargo fmt` would.
    let _ = cargo()
        .args(["fmt", "--quiet"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status();
    Ok(())
}
