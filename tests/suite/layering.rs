//! The layering, checked: every path a source file names (`use` items and inline paths through
//! `crate::`, `super::`, `self::` or a child module) is resolved to the file that defines it, and
//! the build's test fails on an edge that runs up the layers, on two files that import each other,
//! and on a source file over 600 lines. A module file and its own children may name each other
//! (a dispatcher and the handlers it dispatches to); siblings, cousins and strangers may not.
//!
//! Layers, top to bottom: cli/verbs → bench → tui, monitor, intake, demo → services, emulator →
//! store, bitrix → config → rules → model. Code inside `#[cfg(test)]` items is not counted: a test
//! may reach for whatever it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The longest a source file may grow.
const MAX_LINES: usize = 600;

/// The layer of each top-level module; a file may import only from a lower layer (or its own
/// module). `cli` and `verbs` are one layer split in two files by concern.
fn layer(top: &str) -> Option<u8> {
    Some(match top {
        "model" | "clock" => 0,
        "rules" => 1,
        "config" | "logging" => 2,
        "store" | "bitrix" => 3,
        "services" | "emulator" => 4,
        "tui" | "monitor" | "intake" | "demo" => 5,
        "bench" => 6,
        "cli" | "verbs" => 7,
        _ => return None,
    })
}

/// Tops allowed to import each other's files although they share a layer.
fn same_layer_pair(a: &str, b: &str) -> bool {
    matches!((a, b), ("verbs", "cli"))
}

struct Source {
    /// The module path, `["tui", "update", "calls"]`.
    module: Vec<String>,
    /// The text with comments, strings and test-only items blanked.
    code: String,
    /// `mod name;` declarations: the child modules.
    children: BTreeSet<String>,
    lines: usize,
}

#[test]
fn no_upward_import_no_circle_no_long_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = BTreeMap::new();
    for path in rust_files(&root) {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if rel == "main.rs" {
            continue; // the binary is its own crate on top of everything
        }
        let text = fs::read_to_string(&path).unwrap();
        let code = blank_tests(&blank_comments_and_strings(&text));
        let children = child_modules(&code);
        let module = module_path(&rel);
        sources.insert(rel, Source { module, code, children, lines: text.lines().count() });
    }
    let files: BTreeSet<String> = sources.keys().cloned().collect();
    let reexports = reexports(&sources, &files);

    let mut edges = BTreeSet::new();
    for (file, source) in &sources {
        for path in named_paths(source) {
            if let Some(target) = resolve(&path, &files, &reexports)
                && &target != file
            {
                edges.insert((file.clone(), target));
            }
        }
    }

    let mut problems = Vec::new();
    for (from, to) in &edges {
        let (a, b) = (top(from), top(to));
        if a == b || a == "lib" {
            continue;
        }
        match (layer(&a), layer(&b)) {
            (Some(la), Some(lb)) if lb < la || same_layer_pair(&a, &b) => {}
            (Some(_), Some(_)) => problems.push(format!("{from} imports up or sideways: {to}")),
            _ => problems.push(format!("{from} → {to}: a top-level module with no layer")),
        }
    }
    for (from, to) in &edges {
        let family = parent_of(from, &files).as_ref() == Some(to) || parent_of(to, &files).as_ref() == Some(from);
        if from < to && !family && edges.contains(&(to.clone(), from.clone())) {
            problems.push(format!("{from} and {to} import each other"));
        }
    }
    for (file, source) in &sources {
        if source.lines > MAX_LINES {
            problems.push(format!("{file} has {} lines (at most {MAX_LINES})", source.lines));
        }
    }
    assert!(problems.is_empty(), "{} layering problems:\n{}", problems.len(), problems.join("\n"));
}

/// The checker itself: each kind of path it must see, on a small invented crate.
#[test]
fn the_checker_sees_use_groups_inline_paths_and_children() {
    let code = "mod child;\nuse crate::{model::Portal, rules::{a, b::C}};\nuse super::x;\n\
                fn f() { crate::store::open(); child::run(); self::g(); }";
    let source = Source {
        module: vec!["services".into(), "tokens".into()],
        children: child_modules(code),
        code: code.into(),
        lines: 4,
    };
    let got: BTreeSet<String> = named_paths(&source).into_iter().map(|p| p.join("::")).collect();
    for want in [
        "model::Portal",
        "rules::a",
        "rules::b::C",
        "services::x",
        "store::open",
        "services::tokens::child::run",
        "services::tokens::g",
    ] {
        assert!(got.contains(want), "missing {want} in {got:?}");
    }
    let blanked = blank_tests(&blank_comments_and_strings(
        "use a::b; // use crate::x;\nlet s = \"crate::y\";\n#[cfg(test)]\nmod tests { use crate::z; }\n",
    ));
    assert!(!blanked.contains("crate::"), "{blanked}");
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel.trim_end_matches(".rs").split('/').map(String::from).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file of the module that declares `file` (`tui/update/calls.rs` → `tui/update/mod.rs`).
fn parent_of(file: &str, files: &BTreeSet<String>) -> Option<String> {
    let mut module = module_path(file);
    module.pop();
    if module.is_empty() {
        return None;
    }
    resolve_file(&module, files)
}

fn top(file: &str) -> String {
    file.split('/').next().unwrap_or_default().trim_end_matches(".rs").to_string()
}

/// Comments and string literals become spaces, so neither a doc example nor a message that
/// mentions `crate::x` counts as an import.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !prev_is_ident(&chars, i) {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            // An escaped char literal: skip to its closing quote.
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Every item under `#[cfg(test)]` (a `mod tests { … }` or a single fn) becomes blank.
fn blank_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at..];
        let Some(open) = rest.find(['{', ';']) else { break };
        let mut end = at + open + 1;
        if rest.as_bytes()[open] == b'{' {
            let mut depth = 1;
            for (k, ch) in out[at + open + 1..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = at + open + 1 + k + 1;
                    break;
                }
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

fn child_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(pos) = words.iter().position(|w| *w == "mod")
            && let Some(name) = words.get(pos + 1)
            && let Some(name) = name.strip_suffix(';')
        {
            out.insert(name.to_string());
        }
    }
    out
}

