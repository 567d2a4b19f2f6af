//! # Files that do not compile
//!
//! One exercise file that does not compile would stop the grading of all of
//! them. So `watch` grades again with that file replaced by the reference
//! (`BACKPROP_NINJA_SKIP`, read by `build.rs`; the stand-ins are declared in
//! `exercises/mod.rs`), and this is how the grader treats the stand-ins:
//!
//! - the exercises of a replaced file are [`Status::DoesNotCompile`], never
//!   graded, never counted as right;
//! - an exercise whose own code calls into a replaced file (`attention.rs`
//!   calling `super::linear::backward_3d`) would be graded on the
//!   reference's code: it waits ([`Status::Blocked`]) until that file
//!   compiles.
//!
//! The grading cases themselves only ever call an exercise's own file (the
//! block and the container run the reference's layers), so the learner's
//! code is the only way into another file.

use crate::backprop::Backprop;
use crate::grade::Status;
use crate::grade::table::BackpropTable;
use crate::registry::Exercise;

/// The exercise modules `B`'s build replaced by the reference: those of
/// `exercises/` that do not compile, when `watch` asked for it; always empty
/// for the reference.
pub fn skipped<B: Backprop>() -> Vec<&'static str> {
    B::skipped()
}

/// The status of `exercise` of `bp` if a replaced file stands in its way:
/// `None` when it is to be graded as usual.
pub fn status(bp: &BackpropTable, exercise: Exercise) -> Option<Status> {
    let skipped = (bp.skipped)();
    if skipped.is_empty() {
        return None;
    }
    status_with(exercise, &skipped, |file| {
        std::fs::read_to_string(crate::root().join(file)).ok()
    })
}

/// [`status`] for the modules `skipped`, with `source` reading a learner's
/// file (`exercises/attention.rs`).
pub fn status_with(
    exercise: Exercise,
    skipped: &[&str],
    source: impl Fn(&str) -> Option<String>,
) -> Option<Status> {
    let file = exercise.file();
    if skipped.contains(&module_of(file)) {
        return Some(Status::DoesNotCompile);
    }
    let code = source(file)?;
    let called: Vec<String> = skipped
        .iter()
        .filter(|m| calls_module(&code, m))
        .map(|m| format!("exercises/{m}.rs"))
        .collect();
    (!called.is_empty()).then(|| {
        Status::Blocked(format!(
            "your code calls {}, which does not compile: fix it first",
            called.join(" and ")
        ))
    })
}

/// `tanh` for `exercises/tanh.rs`.
pub fn module_of(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".rs").unwrap_or(name)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `code` (a learner's file) names the exercise module `module`
/// outside comments: `super::linear::…`, `crate::exercises::{linear, …}`,
/// or `Exercises::linear_backward`.
pub fn calls_module(code: &str, module: &str) -> bool {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let method = format!("{module}_");
    for prefix in ["super::", "exercises::", "Exercises::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            // `Exercises::` must be the type, not `MyExercises::`.
            if prefix == "Exercises::" && before.is_some_and(is_ident) {
                continue;
            }
            let path = rest.trim_start();
            let named: Vec<&str> = if let Some(group) = path.strip_prefix('{') {
                // `super::{linear, head::dv}`: every name in the braces.
                let mut depth = 1;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(group.len(), |(i, _)| i);
                group[..end].split(|c: char| !is_ident(c)).collect()
            } else {
                vec![path.split(|c: char| !is_ident(c)).next().unwrap_or("")]
            };
            let hit = |name: &&str| {
                if prefix == "Exercises::" {
                    name.starts_with(&method)
                } else {
                    *name == module
                }
            };
            if named.iter().any(hit) {
                return true;
            }
        }
    }
    false
}
