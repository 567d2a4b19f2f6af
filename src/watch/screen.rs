//! # The screen `watch` draws after each grade
//!
//! Part of the learner's loop ([`crate::watch`]): the screen is cleared and
//! shows the grade report (where you are in each chapter, the next exercise
//! with its file, line and hint, each failure with its hint under its row)
//! and, for an exercise that has just turned right, its derivation from the
//! solution's doc comments. A file of `exercises/` that does not compile
//! shows its first error above the grade of the others; an error elsewhere
//! shows the compiler's first error above the last grades, which stay on
//! screen. [`Screen`] remembers what it needs between two grades.

use std::collections::BTreeSet;

use super::compiler::{errors_by_file, first_error};
use super::grading::Outcome;
use crate::grade::progress as report;
use crate::registry::Exercise;

/// Clears the terminal and puts the cursor home.
pub const CLEAR: &str = "\x1b[2J\x1b[H";

/// What the screen remembers between gradings.
#[derive(Clone, Debug, Default)]
pub struct Screen {
    /// The last report, kept on screen under a compile error.
    pub last_report: Option<String>,
    /// The exercises right at the last grade.
    pub solved: BTreeSet<String>,
}

/// The ids a report marks right (`  layers::tanh: right; …`).
pub fn solved_in(report: &str) -> BTreeSet<String> {
    report
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .split_once(": right;")
                .map(|(id, _)| id.to_string())
        })
        .collect()
}

impl Screen {
    /// The screen for `outcome`, clear included.
    pub fn render(&mut self, outcome: &Outcome) -> String {
        let mut out = String::from(CLEAR);
        out.push_str(
            "backprop-ninja watch: save a file in exercises/ to grade again; Ctrl-C to quit\n\n",
        );
        match outcome {
            Outcome::Graded(report) => {
                out.push_str(report);
                self.derivations(report, &mut out);
                self.solved = solved_in(report);
                self.last_report = Some(report.clone());
            }
            Outcome::Isolated { compiler, report } => {
                out.push_str(&errors_by_file(compiler));
                out.push_str("\n── the other exercises ──\n");
                out.push_str(report);
                self.derivations(report, &mut out);
                // What the broken files had solved stays solved: no derivation
                // again once they compile.
                self.solved.extend(solved_in(report));
                self.last_report = Some(report.clone());
            }
            Outcome::CompileError(output) => {
                out.push_str(&first_error(output));
                if let Some(last) = &self.last_report {
                    out.push_str("\n── the last grades ──\n");
                    out.push_str(last);
                }
            }
        }
        out
    }

    /// The derivation of each exercise `report` marks right for the first
    /// time; none at the first grade, which only sets the baseline.
    fn derivations(&self, report: &str, out: &mut String) {
        if self.last_report.is_none() {
            return;
        }
        for id in solved_in(report).difference(&self.solved) {
            if let Some(e) = Exercise::all().into_iter().find(|e| e.id() == id)
                && let Some(text) = report::derivation(e)
            {
                out.push_str(&format!(
                    "\n── {id} is right! The derivation, from {} ──\n{text}\n",
                    report::solution_file(e)
                ));
            }
        }
    }
}
