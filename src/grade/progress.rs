//! # The grade, as a learner reads it
//!
//! Top to bottom: each chapter with its count on one line
//! (`ex1: 3/26 done, next: dcounts`), the rows of the exercises attempted,
//! each failure's details directly under its row, then the summary, and
//! last where to go next: the first exercise not done, in course order, as
//! `next:` (or `fix:`) with its `file:line`, its hint above it, and the
//! command for its next hint level ([`last_lines`]). Exercises not
//! attempted are collapsed into their chapter's line. A solved exercise
//! points to its derivation. The watch's screen, which must fit a terminal,
//! is [`crate::grade::compact`]; it ends with the same lines.

use std::collections::BTreeMap;

use super::Status;
use super::hint_levels;
use super::mistakes::mistake::KNOWN;
use super::panic_site::{self, Panic};
use super::report::summary;
use crate::backprop::Backprop;
use crate::grade::dispatch::{self, Grade};
use crate::registry::{Chapter, Exercise};

/// A grade, with the `todo!()` it stopped at when not attempted.
#[derive(Clone, Debug, PartialEq)]
pub struct Graded {
    pub grade: Grade,
    /// The stub's message (its hint) and location (its line).
    pub stub: Option<Panic>,
}

/// Grades one exercise of `B`, keeping the stub it stopped at.
pub fn grade_one<B: Backprop>(exercise: Exercise) -> Graded {
    panic_site::clear_todo();
    let grade = dispatch::grade::<B>(exercise);
    let stub = panic_site::take_todo();
    Graded { grade, stub }
}

/// A chapter's short name: its title up to the parenthesis (`micrograd`).
pub fn chapter_name(chapter: Chapter) -> &'static str {
    let title = chapter.title();
    title.split(" (").next().unwrap_or(title)
}

/// The first exercise not done, in course order.
pub fn next(graded: &[Graded]) -> Option<&Graded> {
    graded
        .iter()
        .find(|g| !matches!(g.grade.status, Status::Correct))
}

/// `exercises/tanh.rs:18`: a stub's `todo!()`, else the line of the
/// exercise's function ([`function_line`]), else its file alone.
pub fn place(g: &Graded) -> String {
    let e = g.grade.exercise;
    match g.stub.as_ref().and_then(|s| s.location.as_deref()) {
        Some(loc) => match loc.rsplit_once(':') {
            Some((file_line, _col)) => file_line.to_string(),
            None => loc.to_string(),
        },
        None => match function_line(e) {
            Some(line) => format!("{}:{line}", e.file()),
            None => e.file().to_string(),
        },
    }
}

/// The line (1-based) of `fn <function>` in the exercise's file, read from
/// the crate's folder; none for an exercise of several functions (the
/// chain) or a file that cannot be read.
pub fn function_line(e: Exercise) -> Option<usize> {
    let path = crate::root().join(e.file());
    let text = std::fs::read_to_string(path).ok()?;
    line_of_fn(&text, &function_name(e))
}

/// The line (1-based) where `fn function` is declared in `source`.
pub fn line_of_fn(source: &str, function: &str) -> Option<usize> {
    let signature = format!("fn {function}");
    source
        .lines()
        .position(|l| {
            let l = l.trim_start();
            !l.starts_with("//")
                && l.split_once(&signature).is_some_and(|(before, after)| {
                    (before.is_empty() || before.ends_with(' ')) && after.starts_with(['(', '<'])
                })
        })
        .map(|i| i + 1)
}

/// A stub's hint: its `todo!()` message without "not yet implemented: ".
pub fn stub_hint(g: &Graded) -> Option<String> {
    let m = &g.stub.as_ref()?.message;
    let hint = m
        .strip_prefix("not yet implemented")?
        .trim_start_matches(": ");
    (!hint.is_empty()).then(|| hint.to_string())
}

