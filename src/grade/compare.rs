//! # Comparing a gradient with the reference
//!
//! [`compare`] makes the lecture's `cmp` row (`exact | approximate |
//! maxdiff`); [`diagnose`] (from [`crate::grade::hints`]) says in words why
//! a row is wrong, with a hint where the numbers suggest one.
//! [`recording_answers`] keeps what each row compared, for the diagnosis of
//! a known mistake ([`crate::grade::mistakes`]).

use std::cell::RefCell;

use ndarray::{ArrayD, ArrayRef, Dimension};

use crate::grade::Row;
use crate::grade::oracle::Report;

/// Compares a learner's gradient with the reference's.
pub fn compare<D: Dimension>(
    name: &str,
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
    oracle: Option<Report>,
) -> Row {
    record(name, learner);
    if learner.shape() != reference.shape() {
        return Row {
            name: name.into(),
            exact: false,
            approximate: false,
            maxdiff: f64::INFINITY,
            oracle,
            diagnosis: None,
        };
    }
    let mut exact = true;
    let mut approximate = true;
    let mut maxdiff: f64 = 0.0;
    for (&a, &b) in learner.iter().zip(reference.iter()) {
        let diff = (a - b).abs();
        exact &= a == b;
        approximate &= diff <= 1e-10 + 1e-7 * b.abs();
        maxdiff = if diff.is_nan() {
            f64::INFINITY
        } else {
            maxdiff.max(diff)
        };
    }
    Row {
        name: name.into(),
        exact,
        approximate,
        maxdiff,
        oracle,
        diagnosis: None,
    }
}

/// A row's gradient as its case compared it, by the row's name: the
/// learner's side of the row.
pub type Answer = (String, ArrayD<f64>);

thread_local! {
    /// The gradients compared on this thread, while [`recording_answers`]
    /// listens.
    static ANSWERS: RefCell<Option<Vec<Answer>>> = const { RefCell::new(None) };
}

fn record<D: Dimension>(name: &str, learner: &ArrayRef<f64, D>) {
    if name.is_empty() {
        return; // a comparison of its own, not a row
    }
    ANSWERS.with_borrow_mut(|answers| {
        if let Some(answers) = answers {
            answers.push((name.to_string(), learner.to_owned().into_dyn()));
        }
    });
}

/// Records `learner` as the answer of the row `name`, for a case that
/// compares outputs itself rather than through a [`LayerCase`]
/// (the tokenizer's): what [`recording_answers`] collects.
///
/// [`LayerCase`]: crate::grade::case::LayerCase
pub fn record_answer(name: &str, learner: &ndarray::ArrayD<f64>) {
    record(name, learner);
}

/// Runs `grade` and returns what it returned with the gradients each of its
/// rows compared with the reference (the learner's side), by row name.
pub fn recording_answers<T>(grade: impl FnOnce() -> T) -> (T, Vec<Answer>) {
    let outer = ANSWERS.replace(Some(vec![]));
    let out = grade();
    let answers = ANSWERS.replace(outer).unwrap_or_default();
    (out, answers)
}

// Why a row is wrong, in words: the hints live in `grade::hints`.
pub use crate::grade::hints::{constant_ratio, diagnose};
