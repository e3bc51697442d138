//! What a learner's file names, read from its text. A loom model sees only loom's types: a
//! race on a std atomic, or on a `Cell` made `Sync` with `unsafe`, is never interleaved by
//! loom, so it would pass the model by luck. [`outside_the_model`] finds such names, so that a
//! checker can fail them in so many words.

/// `text` with its comments, string literals and character literals blanked out (each
/// character a space, lines kept), so that only code is searched.
pub fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let before = i.checked_sub(1).map(|b| chars[b]);
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && !before.is_some_and(ident) && matches!(next, Some('"' | '#')) {
            // A raw string: r"..." or r#"..."#, as many #s closing as opening.
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = chars[body_start..].iter().collect();
            let body = rest.find(&close).map_or(rest.len(), |at| at + close.len());
            let end = body_start + rest[..body].chars().count();
            for &b in &chars[i..end] {
                blank(&mut out, b);
            }
            i = end;
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                for &b in chars.iter().skip(i).take(skip) {
                    blank(&mut out, b);
                }
                i += skip;
            }
            if i < chars.len() {
                blank(&mut out, '"');
                i += 1;
            }
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('a', '\n', '\''), not a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 3..chars.len()).find(|&j| chars[j] == '\'')
            } else {
                Some(i + 2)
            };
            let end = close.map_or(chars.len(), |c| c + 1);
            for &b in &chars[i..end] {
                blank(&mut out, b);
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Path, // ::
    Open,
    Close,
    Comma,
    Glob,
    Other,
}

fn tokens(code: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < chars.len() {
        let c = chars[i];
        let token = if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
            continue;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            i += 1;
            Token::Path
        } else if c.is_whitespace() {
            line += usize::from(c == '\n');
            i += 1;
            continue;
        } else {
            match c {
                '{' => Token::Open,
                '}' => Token::Close,
                ',' => Token::Comma,
                '*' => Token::Glob,
                _ => Token::Other,
            }
        };
        out.push((token, line));
        i += 1;
    }
    out
}

/// The paths of a use tree (or a plain path) that starts at `tokens[at]`, each with `prefix`
/// before it: `a::{b, c::{d, *}}` gives `a::b`, `a::c::d`, `a::c::*`. Returns where it ends.
fn tree(tokens: &[(Token, usize)], mut at: usize, prefix: &str, out: &mut Vec<String>) -> usize {
    let mut path = prefix.to_string();
    loop {
        match tokens.get(at).map(|t| &t.0) {
            Some(Token::Ident(name)) => {
                if name != "self" {
                    if !path.is_empty() {
                        path.push_str("::");
                    }
                    path.push_str(name);
                }
                at += 1;
            }
            Some(Token::Glob) => {
                out.push(format!("{path}::*"));
                return at + 1;
            }
            Some(Token::Open) => {
                at += 1;
                loop {
                    match tokens.get(at).map(|t| &t.0) {
                        Some(Token::Close) => return at + 1,
                        Some(Token::Comma) => at += 1,
                        None => return at,
                        Some(_) => {
                            let end = tree(tokens, at, &path, out);
                            at = if end == at { at + 1 } else { end };
                        }
                    }
                }
            }
            _ => {
                out.push(path);
                return at;
            }
        }
        match tokens.get(at).map(|t| &t.0) {
            Some(Token::Path) => at += 1,
            // `name as alias`: the alias is not part of the path.
            Some(Token::Ident(word)) if word == "as" => {
                out.push(path);
                return at + 2;
            }
            _ => {
                out.push(path);
                return at;
            }
        }
    }
}