/// The first diagnosis of a wrong exercise's message: a known mistake
/// named, else the first `hint:` (without its prefix).
pub fn diagnosis_hint(g: &Graded) -> Option<String> {
    let Status::Wrong(message) = &g.grade.status else {
        return None;
    };
    let lines = || message.lines().map(str::trim_start);
    lines()
        .find(|l| l.starts_with(KNOWN))
        .or_else(|| lines().find_map(|l| l.strip_prefix("hint: ")))
        .map(str::to_string)
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}\n"))
        .collect::<String>()
}

/// The report of `graded` (in course order), in full: each chapter with the
/// rows of what was attempted, then [`last_lines`].
pub fn report(implementation: &str, graded: &[Graded]) -> String {
    let mut out = String::new();
    for c in Chapter::ALL {
        let in_chapter: Vec<&Graded> = graded
            .iter()
            .filter(|g| g.grade.exercise.chapter() == c)
            .collect();
        let Some(head) = chapter_line(c, graded) else {
            continue;
        };
        out.push_str(&head);
        out.push('\n');
        for g in in_chapter {
            out.push_str(&exercise_block(g));
        }
        out.push('\n');
    }
    out.push_str(&last_lines(
        implementation,
        graded,
        &hint_levels::shown(crate::root()),
    ));
    out
}

/// A chapter's count on one line: `backprop ninja: 3/29 done, 1 wrong,
/// next: ex1::dcounts  (makemore part 4: exercises 1-3)`; none when
/// `graded` has none of its exercises.
pub fn chapter_line(c: Chapter, graded: &[Graded]) -> Option<String> {
    let in_chapter: Vec<&Graded> = graded
        .iter()
        .filter(|g| g.grade.exercise.chapter() == c)
        .collect();
    if in_chapter.is_empty() {
        return None;
    }
    let count = |f: fn(&Status) -> bool| in_chapter.iter().filter(|g| f(&g.grade.status)).count();
    let done = count(|s| *s == Status::Correct);
    let mut head = format!("{}: {done}/{} done", chapter_name(c), in_chapter.len());
    let wrong = count(|s| matches!(s, Status::Wrong(_)));
    if wrong > 0 {
        head.push_str(&format!(", {wrong} wrong"));
    }
    if let Some(n) = in_chapter
        .iter()
        .find(|g| g.grade.status != Status::Correct)
    {
        let id = n.grade.exercise.id();
        let short = if c == Chapter::BackpropNinja {
            id
        } else {
            id.split_once("::").map_or(id, |(_, s)| s)
        };
        head.push_str(&format!(", next: {short}"));
    }
    if let Some((_, lecture)) = c.title().split_once(" (") {
        head.push_str(&format!("  ({lecture}"));
    }
    Some(head)
}

/// The end of every report, full or on the watch's screen: the summary,
/// the exercises wrong elsewhere and the files that do not compile, then
/// the next exercise's hint, and last the `next:`/`fix:` line: the
/// exercise, its `file:line`, and the command for its next hint level
/// (`shown`: the levels seen so far, [`hint_levels::shown`]).
pub fn last_lines(
    implementation: &str,
    graded: &[Graded],
    shown: &BTreeMap<String, usize>,
) -> String {
    let mut out = summary(
        implementation,
        &graded.iter().map(|g| g.grade.clone()).collect::<Vec<_>>(),
    );
    out.push('\n');
    let next = next(graded);
    let wrong: Vec<&str> = graded
        .iter()
        .filter(|g| matches!(g.grade.status, Status::Wrong(_)))
        .map(|g| g.grade.exercise.id())
        .filter(|&id| next.is_none_or(|n| n.grade.exercise.id() != id))
        .collect();
    if !wrong.is_empty() {
        out.push_str(&format!(
            "also wrong: {} (details above)\n",
            wrong.join(", ")
        ));
    }
    // Files that do not compile (`watch` grades the rest without them).
    let mut broken: Vec<&str> = vec![];
    for g in graded {
        let file = g.grade.exercise.file();
        if g.grade.status == Status::DoesNotCompile && !broken.contains(&file) {
            broken.push(file);
        }
    }
    match broken.len() {
        0 => {}
        1 => out.push_str(&format!(
            "does not compile: {} (its exercises are not graded until it does; the others are)\n",
            broken[0]
        )),
        _ => out.push_str(&format!(
            "do not compile: {} (their exercises are not graded until they do; the others are)\n",
            broken.join(", ")
        )),
    }
    match next {
        Some(g) => {
            let e = g.grade.exercise;
            let verb = match g.grade.status {
                Status::Wrong(_) | Status::DoesNotCompile => "fix",
                Status::Blocked(_) => "waiting",
                _ => "next",
            };
            if let Some(hint) = stub_hint(g).or_else(|| diagnosis_hint(g)) {
                out.push_str(&format!("  hint: {hint}\n"));
            }
            out.push_str(&format!(
                "{verb}: {} at {}; {}\n",
                e.id(),
                place(g),
                hint_levels::ask(e, shown)
            ));
        }
        None => out.push_str("every exercise is done\n"),
    }
    out
}

