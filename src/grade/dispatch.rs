//! # The grading dispatch: an exercise to its grade
//!
//! Runs the grading case that an exercise's registry entry names
//! ([`crate::registry`], `graded_by`), after setting aside the exercises of a
//! file that does not compile ([`super::skipped`]), and adds the entry's
//! `twin` to the message of a wrong 3-D exercise. The `grade` and `check`
//! commands, `watch`, the trainer's readiness check and the tests grade
//! through [`grade`] and [`grade_seeded`].
//!
//! Only those two are generic over `B: Backprop`, and only to build `B`'s
//! [`BackpropTable`]: the dispatch and every case are compiled once
//! ([`grade_with`]), however many implementations are graded.

use crate::backprop::Backprop;
use crate::course::micrograd::OpKind;
use crate::course::step_by_step::Var;
use crate::grade::compare::{Answer, recording_answers};
use crate::grade::mistakes::{self, Mistake};
use crate::grade::table::BackpropTable;
use crate::grade::{Outcome, Row, SEED, Status, cases, skipped};
use crate::grade::{hints, oracle};
use crate::layers::head::HeadVar;
use crate::registry::{Exercise, grading_case};

/// An exercise's grade.
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    pub exercise: Exercise,
    pub status: Status,
    pub rows: Vec<Row>,
}

impl Grade {
    /// Passes a run: wrong (or not compiling) is the only failure for a learner.
    pub fn passed(&self) -> bool {
        !matches!(self.status, Status::Wrong(_) | Status::DoesNotCompile)
    }
}

/// Grades one exercise of `B` on the fixed inputs everyone gets.
pub fn grade<B: Backprop>(exercise: Exercise) -> Grade {
    grade_seeded::<B>(exercise, SEED)
}

/// Grades one exercise of `B` on inputs drawn from `seed`, with the case its
/// entry names.
pub fn grade_seeded<B: Backprop>(exercise: Exercise, seed: u64) -> Grade {
    grade_with(&BackpropTable::of::<B>(), exercise, seed)
}

/// [`grade_seeded`] for the backward passes of `bp`: the case, then, if a
/// row fails, the diagnosis of the known mistakes it is ([`diagnosis`]),
/// the 2-D twin that may be the cause, and the earlier exercises it waits
/// for ([`mistakes::uses`]).
pub fn grade_with(bp: &BackpropTable, exercise: Exercise, seed: u64) -> Grade {
    graded(bp, exercise, seed, true)
}

/// [`grade_with`] without the diagnosis of known mistakes: the generic
/// hints alone, what a row says when its gradient is no known mistake.
pub fn grade_undiagnosed(bp: &BackpropTable, exercise: Exercise, seed: u64) -> Grade {
    graded(bp, exercise, seed, false)
}

fn graded(bp: &BackpropTable, exercise: Exercise, seed: u64, diagnose: bool) -> Grade {
    // A file that does not compile is not graded (`watch`).
    if let Some(status) = skipped::status(bp, exercise) {
        return Grade {
            exercise,
            status,
            rows: vec![],
        };
    }
    let mut outcome = if diagnose {
        diagnosed(bp, exercise, seed)
    } else {
        run(bp, exercise, seed)
    };
    if let Some(twin) = exercise.entry().twin {
        blame_twin(bp, &mut outcome, twin, seed);
    }
    wait_for_uses(bp, &mut outcome, exercise, seed);
    Grade {
        exercise,
        status: outcome.status,
        rows: outcome.rows,
    }
}

/// The case that grades `exercise`, run on `bp`: no diagnosis, no twin.
fn run(bp: &BackpropTable, exercise: Exercise, seed: u64) -> Outcome {
    grading_case!(bp, exercise, seed)
}

