//! # The grade on one screen: what `watch` shows
//!
//! The full report ([`progress::report`]) runs to hundreds of lines once a
//! few chapters are done. The watch's screen must fit the terminal (40 rows
//! unless it knows better, [`Size`]) with the exercise in progress in
//! sight. Top to bottom:
//!
//! 1. each chapter's count on one line ([`progress::chapter_line`]): the
//!    rows of what is right collapse into it;
//! 2. what fails, the exercise in progress first, then in course order:
//!    each exercise with its `file:line` and the diagnosis of its failing
//!    rows, then the names of its rows that are right. When they do not
//!    all fit, the list ends with `… and N more failing rows (watch --all)`;
//! 3. the same last lines as the full report ([`progress::last_lines`]):
//!    the summary, the hint, and at the very bottom the `next:`/`fix:` line
//!    with its `file:line` and the command for the next hint level.
//!
//! Lines are counted as the terminal shows them: a line wider than the
//! terminal takes several rows. Above all of it, one line for the watch
//! alone ([`SOLVED`]) lists the exercises that are right, which the watch
//! reads (for the derivations of what has just turned right) and does not
//! show. The grade prints this screen instead of the full report when
//! [`VAR`] is set.

use std::collections::BTreeMap;

use super::Status;
use super::progress::{self, Graded, chapter_line, place};
use crate::registry::Chapter;

/// The variable with which the watch asks the grade for a screen of its
/// size (`40x80`) instead of the full report.
pub const VAR: &str = "BACKPROP_NINJA_SCREEN";

/// The first line of a screen: `solved: layers::tanh layers::linear`, read
/// by the watch, never shown.
pub const SOLVED: &str = "solved:";

/// The end of a list of failures that does not fit.
pub const MORE: &str = "(watch --all)";

/// The variable with which the watch asks the grade to grade one module's
/// exercises first (the file just saved: `tanh`) and print their verdict
/// before the report.
pub const FIRST_VAR: &str = "BACKPROP_NINJA_FIRST";

/// The line with which the grade ends that verdict.
pub const FIRST_END: &str = "-- the saved file's verdict ends here; the report follows --";

/// A terminal's size, in rows and columns of characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub rows: usize,
    pub cols: usize,
}

impl Size {
    /// When the terminal's size is not known: 40 rows of 80 columns.
    pub const DEFAULT: Size = Size { rows: 40, cols: 80 };

    /// The smallest size drawn for: a smaller terminal gets this much.
    pub const MIN: Size = Size { rows: 20, cols: 40 };

    /// `"40x80"` as [`VAR`] carries it; `None` when it is not that form.
    pub fn parse(text: &str) -> Option<Size> {
        let (rows, cols) = text.trim().split_once('x')?;
        Some(Size {
            rows: rows.parse().ok()?,
            cols: cols.parse().ok()?,
        })
    }

    /// `"40x80"`, the form [`Size::parse`] reads.
    pub fn to_var(self) -> String {
        format!("{}x{}", self.rows, self.cols)
    }

    /// At least [`Size::MIN`] in each direction.
    pub fn at_least_min(self) -> Size {
        Size {
            rows: self.rows.max(Size::MIN.rows),
            cols: self.cols.max(Size::MIN.cols),
        }
    }

    /// The rows `text` takes on this terminal: each line one row per
    /// `cols` characters, an empty line one.
    pub fn rows_of(self, text: &str) -> usize {
        text.lines().map(|l| self.rows_of_line(l)).sum()
    }

    /// The rows one line takes: one per `cols` characters, one at least.
    pub fn rows_of_line(self, line: &str) -> usize {
        line.chars().count().div_ceil(self.cols.max(1)).max(1)
    }

    /// The first lines of `text` that fit in `rows` rows, the last of them
    /// replaced by `tail` when not all fit; the text as it is when it does.
    pub fn cut(self, text: &str, rows: usize, tail: &str) -> String {
        if self.rows_of(text) <= rows {
            return text.to_string();
        }
        let mut out = String::new();
        let mut used = self.rows_of(tail);
        for line in text.lines() {
            let need = self.rows_of_line(line);
            if used + need > rows {
                break;
            }
            used += need;
            out.push_str(line);
            out.push('\n');
        }
        if used <= rows {
            out.push_str(tail);
            out.push('\n');
        }
        out
    }
}

