//! # No file of `src/` imports a file that imports it back
//!
//! The crate's dependencies run one way (layers → models → training and
//! grading → CLI). This test reads every file of the crate (`src/`,
//! `exercises/`, `solutions/`) as text, unit tests included, and builds the
//! graph of which file uses which:
//!
//! - `use crate::…`, `use super::…`, `use self::…` (a `use` over several
//!   lines, with braces, included), and a `use` that starts with a module
//!   the file declares (`pub use backprop::Backprop;` in `src/lib.rs`);
//! - in the binary's files (`src/main.rs` and the modules it declares,
//!   `src/cli/`), `use backprop_ninja::…`: an edge into the library;
//! - paths written in the code itself, like `crate::grade::x(…)` or
//!   `super::Thing`, outside comments and string literals, and those that
//!   start with a name a `use` binds (`cases::layers::tanh()` after
//!   `use crate::grade::cases;`) or with a child module (`train::Args` in
//!   `src/cli/mod.rs`);
//! - `mod x;` is no edge.
//!
//! A path is resolved to the file of the module it names: `a::b::c` is
//! `src/a/b/c.rs` or `src/a/b/c/mod.rs`, else the deepest existing prefix's
//! file (an item's path is the file of the module that defines it). A name
//! a module re-exports (`pub use`) is followed to the file that defines it,
//! and `crate::some_macro!` goes to the file with its `macro_rules!`. The
//! modules `src/lib.rs` mounts with `#[path]` (`crate::exercises`,
//! `crate::solutions`) are their folders. `super::` inside an inline module
//! (`mod tests { use super::*; }`) is the file itself.
//!
//! Then any strongly connected component (Tarjan) of two files or more is a
//! cycle, and the test fails listing each as a path of files, each step
//! with the line that makes it. A parent that uses an item of its child
//! while the child uses `super::X` is a cycle too: move `X` down into the
//! child, or into a file of its own that both use.
//!
//! Run it with `cargo test --test architecture`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// The crate's files: path (relative to the crate, `/`-separated) → text.
type Files = BTreeMap<String, String>;

/// One file using another: where, and the line that says it.
#[derive(Clone, Debug)]
struct Edge {
    from: String,
    to: String,
    line: usize,
    text: String,
}

/// One crate of the package (the library or the binary).
struct Crate {
    /// `src/lib.rs` or `src/main.rs`.
    root: String,
    /// Top-level modules mounted elsewhere with `#[path]`: name → file.
    mounts: BTreeMap<String, String>,
}

impl Crate {
    fn new(files: &Files, root: &str) -> Crate {
        Crate {
            root: root.to_string(),
            mounts: mounts(files, root),
        }
    }

    /// The module path of `file` in this crate (`src/a/b.rs` → `[a, b]`).
    fn module_of(&self, file: &str) -> Vec<String> {
        if file == self.root {
            return vec![];
        }
        for (name, mounted) in &self.mounts {
            let dir = parent(mounted);
            if file == mounted {
                return vec![name.clone()];
            }
            if let Some(rest) = file.strip_prefix(&format!("{dir}/")) {
                let mut path = vec![name.clone()];
                path.extend(module_segments(rest));
                return path;
            }
        }
        module_segments(file.strip_prefix("src/").unwrap_or(file))
    }
}

