//! Text edits on a program's source for its copy: test witnesses out, `shared` paths pointed
//! at the carried `support` module, files it includes brought along, and its header's
//! workspace commands rewritten for a crate of its own.

/// Lines marked for the tests only: a line ending in a `// test witness` comment, or the lines
/// from `// test witness {` (which may go on to say why) to `// test witness }`. Anything else that still names
/// `witness::` afterwards is an error: the copy would not build.
pub fn strip_witnesses(text: &str, file: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if in_block {
            in_block = trimmed != "// test witness }";
            continue;
        }
        // The exercise track's region markers (exercises/templates): not the copy's business.
        if trimmed.starts_with("// exercise ")
            && (trimmed.ends_with(" {") || trimmed.ends_with(" }"))
        {
            continue;
        }
        if trimmed.starts_with("// test witness {") {
            in_block = true;
            continue;
        }
        if let Some(at) = line.find("// test witness")
            && !line[..at].trim().is_empty()
        {
            continue;
        }
        if line.contains("witness::") {
            return Err(format!(
                "{file}:{}: a test witness not marked for removal: {trimmed}",
                n + 1
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    if in_block {
        return Err(format!("{file}: `// test witness {{` is never closed"));
    }
    Ok(out)
}

/// Replaces the path prefix `from` (as a whole path segment: not `xshared::`, not
/// `a::shared::`) with `to`.
pub fn replace_path(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let boundary = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        out.push_str(&rest[..at]);
        out.push_str(if boundary { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The names a path prefix brings in: `prefix::name` and each top-level name of
/// `prefix::{a, b::c, d}` (here `a`, `b`, `d`).
pub fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut taking = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(std::mem::take(&mut item));
                        taking = true;
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && taking {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        taking = false;
                    }
                }
            }
            names.push(item);
        } else {
            names.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Whether the code (comments removed) names crate `ident` as a path: `ident::...`,
/// `use ident;` or `#[ident::...]`.
pub fn uses_crate(text: &str, ident: &str) -> bool {
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(at) if !l[..at].contains('"') => &l[..at],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    !names_after(&code, &format!("{ident}::")).is_empty()
        || code.contains(&format!("use {ident};"))
        || code.contains(&format!("use {ident} as"))
}

/// `include_str!("path")` and `include_bytes!("path")`: the paths, in order.
pub fn includes(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for mac in ["include_str!(\"", "include_bytes!(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(mac) {
            rest = &rest[at + mac.len()..];
            if let Some(end) = rest.find('"') {
                paths.push(rest[..end].to_string());
            }
        }
    }
    paths
}

/// The header of the copy's `main.rs`: the suite's `Run:` commands become the copy's own
/// (`cargo run -p examples-x --bin NAME -- args` is `cargo run -- args`), commands for other
/// programs of the suite are dropped, and the "Copy it out" paragraph gives way to a line on
/// the carried `support` module.
pub fn rewrite_header(text: &str, name: &str, carried: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_header = true;
    let mut skipping_copy = false;
    for line in text.lines() {
        if in_header && !line.starts_with("//!") {
            in_header = false;
            // Where it came from, so that "the guide" and the programs it names mean something.
            out.push_str("//!\n");
            out.push_str("//! Copied out of \"concurrency by example\", a suite of Rust programs that teach a guide\n");
            out.push_str("//! to concurrency in Python (asyncio, threads, processes): \"the guide\" above is that\n");
            out.push_str("//! guide, and the other programs named here are the suite's.\n");
            if !carried.is_empty() {
                out.push_str("//!\n");
                out.push_str(&format!(
                    "//! `src/support/` holds helpers carried from the suite: {}.\n",
                    carried.join(", ")
                ));
            }
        }
        if in_header {
            if line.starts_with("//! Copy it out:") {
                skipping_copy = true;
                // The blank doc line before the paragraph goes with it.
                if out.ends_with("//!\n") {
                    out.truncate(out.len() - 4);
                }
            }
            if skipping_copy {
                continue;
            }
            if line.contains("cargo ") && line.contains("-p examples-") {
                let own = format!("--bin {name}");
                let at_end = line.trim_end().ends_with(&own);
                if !(line.contains(&format!("{own} ")) || at_end) {
                    continue; // another program of the suite
                }
                out.push_str(&own_command(line, name));
                out.push('\n');
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `cargo run --release -p examples-x --bin NAME -- args` as `cargo run --release -- args`.
fn own_command(line: &str, name: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut kept = Vec::with_capacity(words.len());
    let mut skip = 0;
    for (i, w) in words.iter().enumerate() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if (*w == "-p" || *w == "--package") && i + 1 < words.len() {
            skip = 1;
            continue;
        }
        if *w == "--bin" && words.get(i + 1) == Some(&name) {
            skip = 1;
            continue;
        }
        kept.push(*w);
    }
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_a_use_group() {
        let text = "use shared::{Table, cli::{self, x}, measure};\nlet t = shared::fmt_kib(3);";
        assert_eq!(
            names_after(text, "shared::"),
            ["Table", "cli", "measure", "fmt_kib"]
        );
        assert!(names_after("my_shared::x", "shared::").is_empty());
    }

    #[test]
    fn witnesses_go_and_unmarked_ones_are_refused() {
        let text = "a();\n    w::x(); // test witness: all in\n// test witness {\nif y {\n}\n// test witness }\nb();\n";
        assert_eq!(strip_witnesses(text, "f").unwrap(), "a();\nb();\n");
        assert!(strip_witnesses("shared::witness::arrive(\"x\", 2);\n", "f").is_err());
    }

    #[test]
    fn commands_become_the_copys_own() {
        let text = "//! Run:\n//!   cargo run --release -p examples-threads --bin parallel_cpu -- --limit 9\n//!   cargo run -p examples-async --bin web_server\n//!\n//! Copy it out: `x`\n//! more\nfn main() {}\n";
        let out = rewrite_header(text, "parallel_cpu", &[]);
        assert!(out.starts_with(
            "//! Run:\n//!   cargo run --release -- --limit 9\n//!\n//! Copied out of"
        ));
        assert!(out.ends_with("the suite's.\nfn main() {}\n"), "{out}");
    }

    #[test]
    fn crates_are_found_in_code_not_comments() {
        assert!(uses_crate("#[tokio::main]\nasync fn main() {}", "tokio"));
        assert!(!uses_crate("// like tokio::spawn\nfn main() {}", "tokio"));
        assert!(uses_crate("use rayon::prelude::*;", "rayon"));
    }
}