/// What fails in one exercise, as the screen shows it: the exercise with
/// its `file:line`, the diagnosis under it, the names of its rows that are
/// right; with how many of its rows fail (one at least). Nothing for an
/// exercise right or not attempted.
pub fn failure(g: &Graded) -> Option<(String, usize)> {
    let e = g.grade.exercise;
    let id = e.id();
    match &g.grade.status {
        Status::Correct | Status::NotAttempted => None,
        Status::Blocked(why) => Some((format!("{id} waits: {why}\n"), 1)),
        Status::DoesNotCompile => Some((
            format!(
                "{id} does not compile ({}): not graded until it does\n",
                e.file()
            ),
            1,
        )),
        Status::Wrong(message) => {
            let mut out = format!("{id} is WRONG ({}):\n", place(g));
            for line in message.lines() {
                out.push_str(&format!("  {line}\n"));
            }
            let right: Vec<&str> = g
                .grade
                .rows
                .iter()
                .filter(|r| r.ok())
                .map(|r| {
                    r.name
                        .strip_prefix(id)
                        .map_or(r.name.as_str(), str::trim_start)
                })
                .collect();
            if !right.is_empty() {
                out.push_str(&format!("  right: {}\n", right.join(", ")));
            }
            let failing = g.grade.rows.iter().filter(|r| !r.ok()).count();
            Some((out, failing.max(1)))
        }
    }
}

/// The screen of `graded` (in course order) for a terminal of `size`,
/// `shown`: the hint levels seen so far ([`super::hint_levels::shown`]).
pub fn screen(
    implementation: &str,
    graded: &[Graded],
    size: Size,
    shown: &BTreeMap<String, usize>,
) -> String {
    let size = size.at_least_min();
    let solved: Vec<&str> = graded
        .iter()
        .filter(|g| g.grade.status == Status::Correct)
        .map(|g| g.grade.exercise.id())
        .collect();
    let mut counts = String::new();
    for c in Chapter::ALL {
        if let Some(line) = chapter_line(c, graded) {
            counts.push_str(&line);
            counts.push('\n');
        }
    }
    let last = progress::last_lines(implementation, graded, shown);
    // The exercise in progress first, then the others in course order.
    let next = progress::next(graded).map(|g| g.grade.exercise);
    let failures: Vec<(String, usize)> = graded
        .iter()
        .filter(|g| Some(g.grade.exercise) == next)
        .chain(graded.iter().filter(|g| Some(g.grade.exercise) != next))
        .filter_map(failure)
        .collect();
    let mut out = format!("{SOLVED} {}\n", solved.join(" "));
    out.push_str(&counts);
    if !failures.is_empty() {
        // A blank line above the failures, one above the last lines.
        let room = size
            .rows
            .saturating_sub(size.rows_of(&counts) + size.rows_of(&last) + 2);
        out.push('\n');
        out.push_str(&fit(&failures, room, size));
    }
    out.push('\n');
    out.push_str(&last);
    out
}

/// As many of `failures` as fit in `rows` rows, in order, then how many
/// failing rows are left out. The first is shown, cut if it must be.
fn fit(failures: &[(String, usize)], rows: usize, size: Size) -> String {
    let total: usize = failures.iter().map(|(_, n)| n).sum();
    let more = |left: usize| format!("… and {left} more failing rows {MORE}");
    let mut out = String::new();
    let mut used = 0;
    let mut shown = 0;
    for (i, (text, n)) in failures.iter().enumerate() {
        let left_after = total - shown - n;
        let reserve = if left_after > 0 {
            size.rows_of(&more(left_after))
        } else {
            0
        };
        let need = size.rows_of(text);
        if used + need + reserve <= rows {
            out.push_str(text);
            used += need;
            shown += n;
        } else {
            if i == 0 {
                // The exercise in progress is shown, as much of it as fits.
                let tail = format!("  … the rest of it {MORE}");
                let after = if total > *n {
                    size.rows_of(&more(total - n))
                } else {
                    0
                };
                let room = rows.saturating_sub(after);
                out.push_str(&size.cut(text, room, &tail));
                shown += n;
            }
            break;
        }
    }
    if shown < total {
        out.push_str(&more(total - shown));
        out.push('\n');
    }
    out
}

/// The ids a screen or a report marks right: the [`SOLVED`] line of a
/// screen, or the `  layers::tanh: right; …` lines of a full report.
pub fn solved_in(text: &str) -> Vec<String> {
    let mut ids = vec![];
    for l in text.lines() {
        if let Some(list) = l.strip_prefix(SOLVED) {
            ids.extend(list.split_whitespace().map(str::to_string));
        } else if let Some((id, _)) = l.trim_start().split_once(": right;") {
            ids.push(id.to_string());
        }
    }
    ids
}

/// A report without its [`SOLVED`] line, split into its body and its last
/// lines (after the last blank line: the summary down to the `next:`/`fix:`
/// line).
pub fn split_last(text: &str) -> (String, String) {
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(SOLVED)).collect();
    let at = lines
        .iter()
        .rposition(|l| l.is_empty())
        .map_or(0, |i| i + 1);
    let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
    (join(&lines[..at]), join(&lines[at..]))
}
