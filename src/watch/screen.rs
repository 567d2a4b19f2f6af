//! # The screen `watch` draws after each grade
//!
//! Part of the learner's loop ([`crate`]): the screen is cleared and
//! shows the grade on one screen ([`backprop_ninja::grade::compact`]: each chapter's
//! count on one line, what fails with its diagnosis and `file:line`, and
//! last the `next:`/`fix:` line with its hint and the command for the next
//! hint level) and, for an exercise that has just turned right, its
//! derivation from the solution's doc comments, above the last lines. It
//! fits the terminal the watch started in ([`terminal_size`]: 40 rows
//! unless it knows better); `watch --all` shows the full report instead,
//! every row of it. A file of `exercises/` that does not compile shows its
//! first error above the grade of the others; an error elsewhere shows the
//! compiler's first error above the last grades, which stay on screen.
//! [`Screen`] remembers what it needs between two grades.

use std::collections::BTreeSet;

use super::compiler::{errors_by_file, first_error};
use super::grading::Outcome;
use backprop_ninja::grade::compact::{self, MORE, Size};
use backprop_ninja::grade::progress as report;
use backprop_ninja::registry::Exercise;

/// Clears the terminal and puts the cursor home.
pub const CLEAR: &str = "\x1b[2J\x1b[H";

/// The first line of every screen.
pub const HEADER: &str =
    "backprop-ninja watch: save a file in exercises/ to grade again; Ctrl-C to quit\n\n";

/// The rows kept for the report's first lines (the chapters' counts)
/// under the compiler's errors.
pub const COUNTS_ROWS: usize = 8;

/// What the screen remembers between gradings.
#[derive(Clone, Debug, Default)]
pub struct Screen {
    /// The last report, kept on screen under a compile error.
    pub last_report: Option<String>,
    /// The exercises right at the last grade.
    pub solved: BTreeSet<String>,
    /// The terminal the screen must fit; none: everything, however long
    /// (`watch --all`).
    pub fit: Option<Size>,
}

/// The ids a report marks right (its [`compact::SOLVED`] line, or the
/// `  layers::tanh: right; …` lines of a full report).
pub fn solved_in(report: &str) -> BTreeSet<String> {
    compact::solved_in(report).into_iter().collect()
}

/// The size of the report the grade is asked for, on a terminal of `size`:
/// what is left under [`HEADER`].
pub fn report_size(size: Size) -> Size {
    let size = size.at_least_min();
    Size {
        rows: size.rows - size.rows_of(HEADER),
        ..size
    }
}

/// The terminal's size: `LINES` and `COLUMNS` when set, else what
/// `stty size` says of the terminal on standard input, else
/// [`Size::DEFAULT`].
pub fn terminal_size() -> Size {
    let var = |name: &str| std::env::var(name).ok()?.trim().parse::<usize>().ok();
    if let (Some(rows), Some(cols)) = (var("LINES"), var("COLUMNS")) {
        return Size { rows, cols };
    }
    let stty = std::process::Command::new("stty")
        .arg("size")
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let (rows, cols) = text.trim().split_once(' ')?;
            Some(Size {
                rows: rows.parse().ok()?,
                cols: cols.parse().ok()?,
            })
        });
    let size = stty.unwrap_or(Size::DEFAULT);
    Size {
        rows: var("LINES").unwrap_or(size.rows),
        cols: var("COLUMNS").unwrap_or(size.cols),
    }
}

impl Screen {
    /// A screen that fits a terminal of `size`, or shows everything (none).
    pub fn new(fit: Option<Size>) -> Screen {
        Screen {
            fit,
            ..Screen::default()
        }
    }

    /// The screen for `outcome`, clear included.
    pub fn render(&mut self, outcome: &Outcome) -> String {
        // Above the report: the compiler's errors, if any, and what the
        // report under them is.
        let (errors, between, report) = match outcome {
            Outcome::Graded(report) => (String::new(), "", report.clone()),
            Outcome::Isolated { compiler, report } => (
                errors_by_file(compiler),
                "\n── the other exercises ──\n",
                report.clone(),
            ),
            Outcome::CompileError(output) => {
                let mut errors = first_error(output);
                if !errors.ends_with('\n') {
                    errors.push('\n');
                }
                match &self.last_report {
                    Some(last) => (errors, "\n── the last grades ──\n", last.clone()),
                    None => (errors, "", String::new()),
                }
            }
        };
        let derivations = match outcome {
            Outcome::CompileError(_) => String::new(),
            _ => self.derivations(&report),
        };
        match outcome {
            Outcome::Graded(_) => self.solved = solved_in(&report),
            // What the broken files had solved stays solved: no derivation
            // again once they compile.
            Outcome::Isolated { .. } => self.solved.extend(solved_in(&report)),
            Outcome::CompileError(_) => {}
        }
        if !matches!(outcome, Outcome::CompileError(_)) {
            self.last_report = Some(report.clone());
        }
        let (body, last) = compact::split_last(&report);
        let mut out = String::from(CLEAR);
        out.push_str(HEADER);
        match self.fit {
            None => {
                for part in [&errors, between, &body, &derivations, &last] {
                    out.push_str(part);
                }
            }
            Some(size) => {
                let size = size.at_least_min();
                // The header and the last lines always; the errors, leaving
                // the chapters' counts room; the report's body, then the
                // derivations, in what is left.
                let mut room = size
                    .rows
                    .saturating_sub(size.rows_of(HEADER) + size.rows_of(&last));
                let counts = size.rows_of(&body).min(COUNTS_ROWS);
                let errors = size.cut(
                    &errors,
                    room.saturating_sub(size.rows_of(between) + counts),
                    "… the compiler's other errors: cargo build",
                );
                room = room.saturating_sub(size.rows_of(&errors) + size.rows_of(between));
                let derivation_rows = size.rows_of(&derivations).min(3);
                let body = size.cut(
                    &body,
                    room.saturating_sub(derivation_rows),
                    &format!("… more below the screen {MORE}"),
                );
                room = room.saturating_sub(size.rows_of(&body));
                let derivations = size.cut(
                    &derivations,
                    room,
                    &format!("… the whole derivation: its solution's doc comments {MORE}"),
                );
                for part in [&errors, between, &body, &derivations, &last] {
                    out.push_str(part);
                }
            }
        }
        out
    }

    /// The derivation of each exercise `report` marks right for the first
    /// time; none at the first grade, which only sets the baseline.
    fn derivations(&self, report: &str) -> String {
        let mut out = String::new();
        if self.last_report.is_none() {
            return out;
        }
        for id in solved_in(report).difference(&self.solved) {
            if let Some(e) = Exercise::all().into_iter().find(|e| e.id() == id)
                && let Some(text) = report::derivation(e)
            {
                out.push_str(&format!(
                    "── {id} is right! The derivation, from {} ──\n{text}\n\n",
                    e.solution_file()
                ));
            }
        }
        out
    }
}
