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
use crate::grade::table::BackpropTable;
use crate::grade::{Outcome, Row, SEED, Status, cases, skipped};
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

/// [`grade_seeded`] for the backward passes of `bp`.
pub fn grade_with(bp: &BackpropTable, exercise: Exercise, seed: u64) -> Grade {
    // A file that does not compile is not graded (`watch`).
    if let Some(status) = skipped::status(bp, exercise) {
        return Grade {
            exercise,
            status,
            rows: vec![],
        };
    }
    let mut outcome: Outcome = grading_case!(bp, exercise, seed);
    if let Some(twin) = exercise.entry().twin {
        blame_twin(bp, &mut outcome, twin, seed);
    }
    Grade {
        exercise,
        status: outcome.status,
        rows: outcome.rows,
    }
}

/// A wrong 3-D exercise whose 2-D twin is wrong too says that the 2-D
/// function may be the cause: `backward_3d` often calls it on a reshape.
fn blame_twin(bp: &BackpropTable, graded: &mut Outcome, twin: Exercise, seed: u64) {
    if let Status::Wrong(message) = &mut graded.status
        && matches!(grade_with(bp, twin, seed).status, Status::Wrong(_))
    {
        message.push_str(&format!(
            "\n  hint: your 2-D `backward` ({}, {}) is wrong too; if `backward_3d` calls it, that is the cause: fix it first (its own row)",
            twin.id(),
            twin.file()
        ));
    }
}