/// Every path the code names that starts at one of `roots` (`std`, `core`), `use` groups
/// expanded, each with its line: `use std::sync::{Arc, atomic::AtomicU64}` gives
/// `std::sync::Arc` and `std::sync::atomic::AtomicU64`.
pub fn paths_from(code: &str, roots: &[&str]) -> Vec<(String, usize)> {
    let tokens = tokens(code);
    let mut found = Vec::new();
    for (at, (token, line)) in tokens.iter().enumerate() {
        let Token::Ident(name) = token else { continue };
        // A path's first segment: not `x::std` (only a leading `::std` or nothing before).
        let inner = at >= 2
            && tokens[at - 1].0 == Token::Path
            && matches!(tokens[at - 2].0, Token::Ident(_));
        if !roots.contains(&name.as_str())
            || inner
            || tokens.get(at + 1).map(|t| &t.0) != Some(&Token::Path)
        {
            continue;
        }
        let mut paths = Vec::new();
        tree(&tokens, at, "", &mut paths);
        found.extend(paths.into_iter().map(|p| (p, *line)));
    }
    found
}

/// `code` with every `use` item marked `#[cfg(not(pitfalls_loom))]` blanked out (lines kept):
/// the starters' way of taking std's types when the model does not run, never seen by it.
fn without_std_only_uses(code: &str) -> String {
    const MARK: &str = "#[cfg(not(pitfalls_loom))]";
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(found) = out[from..].find(MARK) {
        let after = from + found + MARK.len();
        let item = after + (out[after..].len() - out[after..].trim_start().len());
        from = after;
        if !out[item..].starts_with("use ") {
            continue;
        }
        let Some(end) = out[item..].find(';').map(|at| item + at + 1) else {
            break;
        };
        let blanked: String = out[item..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(item..end, &blanked);
    }
    out
}

/// What in a learner's `text` the loom model cannot see, each with its line and why: a type
/// from `std::sync` (or `core::sync`) other than `Arc`, `Weak` and `atomic::Ordering`, which are
/// loom's own too; and `unsafe`, which can make a plain `Cell` or a `static mut` shared. A `use`
/// marked `#[cfg(not(pitfalls_loom))]` is not counted: it is std's stand-in for loom's types.
pub fn outside_the_model(text: &str) -> Vec<(usize, String)> {
    let code = without_std_only_uses(&code_of(text));
    let allowed = ["sync::Arc", "sync::Weak", "sync::atomic::Ordering"];
    let mut found: Vec<(usize, String)> = paths_from(&code, &["std", "core", "alloc"])
        .into_iter()
        .filter(|(path, _)| {
            let rest = path.split_once("::").map_or("", |(_, rest)| rest);
            let inside = |module: &str| rest == module || rest.starts_with(&format!("{module}::"));
            inside("sync") && !allowed.iter().any(|a| inside(a))
        })
        .map(|(path, line)| (line, format!("`{path}`")))
        .collect();
    for (token, line) in tokens(&code) {
        if token == Token::Ident("unsafe".into()) {
            found.push((line, "`unsafe`".into()));
        }
    }
    found.sort();
    found
}

/// Where `text` calls one of `names` (as a method or a function), each with its line.
pub fn calls_to(text: &str, names: &[&str]) -> Vec<(usize, String)> {
    tokens(&code_of(text))
        .into_iter()
        .filter_map(|(token, line)| match token {
            Token::Ident(name) if names.contains(&name.as_str()) => Some((line, name)),
            _ => None,
        })
        .collect()
}

/// Panics with `why` if the learner's `src/lib.rs` at `manifest_dir` calls one of `names`: for
/// what the checker cannot show by running (the model does not stop a thread inside another's
/// critical section; real threads collide between a `load` and a `store` only by chance).
pub fn assert_no_calls_to(manifest_dir: &str, names: &[&str], why: &str) {
    let found: Vec<String> = calls_to(&learner_text(manifest_dir), names)
        .into_iter()
        .map(|(line, name)| format!("`{name}` (line {line})"))
        .collect();
    assert!(
        found.is_empty(),
        "src/lib.rs uses {}: {why}",
        found.join(", ")
    );
}

/// [`assert_no_calls_to`] for a busy lock given up on (`try_lock`, `try_read`, `try_write`).
pub fn assert_waits_for_busy_locks(manifest_dir: &str, loses: &str) {
    assert_no_calls_to(
        manifest_dir,
        &["try_lock", "try_read", "try_write"],
        &format!("a lock another thread holds must be waited for (`lock`), or {loses}"),
    );
}

/// Whether the learner's `src/lib.rs` of the exercise at `manifest_dir` uses only what the
/// model sees: a model test of an answer that does not says nothing true, so it stands aside
/// and lets [`assert_inside_the_model`] say why.
pub fn inside_the_model(manifest_dir: &str) -> bool {
    outside_the_model(&learner_text(manifest_dir)).is_empty()
}

/// The learner's `src/lib.rs` of the exercise at `manifest_dir` (the checker's
/// `env!("CARGO_MANIFEST_DIR")`): panics, in a learner's words, if it takes a lock or an atomic
/// from std, or uses `unsafe`, which the loom model cannot see and would judge by luck.
/// `instead` says where the answer's types come from.
pub fn assert_inside_the_model(manifest_dir: &str, instead: &str) {
    let found: Vec<String> = outside_the_model(&learner_text(manifest_dir))
        .into_iter()
        .map(|(line, what)| format!("{what} (line {line})"))
        .collect();
    assert!(
        found.is_empty(),
        "src/lib.rs uses {}: the checker's model interleaves only loom's types, so it cannot judge code built on std's; {instead}, and no `unsafe`",
        found.join(", ")
    );
}

/// The text of the learner's `src/lib.rs` of the exercise at `manifest_dir`.
fn learner_text(manifest_dir: &str) -> String {
    let path = format!("{manifest_dir}/src/lib.rs");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_are_not_code() {
        let text = "let a = \"std::sync::Mutex\"; // std::sync::Mutex\n/* std::sync /* nested */ x */ let c = '\"'; let l: &'static str = r#\"std::sync\"#;\nstd::sync::Arc::new(b'x')";
        let code = code_of(text);
        assert_eq!(code.lines().count(), 3);
        assert!(
            !code.contains("Mutex") && !code.contains("nested"),
            "{code}"
        );
        assert!(code.contains("&'static str") && code.contains("std::sync::Arc::new("));
        assert_eq!(
            paths_from(&code, &["std"]),
            [("std::sync::Arc::new".into(), 3)]
        );
    }

    #[test]
    fn use_groups_are_expanded() {
        let code = "use std::{sync::{self, Arc, atomic::{AtomicU64, Ordering}}, time::Duration};\nuse core::sync::atomic::*;\nlet m = ::std::sync::Mutex::new(0);\nlet x = my::std::sync::Mutex;";
        let paths: Vec<String> = paths_from(code, &["std", "core"])
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(
            paths,
            [
                "std::sync",
                "std::sync::Arc",
                "std::sync::atomic::AtomicU64",
                "std::sync::atomic::Ordering",
                "std::time::Duration",
                "core::sync::atomic::*",
                "std::sync::Mutex::new",
            ]
        );
    }

    #[test]
    fn std_stand_ins_for_the_model_are_not_counted() {
        let text = "#[cfg(pitfalls_loom)]\nuse loom::sync::Mutex;\n#[cfg(not(pitfalls_loom))]\nuse std::sync::{\n    Mutex,\n};\nstatic L: std::sync::Mutex<()> = std::sync::Mutex::new(());";
        assert_eq!(
            outside_the_model(text),
            [
                (7, "`std::sync::Mutex::new`".to_string()),
                (7, "`std::sync::Mutex`".to_string())
            ]
        );
    }

    #[test]
    fn what_the_model_cannot_see() {
        let right = "use std::sync::{Arc as Shared, atomic::Ordering};\nlet o = std::sync::atomic::Ordering::Relaxed;\nlet a = std::sync::Arc::new(1);\n// not std::sync::Mutex\nuse work::sync::Mutex;\nfn f() { let s = \"unsafe\"; }";
        assert_eq!(outside_the_model(right), []);
        let wrong = "use std::sync::{Arc, Mutex};\nlet c = std::sync::atomic::AtomicU64::new(0);\nunsafe impl Sync for C {}";
        assert_eq!(
            outside_the_model(wrong),
            [
                (1, "`std::sync::Mutex`".to_string()),
                (2, "`std::sync::atomic::AtomicU64::new`".to_string()),
                (3, "`unsafe`".to_string()),
            ]
        );
    }
}
