//! # The grader
//!
//! Runs a [`Backprop`](crate::Backprop) implementation's backward passes on
//! fixed inputs and grades each gradient twice: against the [`oracle`]
//! (finite differences, the authority) and against the reference solution,
//! in the lecture's `cmp` style: `exact | approximate | maxdiff`.
//!
//! An exercise still at `todo!()` is [`Status::NotAttempted`], never a
//! failure. A panic in a learner's code (a shape mismatch, say) is caught and
//! reported with the exercise's name and the shapes it was handed.
//!
//! | file | job |
//! |---|---|
//! | [`oracle`] | finite differences of any scalar function, element by element |
//! | [`attempt`] | running a learner's function: panics caught, `todo!()` recognised |
//! | [`compare`] | a gradient against the reference: the `cmp` row, and why it is wrong |
//! | [`case`], [`cases`] | what each exercise is graded on, one file per chapter |
//! | [`dispatch`] | an exercise to its grade: the case its registry entry names |
//! | [`report`] | the printed table and summary |
//! | [`hints`] | why a gradient is wrong, in words: the error's pattern matched |
//! | [`panic_site`] | where a learner's code panicked: the hook, installed only while grading |
//! | [`progress`] | the report a learner reads: chapters, failures under their rows, the next exercise last |
//! | [`compact`] | the same on one screen, for `watch`: the counts, what fails, the next exercise last |
//! | [`hint_levels`] | `hint <exercise>`: the registry's hints, one level more each time |
//! | [`scalar_check`] | the second oracle: exercise 1 rebuilt from scalars |
//! | [`table`] | an implementation's backward passes as function pointers: the grader is compiled once |
//! | [`mistakes`] | each exercise's known mistakes, as code: a failing row that is one of them is named |
//! | [`skipped`] | the exercises of a file that does not compile, which `watch` reports while grading the rest |
//!
//! Which case grades which exercise is said once, in [`crate::registry`];
//! [`dispatch`] runs it.

pub mod attempt;
pub mod case;
pub mod cases;
pub mod compact;
pub mod compare;
pub mod dispatch;
pub mod hint_levels;
pub mod hints;
pub mod mistakes;
pub mod oracle;
pub mod panic_site;
pub mod progress;
pub mod report;
pub mod scalar_check;
pub mod skipped;
pub mod table;

use self::oracle::Report;

/// The seed of every graded input: the same numbers for everyone.
pub const SEED: u64 = 42;

/// How an exercise stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Every gradient agrees with finite differences and the reference.
    Correct,
    /// Still at `todo!()`.
    NotAttempted,
    /// Waits for other exercises (the chain waits for every step).
    Blocked(String),
    /// Attempted, and wrong: the message says where.
    Wrong(String),
    /// Its file does not compile: `watch` graded the others without it
    /// ([`skipped`]). Never graded, never right.
    DoesNotCompile,
}

/// One gradient, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    /// Bit for bit the reference's.
    pub exact: bool,
    /// Within `1e-10 + 1e-7·|reference|` of the reference, element-wise.
    pub approximate: bool,
    /// The largest absolute difference from the reference.
    pub maxdiff: f64,
    /// The finite-difference check, where one was made.
    pub oracle: Option<Report>,
    /// The known mistake this row's gradient is, named with its fix
    /// ([`mistakes`]), when the grader recognised one.
    pub diagnosis: Option<String>,
}

impl Row {
    pub fn ok(&self) -> bool {
        self.approximate && self.oracle.as_ref().is_none_or(Report::passed)
    }
}

/// What a grading case found: the exercise's status and its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub rows: Vec<Row>,
}