/// `a/b.rs` → `[a, b]`, `a/mod.rs` → `[a]`.
fn module_segments(rel: &str) -> Vec<String> {
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

fn parent(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The folder that holds the children of the module in `file`.
fn children_dir(file: &str, root: &str) -> String {
    if file == root || file.ends_with("/mod.rs") {
        parent(file).to_string()
    } else {
        file.strip_suffix(".rs").unwrap_or(file).to_string()
    }
}

/// `#[path = "../exercises/mod.rs"] pub mod exercises;` in `root`.
fn mounts(files: &Files, root: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(text) = files.get(root) else {
        return out;
    };
    let mut pending: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("#[path") {
            pending = rest.split('"').nth(1).map(str::to_string);
        } else if let Some(path) = &pending
            && let Some(name) = declared_module(line)
        {
            out.insert(name, normalize(&format!("{}/{path}", parent(root))));
            pending = None;
        }
    }
    out
}

/// `x` for `mod x;` or `pub(crate) mod x;`.
fn declared_module(line: &str) -> Option<String> {
    let at = line.find("mod ")?;
    let before = line[..at].trim();
    if !(before.is_empty() || before.starts_with("pub")) {
        return None;
    }
    let name = line[at + 4..].trim().strip_suffix(';')?.trim();
    name.chars()
        .all(|c| c.is_alphanumeric() || c == '_')
        .then(|| name.to_string())
}

/// `src/../exercises/mod.rs` → `exercises/mod.rs`.
fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = vec![];
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

/// `text` with comments, string and char literals blanked out (newlines
/// kept, so that lines keep their numbers).
fn strip(text: &str) -> Vec<char> {
    let c: Vec<char> = text.chars().collect();
    let mut out = c.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for ch in &mut out[from..to.min(c.len())] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
    };
    let ident = |i: usize| i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            let end = (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len());
            blank(&mut out, i, end);
            i = end;
        } else if c[i] == '/' && next == Some('*') {
            let (mut j, mut depth) = (i + 2, 1);
            while j < c.len() && depth > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if c[i] == 'r'
            && (!ident(i) || (c[i - 1] == 'b' && !ident(i - 1)))
            && matches!(next, Some('"') | Some('#'))
        {
            // A raw string: r"…", r#"…"#.
            let hashes = (i + 1..c.len()).take_while(|&j| c[j] == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let mut j = i + 2 + hashes;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')))
            {
                j += 1;
            }
            let end = j + 1 + hashes;
            blank(&mut out, i, end);
            i = end;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                blank(&mut out, i, j + 1);
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A word (`crate`, `Foo`, `$module`) or a piece of punctuation (`::`, `{`).
#[derive(Clone, Debug)]
struct Token {
    text: String,
    line: usize,
}

fn is_word(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn tokens(code: &[char]) -> Vec<Token> {
    let mut out = vec![];
    let (mut i, mut line) = (0, 1);
    while i < code.len() {
        let ch = code[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            let start = i;
            i += 1;
            while i < code.len() && (code[i].is_alphanumeric() || code[i] == '_') {
                i += 1;
            }
            out.push(Token {
                text: code[start..i].iter().collect(),
                line,
            });
        } else if ch == ':' && code.get(i + 1) == Some(&':') {
            out.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// A path a `use` names, and the name it binds (`None` for a glob).
type UsePath = (Vec<String>, Option<String>);

/// A `use` tree, flattened.
fn use_paths(t: &[Token]) -> Vec<UsePath> {
    fn tree(t: &[Token], i: &mut usize, mut path: Vec<String>, out: &mut Vec<UsePath>) {
        while let Some(tok) = t.get(*i) {
            match tok.text.as_str() {
                "{" => {
                    *i += 1;
                    while let Some(tok) = t.get(*i) {
                        match tok.text.as_str() {
                            "}" => {
                                *i += 1;
                                break;
                            }
                            "," => *i += 1,
                            _ => {
                                let at = *i;
                                tree(t, i, path.clone(), out);
                                if *i == at {
                                    *i += 1;
                                }
                            }
                        }
                    }
                    return;
                }
                "*" => {
                    *i += 1;
                    out.push((path, None));
                    return;
                }
                word if is_word(word) || word.starts_with('$') => {
                    path.push(word.to_string());
                    *i += 1;
                    if t.get(*i).is_some_and(|t| t.text == "::") {
                        *i += 1;
                        continue;
                    }
                    if path.last().is_some_and(|s| s == "self") {
                        path.pop();
                    }
                    let mut name = path.last().cloned();
                    if t.get(*i).is_some_and(|t| t.text == "as") {
                        name = t.get(*i + 1).map(|t| t.text.clone());
                        *i += 2;
                    }
                    out.push((path, name));
                    return;
                }
                _ => return,
            }
        }
    }
    let mut out = vec![];
    let mut i = 0;
    if t.first().is_some_and(|t| t.text == "::") {
        return out; // `use ::std::…`: another crate.
    }
    tree(t, &mut i, vec![], &mut out);
    out
}

/// A path as written in one file, before it is resolved.
#[derive(Clone)]
struct Written {
    /// Where the path is: the file's module path plus the inline modules.
    module: Vec<String>,
    /// Whether the file is at its top level (not in an inline module).
    top: bool,
    path: Vec<String>,
    /// `crate::name!`: a macro.
    macro_call: bool,
    line: usize,
    /// The statement, on one line.
    text: String,
}

/// What one file says: the paths it writes, and the names it re-exports
/// (`pub use a::b as c;`: `c` → `a::b`, written in this file).
struct Parsed {
    written: Vec<Written>,
    reexports: Vec<(String, Written)>,
    /// The names its `use` lines bind (public or not), for the paths that
    /// start with one (`cases::layers::tanh()` after `use crate::grade::cases;`).
    bindings: BTreeMap<String, Written>,
    /// Child modules declared with `mod x;`.
    children: BTreeSet<String>,
    macros: BTreeSet<String>,
}

fn parse(text: &str, module: &[String]) -> Parsed {
    let code = strip(text);
    let lines: Vec<&str> = text.lines().collect();
    let line_text = |n: usize| lines.get(n - 1).map_or("", |l| l.trim()).to_string();
    let t = tokens(&code);
    let mut parsed = Parsed {
        written: vec![],
        reexports: vec![],
        bindings: BTreeMap::new(),
        children: BTreeSet::new(),
        macros: BTreeSet::new(),
    };
    // Inline modules: (their name, the brace depth inside them).
    let mut inline: Vec<(String, usize)> = vec![];
    let mut pending: Option<String> = None;
    let mut depth = 0;
    let mut i = 0;
    while i < t.len() {
        let word = t[i].text.as_str();
        let here = || {
            let mut m = module.to_vec();
            m.extend(inline.iter().map(|(n, _)| n.clone()));
            m
        };
        match word {
            "{" => {
                depth += 1;
                if let Some(name) = pending.take() {
                    inline.push((name, depth));
                }
            }
            "}" => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth -= 1;
            }
            ";" => pending = None,
            "mod" if t.get(i + 1).is_some_and(|n| is_word(&n.text)) => {
                let name = t[i + 1].text.clone();
                match t.get(i + 2).map(|n| n.text.as_str()) {
                    Some("{") => pending = Some(name),
                    Some(";") if inline.is_empty() => {
                        parsed.children.insert(name);
                    }
                    _ => {}
                }
                i += 2;
                continue;
            }
            "macro_rules" if t.get(i + 1).is_some_and(|n| n.text == "!") => {
                if let Some(name) = t.get(i + 2) {
                    parsed.macros.insert(name.text.clone());
                }
            }
            "use" => {
                let end = (i..t.len()).find(|&j| t[j].text == ";").unwrap_or(t.len());
                let public = (i.saturating_sub(5)..i)
                    .rev()
                    .take_while(|&j| !matches!(t[j].text.as_str(), ";" | "{" | "}" | "]"))
                    .any(|j| t[j].text == "pub");
                let statement: Vec<&str> = t[i..end].iter().map(|t| t.text.as_str()).collect();
                let text = format!("{};", statement.join(" "))
                    .replace(" :: ", "::")
                    .replace(":: ", "::")
                    .replace(" ::", "::")
                    .replace("{ ", "{")
                    .replace(" }", "}")
                    .replace(" ,", ",")
                    .replace(",}", "}");
                let text = if t[i].line == t[end.min(t.len() - 1)].line {
                    line_text(t[i].line)
                } else {
                    text
                };
                for (path, name) in use_paths(&t[i + 1..end]) {
                    let written = Written {
                        module: here(),
                        top: inline.is_empty(),
                        path,
                        macro_call: false,
                        line: t[i].line,
                        text: text.clone(),
                    };
                    if let Some(name) = &name {
                        parsed
                            .bindings
                            .entry(name.clone())
                            .or_insert_with(|| written.clone());
                    }
                    if public
                        && inline.is_empty()
                        && let Some(name) = name
                    {
                        parsed.reexports.push((name, written));
                    } else {
                        parsed.written.push(written);
                    }
                }
                i = end + 1;
                continue;
            }
            // A path in the code: `crate::…`, `super::…`, or one that
            // starts with a name a `use` binds or a child module (which
            // [`Graph::absolute`] tells from paths into other crates).
            w if is_word(w)
                && t.get(i + 1).is_some_and(|n| n.text == "::")
                && !(i > 0 && t[i - 1].text == "::") =>
            {
                let mut path = vec![w.to_string()];
                let mut j = i + 1;
                while j + 1 < t.len() && t[j].text == "::" && is_word(&t[j + 1].text) {
                    path.push(t[j + 1].text.clone());
                    j += 2;
                }
                let macro_call = t.get(j).is_some_and(|n| n.text == "!");
                parsed.written.push(Written {
                    module: here(),
                    top: inline.is_empty(),
                    path,
                    macro_call,
                    line: t[i].line,
                    text: line_text(t[i].line),
                });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parsed
}

/// The crate's files, read: the library and the binary, each file's module
/// path, what it writes.
struct Graph {
    files: Files,
    lib: Crate,
    bin: Crate,
    /// The files of the binary (`src/main.rs` and the modules it declares).
    bin_files: BTreeSet<String>,
    parsed: BTreeMap<String, Parsed>,
}

impl Graph {
    fn new(files: Files) -> Graph {
        let lib = Crate::new(&files, "src/lib.rs");
        let bin = Crate::new(&files, "src/main.rs");
        let mut bin_files = BTreeSet::new();
        if let Some(main) = files.get("src/main.rs") {
            bin_files.insert("src/main.rs".to_string());
            let children = parse(main, &[]).children;
            for f in files.keys() {
                if children
                    .iter()
                    .any(|c| f == &format!("src/{c}.rs") || f.starts_with(&format!("src/{c}/")))
                {
                    bin_files.insert(f.clone());
                }
            }
        }
        let mut parsed = BTreeMap::new();
        for (file, text) in &files {
            let krate = if bin_files.contains(file) { &bin } else { &lib };
            parsed.insert(file.clone(), parse(text, &krate.module_of(file)));
        }
        Graph {
            files,
            lib,
            bin,
            bin_files,
            parsed,
        }
    }

    /// The file of `crate::{segs}` in `krate`: the deepest module that
    /// exists, re-exports followed.
    fn resolve(&self, krate: &Crate, segs: &[String], hops: usize) -> String {
        let mut file = krate.root.clone();
        for (k, seg) in segs.iter().enumerate() {
            let dir = children_dir(&file, &krate.root);
            let candidates = if k == 0 && krate.mounts.contains_key(seg) {
                vec![krate.mounts[seg].clone()]
            } else {
                vec![
                    normalize(&format!("{dir}/{seg}.rs")),
                    normalize(&format!("{dir}/{seg}/mod.rs")),
                ]
            };
            if let Some(found) = candidates.into_iter().find(|c| self.files.contains_key(c)) {
                file = found;
                continue;
            }
            // An item the module re-exports: where it comes from.
            if hops < 8
                && let Some(parsed) = self.parsed.get(&file)
                && let Some((_, w)) = parsed.reexports.iter().find(|(name, _)| name == seg)
                && let Some((lib, mut target)) = self.absolute(&file, w, 0)
                && lib == (krate.root == self.lib.root)
            {
                target.extend(segs[k + 1..].iter().cloned());
                return self.resolve(krate, &target, hops + 1);
            }
            break;
        }
        file
    }

    /// `w`, written in `file`, as a path from a crate's root: whether that
    /// crate is the library, and the path (`None`: a path into another
    /// package, or one that names no module of this one).
    fn absolute(&self, file: &str, w: &Written, hops: usize) -> Option<(bool, Vec<String>)> {
        let in_bin = self.bin_files.contains(file);
        let parsed = self.parsed.get(file)?;
        let first = w.path.first()?.as_str();
        let mut module = w.module.clone();
        let mut rest = &w.path[..];
        match first {
            "crate" => return Some((!in_bin, w.path[1..].to_vec())),
            "backprop_ninja" if in_bin => return Some((true, w.path[1..].to_vec())),
            "self" => rest = &w.path[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    module.pop()?;
                    rest = &rest[1..];
                }
            }
            // `cases::layers::tanh()` after `use crate::grade::cases;`.
            name if hops < 8
                && let Some(bound) = parsed.bindings.get(name)
                && !(bound.line == w.line && bound.path == w.path) =>
            {
                let (lib, mut path) = self.absolute(file, bound, hops + 1)?;
                path.extend(w.path[1..].iter().cloned());
                return Some((lib, path));
            }
            child if w.top && parsed.children.contains(child) => {}
            _ => return None,
        }
        module.extend(rest.iter().cloned());
        Some((!in_bin, module))
    }

    /// The file `w`, written in `file`, uses.
    fn target(&self, file: &str, w: &Written) -> Option<String> {
        let in_bin = self.bin_files.contains(file);
        if w.macro_call && w.path.len() == 2 && w.path[0] == "crate" {
            let defined = self.parsed.iter().find(|(f, p)| {
                self.bin_files.contains(*f) == in_bin && p.macros.contains(&w.path[1])
            });
            if let Some((f, _)) = defined {
                return Some(f.clone());
            }
        }
        let (lib, segs) = self.absolute(file, w, 0)?;
        let krate = if lib { &self.lib } else { &self.bin };
        Some(self.resolve(krate, &segs, 0))
    }

    /// Every edge between two different files.
    fn edges(&self) -> Vec<Edge> {
        let mut out = vec![];
        for (file, parsed) in &self.parsed {
            let all = parsed
                .written
                .iter()
                .chain(parsed.reexports.iter().map(|(_, w)| w));
            for w in all {
                if let Some(to) = self.target(file, w)
                    && &to != file
                {
                    out.push(Edge {
                        from: file.clone(),
                        to,
                        line: w.line,
                        text: w.text.clone(),
                    });
                }
            }
        }
        out
    }
}

/// Tarjan's strongly connected components of the graph.
fn components(nodes: &[String], edges: &[Edge]) -> Vec<Vec<String>> {
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
        adjacent: BTreeMap<&'a str, BTreeSet<&'a str>>,
    }
    fn visit<'a>(v: &'a str, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let next: Vec<&str> = s
            .adjacent
            .get(v)
            .map(|a| a.iter().copied().collect())
            .unwrap_or_default();
        for w in next {
            if !s.index.contains_key(w) {
                visit(w, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = vec![];
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            component.sort();
            s.out.push(component);
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        next: 0,
        out: vec![],
        adjacent: BTreeMap::new(),
    };
    for e in edges {
        state
            .adjacent
            .entry(e.from.as_str())
            .or_default()
            .insert(e.to.as_str());
    }
    for v in nodes {
        if !state.index.contains_key(v.as_str()) {
            visit(v, &mut state);
        }
    }
    let mut out = state.out;
    out.sort();
    out
}

/// The shortest cycle through `start` inside `component`, as files.
fn shortest_cycle(start: &str, component: &BTreeSet<&str>, edges: &[Edge]) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for e in edges
            .iter()
            .filter(|e| e.from == v && component.contains(e.to.as_str()))
        {
            if e.to == start {
                let mut back = vec![];
                let mut at = v;
                while at != start {
                    back.push(at.to_string());
                    at = came_from[at];
                }
                back.reverse();
                let mut cycle = vec![start.to_string()];
                cycle.extend(back);
                cycle.push(start.to_string());
                return Some(cycle);
            }
            if !came_from.contains_key(e.to.as_str()) && e.to != start {
                came_from.insert(e.to.as_str(), v);
                queue.push_back(e.to.as_str());
            }
        }
    }
    None
}

/// Each cycle of the crate, as `a.rs → b.rs → a.rs` with the line that
/// makes each step (the first such line, and how many more).
fn cycles(files: Files) -> Vec<String> {
    let graph = Graph::new(files);
    let edges = graph.edges();
    let nodes: Vec<String> = graph.files.keys().cloned().collect();
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut out = vec![];
    for component in components(&nodes, &edges) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&str> = component.iter().map(String::as_str).collect();
        for start in &component {
            let Some(cycle) = shortest_cycle(start, &members, &edges) else {
                continue;
            };
            // The same cycle from another start: once.
            let ring = &cycle[..cycle.len() - 1];
            let first = ring
                .iter()
                .enumerate()
                .min_by_key(|(_, f)| *f)
                .map_or(0, |(k, _)| k);
            let mut key: Vec<String> = ring[first..].to_vec();
            key.extend(ring[..first].iter().cloned());
            if !found.insert(key.clone()) {
                continue;
            }
            // Told from its first file in order, so that it reads the same every time.
            let mut cycle = key;
            cycle.push(cycle[0].clone());
            let mut text = cycle.join(" → ");
            for step in cycle.windows(2) {
                let made: Vec<&Edge> = edges
                    .iter()
                    .filter(|e| e.from == step[0] && e.to == step[1])
                    .collect();
                let e = made[0];
                text.push_str(&format!("\n    {}:{}: {}", e.from, e.line, e.text));
                if made.len() > 1 {
                    text.push_str(&format!(" (and {} more)", made.len() - 1));
                }
            }
            out.push(text);
        }
    }
    out
}

/// Every `.rs` file under `dir` (relative to `root`).
fn read_tree(root: &Path, dir: &str, files: &mut Files) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            read_tree(root, &name, files);
        } else if name.ends_with(".rs") {
            files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
}

#[test]
fn no_file_of_the_crate_imports_a_file_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Files::new();
    for dir in ["src", "exercises", "solutions"] {
        read_tree(root, dir, &mut files);
    }
    assert!(files.contains_key("src/lib.rs") && files.len() > 50);
    let found = cycles(files);
    assert!(
        found.is_empty(),
        "{} file-level import cycles (each file uses the next):\n\n{}\n",
        found.len(),
        found.join("\n\n")
    );
}

// ---- the checker itself, on small crates ----

fn tree(files: &[(&str, &str)]) -> Files {
    files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect()
}

#[test]
fn a_child_using_super_while_its_parent_uses_the_child_is_a_cycle() {
    let found = cycles(tree(&[
        ("src/lib.rs", "pub mod a;\n"),
        (
            "src/a/mod.rs",
            "mod b;\npub use self::b::Thing;\n\npub struct Top;\n",
        ),
        (
            "src/a/b.rs",
            "use super::{\n    Top,\n};\n\npub struct Thing(pub Top);\n",
        ),
    ]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/a/b.rs → src/a/mod.rs → src/a/b.rs"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("src/a/b.rs:1: use super::{Top};"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("src/a/mod.rs:2: pub use self::b::Thing;"),
        "{}",
        found[0]
    );
}

#[test]
fn one_way_uses_comments_strings_and_tests_make_no_cycle() {
    let found = cycles(tree(&[
        (
            "src/lib.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub use b::B;\n",
        ),
        (
            "src/a.rs",
            "//! Uses [`crate::b`]; `crate::c::C` is not in code.\nuse crate::{\n    b::B,\n    c::C as Sea,\n};\npub struct A(B, Sea);\n",
        ),
        (
            "src/b.rs",
            "use crate::c;\n/* crate::a::A in a comment */\npub struct B;\npub fn text() -> &'static str { \"crate::a::A\" }\npub fn ch() -> char { '\"' }\nfn c() -> c::C { c::C }\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::c::C;\n}\n",
        ),
        (
            "src/c.rs",
            "pub struct C;\nmod inner {\n    fn f() -> super::C { super::C }\n}\n",
        ),
        ("src/main.rs", "mod cli;\nfn main() { cli::main() }\n"),
        (
            "src/cli/mod.rs",
            "use backprop_ninja::a::A;\nuse backprop_ninja::B;\npub fn main() {}\n",
        ),
    ]));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_path_written_in_code_is_an_edge() {
    let found = cycles(tree(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a.rs", "pub fn f() -> u32 {\n    crate::b::g()\n}\n"),
        (
            "src/b.rs",
            "pub fn g() -> u32 { 1 }\npub fn h() -> u32 {\n    2 * crate::a::f()\n}\n",
        ),
    ]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/a.rs → src/b.rs → src/a.rs"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("src/a.rs:2: crate::b::g()"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("src/b.rs:3: 2 * crate::a::f()"),
        "{}",
        found[0]
    );
}

#[test]
fn re_exports_mounted_folders_and_macros_lead_to_their_files() {
    // `crate::A` is defined in a.rs (re-exported by lib.rs); `crate::ex::x::X`
    // in exercises/x.rs (mounted with #[path]); `crate::m!` in m.rs.
    let found = cycles(tree(&[
        (
            "src/lib.rs",
            "pub mod a;\npub mod m;\n#[path = \"../exercises/mod.rs\"]\npub mod ex;\npub use a::A;\n",
        ),
        ("src/a.rs", "pub struct A(pub crate::ex::x::X);\n"),
        ("exercises/mod.rs", "pub mod x;\n"),
        (
            "exercises/x.rs",
            "use crate::A;\npub struct X;\nfn f() { crate::m!(); }\n",
        ),
        (
            "src/m.rs",
            "#[macro_export]\nmacro_rules! m { () => { crate::a::A } }\n",
        ),
    ]));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("exercises/x.rs → src/a.rs → exercises/x.rs"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("exercises/x.rs → src/m.rs → src/a.rs → exercises/x.rs"),
        "{found:?}"
    );
}

#[test]
fn a_path_through_a_name_a_use_binds_or_a_child_module_is_an_edge() {
    // registry.rs names `cases::x::f` through `use crate::grade::{self,
    // cases}`; grade/mod.rs names its child `skipped::g`.
    let found = cycles(tree(&[
        ("src/lib.rs", "pub mod grade;\npub mod registry;\n"),
        (
            "src/registry.rs",
            "use crate::grade::{self, cases};\npub struct E;\npub fn all() {\n    cases::x::f();\n    grade::skipped::g();\n}\n",
        ),
        (
            "src/grade/mod.rs",
            "pub mod cases;\npub mod skipped;\npub fn run() { skipped::g() }\n",
        ),
        ("src/grade/cases/mod.rs", "pub mod x;\n"),
        (
            "src/grade/cases/x.rs",
            "use crate::registry::E;\npub fn f() {}\n",
        ),
        (
            "src/grade/skipped.rs",
            "pub fn g() { let _ = crate::registry::E; }\n",
        ),
    ]));
    // The third: registry.rs also uses grade/mod.rs, which uses skipped.rs.
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].starts_with("src/grade/cases/x.rs → src/registry.rs → src/grade/cases/x.rs"),
        "{found:?}"
    );
    assert!(
        found[0].contains("src/registry.rs:4: cases::x::f();"),
        "{found:?}"
    );
    assert!(
        found[1].contains("src/grade/mod.rs:3: pub fn run() { skipped::g() }"),
        "{found:?}"
    );
    assert!(
        found[2].starts_with("src/grade/skipped.rs → src/registry.rs → src/grade/skipped.rs"),
        "{found:?}"
    );
    assert!(
        found[2].contains("src/registry.rs:5: grade::skipped::g();"),
        "{found:?}"
    );
}

/// The command (`src/main.rs`, `src/cli/`) builds without the learner's
/// crate, so that `hint` and `watch` run while an exercise does not
/// compile: the package does not depend on it (only its tests do), and the
/// command names it only where `cfg(learner)` (the same command built by
/// `exercises/Cargo.toml`) holds.
#[test]
fn the_command_builds_without_the_learners_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let section = |name: &str| -> String {
        let start = manifest
            .find(&format!("\n[{name}]\n"))
            .unwrap_or_else(|| panic!("no [{name}] in Cargo.toml"));
        let rest = &manifest[start + name.len() + 4..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    assert!(
        !section("dependencies").contains("backprop-ninja-exercises"),
        "the library and the command must not depend on the learner's crate"
    );
    assert!(section("dev-dependencies").contains("backprop-ninja-exercises"));
    let cli = root.join("src/cli");
    let mut named = vec![];
    for entry in std::fs::read_dir(&cli).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("exercises::") {
                let guarded = lines[..i]
                    .iter()
                    .rev()
                    .take(4)
                    .any(|l| l.trim() == "#[cfg(learner)]");
                if !guarded {
                    named.push(format!("{}:{}: {line}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        named.is_empty(),
        "the command names the learner's crate outside cfg(learner):\n{}",
        named.join("\n")
    );
}

/// Each crate of `cargo tree`'s output (`name version`) with its features,
/// for the packages `args` select.
fn features_of(args: &[&str]) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "--locked", "--no-dedupe", "--prefix", "none"])
        .args(["--format", "{p}|{f}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut crates = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        let mut words = package.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        let features = features.trim_end_matches(" (*)").trim().to_string();
        crates.insert(format!("{name} {version}"), features);
    }
    crates
}

/// The crates that test builds leave unoptimised (`opt-level = 0` in
/// Cargo.toml's `[profile.dev.package]`) are linked into the command and
/// the watch alone, never under the library: an unoptimised crate exports
/// its copies of generic and inline code (`Range::next`, ...), and the
/// library, optimised, would call them instead of compiling its own (with
/// the regular-expression crates unoptimised, the tests ran a quarter
/// slower). The derive macros run inside the compiler and are not linked.
#[test]
fn the_command_alone_links_the_unoptimised_crates() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let section = manifest
        .split("\n[profile.dev.package]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [profile.dev.package] section");
    let unoptimised: Vec<&str> = section
        .lines()
        .filter_map(|line| line.strip_suffix(" = { opt-level = 0 }"))
        .collect();
    assert!(
        unoptimised.len() > 20,
        "read {} unoptimised crates",
        unoptimised.len()
    );
    let library = features_of(&[
        "--edges",
        "normal,no-proc-macro",
        "--package",
        "backprop-ninja-core",
    ]);
    assert!(library.len() > 20, "cargo tree listed {}", library.len());
    let under: Vec<&str> = unoptimised
        .into_iter()
        .filter(|name| library.keys().any(|k| k.split(' ').next() == Some(*name)))
        .collect();
    assert!(
        under.is_empty(),
        "unoptimised in test builds but linked into the library: {under:?}"
    );
}

/// `--impl exercises` hands the run over to the command as the learner's
/// crate builds it (`cargo run --manifest-path exercises/Cargo.toml
/// --features command`). Under `cargo test` that build must find the
/// library already built: any crate whose features differ between the two
/// builds is compiled again, and the library with it (a minute of a cold
/// `cargo test`). The library's dev-dependencies turn on features the
/// command alone would not; `exercises/Cargo.toml` turns them on too.
#[test]
fn the_learners_command_needs_no_crate_the_test_build_has_not_built() {
    let test_build = features_of(&["--edges", "normal,build,dev"]);
    let command = features_of(&[
        "--edges",
        "normal,build",
        "--package",
        "backprop-ninja-exercises",
        "--features",
        "command",
    ]);
    let differ: Vec<String> = command
        .iter()
        .filter(|(name, _)| !name.starts_with("backprop-ninja-exercises "))
        .filter_map(|(name, features)| match test_build.get(name) {
            Some(theirs) if theirs != features => Some(format!(
                "{name}: [{features}] against [{theirs}] under cargo test"
            )),
            _ => None,
        })
        .collect();
    assert!(
        differ.is_empty(),
        "the command as the learner's crate builds it has other features than the test build; \
         add them to exercises/Cargo.toml:\n{}",
        differ.join("\n")
    );
    assert!(
        command.len() > 20,
        "cargo tree listed {} crates",
        command.len()
    );
}
