//! The copy's `[dependencies]`: the crates its code names, each with the version from the
//! workspace and the features the workspace, the program's crate and `shared` turn on.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use toml::{Table, Value};

use crate::source::uses_crate;

/// Crates that only the suite's tests and benchmarks use, never a program.
const NOT_FOR_PROGRAMS: [&str; 5] = ["shared", "divan", "trybuild", "assert_cmd", "toml"];

pub struct Dependency {
    pub name: String,
    pub version: String,
    pub default_features: bool,
    pub features: BTreeSet<String>,
    pub optional: bool,
    /// `cfg(pitfalls_loom)`: only in the model-checking build.
    pub target: Option<String>,
}

impl Dependency {
    pub fn line(&self) -> String {
        let mut parts = vec![format!("version = \"{}\"", self.version)];
        if !self.default_features {
            parts.push("default-features = false".into());
        }
        if !self.features.is_empty() {
            let features: Vec<String> = self.features.iter().map(|f| format!("\"{f}\"")).collect();
            parts.push(format!("features = [{}]", features.join(", ")));
        }
        if self.optional {
            parts.push("optional = true".into());
        }
        if parts.len() == 1 {
            format!("{} = \"{}\"", self.name, self.version)
        } else {
            format!("{} = {{ {} }}", self.name, parts.join(", "))
        }
    }
}

fn read(path: &Path) -> Result<Table, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<Table>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn table<'a>(t: &'a Table, key: &str) -> Option<&'a Table> {
    t.get(key).and_then(Value::as_table)
}

fn features_of(spec: Option<&Value>) -> Vec<String> {
    spec.and_then(Value::as_table)
        .and_then(|t| t.get("features"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The dependencies of a copy whose sources are `program_code` (the program's own files) and
/// `support_code` (the carried `shared` modules).
pub fn dependencies(
    root: &Path,
    krate: &Path,
    program_code: &str,
    support_code: &str,
) -> Result<Vec<Dependency>, String> {
    let workspace = read(&root.join("Cargo.toml"))?;
    let own = read(&krate.join("Cargo.toml"))?;
    let shared = read(&root.join("shared/Cargo.toml"))?;
    let specs = table(&workspace, "workspace")
        .and_then(|w| table(w, "dependencies"))
        .ok_or("the workspace has no [workspace.dependencies]")?;
    let own_deps = table(&own, "dependencies");
    let own_targets = table(&own, "target");
    let shared_deps = table(&shared, "dependencies");
    let all_code = format!("{program_code}\n{support_code}");

    let mut deps = Vec::new();
    for (name, spec) in specs {
        if NOT_FOR_PROGRAMS.contains(&name.as_str()) {
            continue;
        }
        let ident = name.replace('-', "_");
        let in_program = uses_crate(program_code, &ident);
        let in_support = uses_crate(support_code, &ident);
        if !in_program && !in_support {
            continue;
        }
        let version = match spec {
            Value::String(v) => v.clone(),
            Value::Table(t) => t
                .get("version")
                .and_then(Value::as_str)
                .ok_or(format!("{name} has no version in the workspace"))?
                .to_string(),
            _ => return Err(format!("{name}: a dependency spec cannot be read")),
        };
        let default_features = spec
            .as_table()
            .and_then(|t| t.get("default-features"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut features: BTreeSet<String> = features_of(Some(spec)).into_iter().collect();
        let own_spec = own_deps.and_then(|d| d.get(name));
        // A dependency the crate has only under a cfg (loom) goes to the same target table.
        let target = own_targets.and_then(|targets| {
            targets.iter().find_map(|(cfg, t)| {
                table(t.as_table()?, "dependencies")?
                    .contains_key(name)
                    .then(|| cfg.clone())
            })
        });
        if in_program {
            features.extend(features_of(own_spec));
        }
        if in_support {
            features.extend(features_of(shared_deps.and_then(|d| d.get(name))));
        }
        let optional = own_spec
            .and_then(Value::as_table)
            .and_then(|t| t.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        deps.push(Dependency {
            name: name.clone(),
            version,
            default_features,
            features,
            optional,
            target,
        });
    }
    if all_code.contains("cfg(pitfalls_loom)") && !deps.iter().any(|d| d.name == "loom") {
        return Err("the program has loom models but loom was not found".into());
    }
    Ok(deps)
}

/// The crate's `[features]` that switch on optional dependencies the copy has.
pub fn features(krate: &Path, deps: &[Dependency]) -> Result<Vec<(String, Vec<String>)>, String> {
    let own = read(&krate.join("Cargo.toml"))?;
    let mut out = Vec::new();
    for (feature, list) in table(&own, "features").into_iter().flatten() {
        let list: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let wanted = list.iter().all(|entry| {
            let dep = entry.trim_start_matches("dep:");
            deps.iter().any(|d| d.optional && d.name == dep)
        });
        if wanted && !list.is_empty() {
            out.push((feature.clone(), list));
        }
    }
    Ok(out)
}

/// The `[dependencies]` block as the program's header shows it and the copy's manifest has it.
pub fn dependency_lines(deps: &[Dependency]) -> Vec<String> {
    let mut lines = vec!["[dependencies]".to_string()];
    lines.extend(
        deps.iter()
            .filter(|d| d.target.is_none())
            .map(Dependency::line),
    );
    let mut targets: Vec<&str> = deps.iter().filter_map(|d| d.target.as_deref()).collect();
    targets.dedup();
    for target in targets {
        lines.push(format!("[target.'{target}'.dependencies]"));
        lines.extend(
            deps.iter()
                .filter(|d| d.target.as_deref() == Some(target))
                .map(Dependency::line),
        );
    }
    lines
}

/// The copy's whole `Cargo.toml`.
pub fn cargo_toml(
    name: &str,
    deps: &[Dependency],
    features: &[(String, Vec<String>)],
    code: &str,
) -> String {
    let mut out = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.95\"\npublish = false\n\n"
    );
    out.push_str(&dependency_lines(deps).join("\n"));
    out.push('\n');
    if !features.is_empty() {
        out.push_str("\n[features]\n");
        for (feature, list) in features {
            let list: Vec<String> = list.iter().map(|f| format!("\"{f}\"")).collect();
            out.push_str(&format!("{feature} = [{}]\n", list.join(", ")));
        }
    }
    // The lints the suite builds with, so that the copy keeps its promises (no `unsafe` but
    // where a comment says why it holds; no ignored `Result`).
    let mut cfgs = Vec::new();
    for cfg in ["pitfalls_loom", "tokio_unstable"] {
        // Anywhere: `cfg(all(feature = "x", tokio_unstable))` counts too (and a needless
        // check-cfg entry costs nothing).
        if code.contains(cfg) {
            cfgs.push(format!("\"cfg({cfg})\""));
        }
    }
    out.push_str("\n[lints.rust]\nunsafe_code = \"deny\"\nunused_must_use = \"deny\"\n");
    if !cfgs.is_empty() {
        out.push_str(&format!(
            "unexpected_cfgs = {{ level = \"warn\", check-cfg = [{}] }}\n",
            cfgs.join(", ")
        ));
    }
    out.push_str("\n[profile.release]\ndebug = \"line-tables-only\"\n");
    out
}