/// An exercise's rows with its failure under them; nothing when not attempted.
pub fn exercise_block(g: &Graded) -> String {
    let e = g.grade.exercise;
    let mut out = String::new();
    match &g.grade.status {
        Status::NotAttempted => {}
        Status::Blocked(why) => out.push_str(&format!("  {:<42} | waiting: {why}\n", e.id())),
        Status::DoesNotCompile => out.push_str(&format!(
            "  {:<42} | does not compile ({}): not graded until it does\n",
            e.id(),
            e.file()
        )),
        Status::Correct => {
            for row in &g.grade.rows {
                out.push_str(&format!("  {row}\n"));
            }
            out.push_str(&format!(
                "  {}: right; its derivation: {}\n",
                e.id(),
                e.solution_file()
            ));
        }
        Status::Wrong(message) => {
            for row in &g.grade.rows {
                out.push_str(&format!("  {row}\n"));
            }
            out.push_str(&format!("  {} is WRONG ({}):\n", e.id(), place(g)));
            out.push_str(&indent(message, "    "));
        }
    }
    out
}

/// The function a learner writes for `e` (`backward`, `dcounts`, `tanh_backward`).
pub fn function_name(e: Exercise) -> String {
    e.entry().function.to_string()
}

/// The derivation of a solved exercise, from the solution's doc comments:
/// the file's own (`//!`), for a layer, and the function's (`///`).
pub fn derivation(e: Exercise) -> Option<String> {
    let path = crate::root().join(e.solution_file());
    let text = std::fs::read_to_string(path).ok()?;
    Some(derivation_from(
        &text,
        &function_name(e),
        !matches!(e, Exercise::Step(_) | Exercise::Micrograd(_)),
    ))
}

/// The doc comments of `function` in `source`, after the file's when `module`.
pub fn derivation_from(source: &str, function: &str, module: bool) -> String {
    let strip = |l: &str, p: &str| {
        l.trim_start()
            .strip_prefix(p)
            .map(|r| r.strip_prefix(' ').unwrap_or(r).to_string())
    };
    let mut out: Vec<String> = vec![];
    if module {
        out.extend(source.lines().map_while(|l| strip(l, "//!")));
    }
    let lines: Vec<&str> = source.lines().collect();
    let signature = format!("pub fn {function}");
    if let Some(at) = lines
        .iter()
        .position(|l| l.starts_with(&signature) && l[signature.len()..].starts_with(['(', '<']))
    {
        let mut docs: Vec<String> = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.trim_start().starts_with("///") || l.trim_start().starts_with("#["))
            .filter_map(|l| strip(l, "///"))
            .collect();
        docs.reverse();
        if !docs.is_empty() && !out.is_empty() {
            out.push(String::new());
        }
        out.extend(docs);
    }
    out.join("\n")
}