/// The module paths a file names, made absolute (without the leading `crate`).
fn named_paths(source: &Source) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let code = &source.code;
    // `use` items, with their `{…}` groups expanded.
    let mut rest = code.as_str();
    while let Some(at) = find_word(rest, "use") {
        let after = &rest[at + 3..];
        let Some(end) = after.find(';') else { break };
        for path in expand_group("", &squeeze(&after[..end])) {
            if let Some(abs) = absolute(source, &path) {
                out.push(abs);
            }
        }
        rest = &after[end..];
    }
    // Inline paths: `crate::a::b`, `super::a`, `self::a`, `child::a`.
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if (chars[i].is_alphabetic() || chars[i] == '_') && !prev_is_ident(&chars, i) && !after_colons(&chars, i) {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == ':') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.contains("::")
                && let Some(abs) = absolute(source, word.trim_end_matches(':'))
            {
                out.push(abs);
            }
        } else {
            i += 1;
        }
    }
    out
}

fn after_colons(chars: &[char], i: usize) -> bool {
    i >= 2 && chars[i - 1] == ':' && chars[i - 2] == ':'
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before_ok = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let after = bytes.get(at + word.len()).copied().unwrap_or(b' ');
        if before_ok && after.is_ascii_whitespace() {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// A `use` item on one line: whitespace runs become one space, none beside `::`, braces or commas.
fn squeeze(item: &str) -> String {
    let spaced = item.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for (k, ch) in spaced.char_indices() {
        if ch == ' ' {
            let before = out.chars().last().unwrap_or(' ');
            let after = spaced[k + 1..].chars().next().unwrap_or(' ');
            if "{},:".contains(before) || "{},:".contains(after) {
                continue;
            }
        }
        out.push(ch);
    }
    out
}

fn expand_group(prefix: &str, item: &str) -> Vec<String> {
    let Some(open) = item.find('{') else {
        let item = item.split(" as ").next().unwrap_or(item);
        return vec![format!("{prefix}{item}")];
    };
    let head = &item[..open];
    let body = &item[open + 1..item.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for ch in body.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(ch);
        }
    }
    parts.push(current);
    parts.into_iter().filter(|p| !p.is_empty()).flat_map(|p| expand_group(&format!("{prefix}{head}"), &p)).collect()
}

fn absolute(source: &Source, path: &str) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let first = *segs.first()?;
    let (mut base, rest): (Vec<String>, &[&str]) = match first {
        "crate" => (Vec::new(), &segs[1..]),
        "super" | "self" => {
            let mut cur = source.module.clone();
            let mut k = 0;
            while let Some(s) = segs.get(k) {
                match *s {
                    "super" => {
                        cur.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                k += 1;
            }
            (cur, &segs[k..])
        }
        child if source.children.contains(child) => (source.module.clone(), &segs[..]),
        _ => return None,
    };
    base.extend(rest.iter().map(|s| s.to_string()));
    Some(base)
}

/// For each module file, the names it re-exports with `pub use child::Name`: a path to the
/// module's name resolves to the child that defines it, not to the module file.
fn reexports(sources: &BTreeMap<String, Source>, files: &BTreeSet<String>) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (file, source) in sources {
        let mut rest = source.code.as_str();
        while let Some(at) = rest.find("pub use ") {
            let after = &rest[at + 8..];
            let Some(end) = after.find(';') else { break };
            for path in expand_group("", &squeeze(&after[..end])) {
                let Some(abs) = absolute(source, &path) else { continue };
                let Some(name) = abs.last() else { continue };
                if let Some(target) = resolve_file(&abs, files)
                    && &target != file
                {
                    out.insert((file.clone(), name.clone()), target);
                }
            }
            rest = &after[end..];
        }
    }
    out
}

fn resolve(
    path: &[String],
    files: &BTreeSet<String>,
    reexports: &BTreeMap<(String, String), String>,
) -> Option<String> {
    let mut target = resolve_file(path, files)?;
    // Follow re-exports (a chain of them at most a few deep).
    for _ in 0..4 {
        let depth = module_path(&target).len();
        let Some(name) = path.get(depth) else { break };
        match reexports.get(&(target.clone(), name.clone())) {
            Some(next) => target = next.clone(),
            None => break,
        }
    }
    Some(target)
}

fn resolve_file(path: &[String], files: &BTreeSet<String>) -> Option<String> {
    for len in (1..=path.len()).rev() {
        let stem = path[..len].join("/");
        for candidate in [format!("{stem}.rs"), format!("{stem}/mod.rs")] {
            if files.contains(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}
