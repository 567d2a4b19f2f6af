//! # Hints in levels: `cargo run -- hint <exercise>`
//!
//! A nudge without the answer. Each call shows the next level of one
//! exercise's hint:
//!
//! 1. **the rule** that applies;
//! 2. **the shapes**;
//! 3. **the expression in words**,
//!
//! as the registry ([`crate::registry`]) holds them. After the third, where
//! the answer is: the file in `solutions/`. How far each
//! exercise has gone is kept in `target/hint-levels` (delete it to start again).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::registry::Exercise;

/// How many levels there are.
pub const LEVELS: usize = 3;

/// What each level is.
const NAMES: [&str; LEVELS] = ["the rule", "the shapes", "the expression, in words"];

/// Level `level` (1-based) of `e`'s hint, from the registry; past the last,
/// where the answer is.
pub fn level(e: Exercise, level: usize) -> String {
    let entry = e.entry();
    match entry.hints.get(level.wrapping_sub(1)) {
        Some(hint) => format!("{}: {hint}", NAMES.get(level - 1).unwrap_or(&"hint")),
        None => format!(
            "no more levels: the answer, with its derivation, is `{}` in {}",
            entry.function,
            e.solution_file()
        ),
    }
}

/// The levels already shown, per exercise id, in a small text file.
pub fn load(path: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (id, n) = l.rsplit_once(' ')?;
            Some((id.to_string(), n.parse().ok()?))
        })
        .collect()
}

fn save(path: &Path, levels: &BTreeMap<String, usize>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text: String = levels.iter().map(|(id, n)| format!("{id} {n}\n")).collect();
    std::fs::write(path, text)
}

/// Where the levels are kept for the crate at `dir`.
pub fn state_file(dir: &Path) -> PathBuf {
    dir.join("target").join("hint-levels")
}

/// The levels shown so far in the crate at `dir`, per exercise id.
pub fn shown(dir: &Path) -> BTreeMap<String, usize> {
    load(&state_file(dir))
}

/// How to ask for `e`'s next hint, given the levels `shown` so far: `hint 2
/// of 3: cargo run -- hint layers::tanh`; past the last, where the answer is.
pub fn ask(e: Exercise, shown: &BTreeMap<String, usize>) -> String {
    let n = shown.get(e.id()).copied().unwrap_or(0);
    let what = if n < LEVELS {
        format!("hint {} of {LEVELS}", n + 1)
    } else {
        "where the answer is".to_string()
    };
    format!("{what}: cargo run -- hint {}", e.id())
}

/// The exercise named `name`: its id (`layers::tanh`), else the end of one
/// id, whole `::` parts (`dv`, `head::dv`, `gelu`), else a part of one id
/// (`flatten`), when it names a single exercise; ambiguous, the candidates.
pub fn find(name: &str) -> Result<Exercise, String> {
    let all = Exercise::all();
    let name = name.trim();
    let lower = name.to_lowercase();
    let id = |e: &Exercise| e.id().to_lowercase();
    let stages: [&dyn Fn(&Exercise) -> bool; 3] = [
        &|e| id(e) == lower,
        &|e| id(e).ends_with(&format!("::{lower}")),
        &|e| !lower.is_empty() && id(e).contains(&lower),
    ];
    for matches in stages {
        let found: Vec<Exercise> = all.iter().copied().filter(|e| matches(e)).collect();
        match found.as_slice() {
            [] => continue,
            [e] => return Ok(*e),
            [..] => {
                return Err(format!(
                    "{name:?} names {} exercises: {} (say which, e.g. `hint {}`)",
                    found.len(),
                    found.iter().map(|e| e.id()).collect::<Vec<_>>().join(", "),
                    found[0].id()
                ));
            }
        }
    }
    Err(format!(
        "no exercise {name:?}; the exercises: {}",
        all.iter().map(|e| e.id()).collect::<Vec<_>>().join(", ")
    ))
}

/// Shows the next level of `name`'s hint for the crate at `dir`, and records it.
pub fn next(dir: &Path, name: &str) -> Result<String, String> {
    let e = find(name)?;
    let path = state_file(dir);
    let mut levels = load(&path);
    let shown = levels.entry(e.id().to_string()).or_insert(0);
    *shown = (*shown + 1).min(LEVELS + 1);
    let n = *shown;
    let text = level(e, n);
    save(&path, &levels).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    let of = if n <= LEVELS {
        format!(" (level {n} of {LEVELS})")
    } else {
        String::new()
    };
    Ok(format!("{}{of}\n{text}", e.id()))
}