/// The case's outcome, its failing rows that are a known mistake named:
/// graded again with those rows' diagnoses ([`hints::with_diagnoses`]), so
/// that each says the mistake in place of a generic hint. The mistakes run
/// only when a row fails.
fn diagnosed(bp: &BackpropTable, exercise: Exercise, seed: u64) -> Outcome {
    let (outcome, answers) = recording_answers(|| run(bp, exercise, seed));
    if !matches!(outcome.status, Status::Wrong(_)) {
        return outcome;
    }
    let failing: Vec<&str> = outcome
        .rows
        .iter()
        .filter(|r| !r.ok())
        .map(|r| r.name.as_str())
        .collect();
    let found: Vec<(String, String)> = diagnosis(exercise, seed, &answers)
        .into_iter()
        .filter(|(row, _)| failing.contains(&row.as_str()))
        .map(|(row, mistake)| (row, mistake.diagnosis()))
        .collect();
    if found.is_empty() {
        return outcome;
    }
    let mut outcome = hints::with_diagnoses(found.clone(), || run(bp, exercise, seed));
    for row in &mut outcome.rows {
        row.diagnosis = found
            .iter()
            .find(|(name, _)| *name == row.name)
            .map(|(_, says)| says.clone());
    }
    outcome
}

/// The known mistakes of `exercise` that `answers` (a grade's gradients by
/// row, [`recording_answers`]) are: each mistake is graded on the same case
/// (the same `seed`, no finite differences), and a row whose gradient is
/// the mistake's, where the mistake differs from the reference, is that
/// mistake (the first that fits, in the list's order).
pub fn diagnosis(
    exercise: Exercise,
    seed: u64,
    answers: &[Answer],
) -> Vec<(String, &'static Mistake)> {
    let mut found: Vec<(String, &'static Mistake)> = vec![];
    for mistake in mistakes::of(exercise) {
        let table = mistake.table();
        // Compared with the reference alone: the oracle has nothing to add.
        let (outcome, theirs) =
            oracle::skipping(|| recording_answers(|| run(&table, exercise, seed)));
        let wrong: Vec<String> = outcome
            .rows
            .iter()
            .filter(|r| !r.ok())
            .map(|r| r.name.clone())
            .collect();
        for row in mistakes::rows_explained(answers, &theirs, &wrong) {
            if !found.iter().any(|(r, _)| *r == row) {
                found.push((row, mistake));
            }
        }
    }
    found
}

/// A wrong exercise that uses a wrong earlier one ([`mistakes::uses`]):
/// its verdict waits for that one, which is named.
fn wait_for_uses(bp: &BackpropTable, graded: &mut Outcome, exercise: Exercise, seed: u64) {
    if !matches!(graded.status, Status::Wrong(_)) {
        return;
    }
    let wrong: Vec<String> = mistakes::uses(exercise)
        .iter()
        .filter(|&&used| {
            // Its status alone: no diagnosis needed.
            matches!(grade_undiagnosed(bp, used, seed).status, Status::Wrong(_))
        })
        .map(|used| format!("{} ({})", used.id(), used.file()))
        .collect();
    if !wrong.is_empty() {
        let (them, are) = if wrong.len() == 1 {
            ("it", "it is")
        } else {
            ("them", "they are")
        };
        graded.status = Status::Blocked(format!(
            "fix {} first: {} may call {them}, and cannot be right while {are} wrong",
            wrong.join(" and "),
            exercise.id()
        ));
    }
}

/// A wrong 3-D exercise whose 2-D twin is wrong too says that the 2-D
/// function may be the cause: `backward_3d` often calls it on a reshape.
fn blame_twin(bp: &BackpropTable, graded: &mut Outcome, twin: Exercise, seed: u64) {
    if let Status::Wrong(message) = &mut graded.status
        && matches!(grade_undiagnosed(bp, twin, seed).status, Status::Wrong(_))
    {
        message.push_str(&format!(
            "\n  hint: your 2-D `backward` ({}, {}) is wrong too; if `backward_3d` calls it, that is the cause: fix it first (its own row)",
            twin.id(),
            twin.file()
        ));
    }
}
