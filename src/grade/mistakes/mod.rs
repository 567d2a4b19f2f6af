//! # Known mistakes, one list per exercise
//!
//! Each [`Mistake`] is the reference with one change, the way learners
//! really get a backward pass wrong: the exercise it belongs to, a short
//! name, a one-line explanation with the fix, and the code, a function
//! that replaces one pointer (or two) of the reference's
//! [`BackpropTable`](crate::grade::table::BackpropTable) ([`Mistake::table`]), so that it runs through the very
//! case that grades the exercise.
//!
//! The list is written once and used twice: when a learner's row fails,
//! the grader runs the exercise's known mistakes on the same case and, where
//! the learner's gradient is one of theirs within the grading tolerance,
//! names it in the row ([`crate::grade::dispatch`]); and the tests grade
//! every mistake, which must fail its own row and be recognised by name.
//!
//! One file per chapter, like the grading cases: [`micrograd`], [`bigram`],
//! [`layers`] (the MLP's layers, exercises 2 and 3), [`step_by_step`]
//! (exercise 1), [`wavenet`], [`attention`] and [`gpt`] (lecture 7's core),
//! [`tokenizer`] (the BPE functions, whose outputs are their answers),
//! [`finetune`] (the SFT targets, graded by their outputs too; the reward
//! model's loss and head), [`rlhf`] (State of GPT's RL losses).
//! Every backward pass with more than one path into a tensor has a mistake
//! per path, each dropped on its own.
//!
//! [`uses`] says which earlier exercises an exercise's code may call: a row
//! that fails while one of them is wrong waits for it.

use ndarray::{ArrayRef, Dimension};

use crate::grade::compare::Answer;
use crate::registry::Exercise;

pub use self::mistake::Mistake;

pub mod attention;
pub mod bigram;
pub mod finetune;
pub mod gpt;
pub mod layers;
pub mod micrograd;
pub mod mistake;
pub mod rlhf;
pub mod step_by_step;
pub mod tokenizer;
pub mod wavenet;

/// Every chapter's list, in course order.
const CHAPTERS: [&[Mistake]; 10] = [
    micrograd::MISTAKES,
    bigram::MISTAKES,
    layers::MISTAKES,
    step_by_step::MISTAKES,
    wavenet::MISTAKES,
    attention::MISTAKES,
    gpt::MISTAKES,
    tokenizer::MISTAKES,
    finetune::MISTAKES,
    rlhf::MISTAKES,
];

/// Every known mistake, in course order.
pub fn all() -> impl Iterator<Item = &'static Mistake> {
    CHAPTERS.into_iter().flatten()
}

/// The known mistakes of `exercise`.
pub fn of(exercise: Exercise) -> impl Iterator<Item = &'static Mistake> {
    all().filter(move |m| m.exercise == exercise)
}

/// The mistake of `exercise` (by id, `layers::tanh`) named `name`.
pub fn named(exercise: &str, name: &str) -> Option<&'static Mistake> {
    all().find(|m| m.exercise.id() == exercise && m.name == name)
}

/// The earlier exercises whose functions `exercise`'s code may call (the
/// attention calls your `linear::backward_3d`): while one of them is wrong,
/// its rows cannot be right, and its verdict waits. A 3-D exercise's 2-D
/// twin is the registry's `twin`, not listed here.
pub fn uses(exercise: Exercise) -> &'static [Exercise] {
    match exercise {
        Exercise::Attention => &[Exercise::Linear, Exercise::Linear3d, Exercise::Softmax],
        _ => &[],
    }
}

/// A learner's gradient is a mistake's: the same shape, and every element
/// within the grading tolerance, `1e-10 + 1e-7·|mistake|`, of the
/// mistake's (a NaN where the mistake has a NaN, an infinity where it has
/// the same infinity).
pub fn matches<D: Dimension>(learner: &ArrayRef<f64, D>, mistake: &ArrayRef<f64, D>) -> bool {
    learner.shape() == mistake.shape()
        && learner.iter().zip(mistake.iter()).all(|(&a, &b)| {
            if a.is_finite() && b.is_finite() {
                (a - b).abs() <= 1e-10 + 1e-7 * b.abs()
            } else {
                (a.is_nan() && b.is_nan()) || a == b
            }
        })
}

/// Finds `answers`' rows among `mistake`'s: the names of the rows where the
/// mistake is wrong (`wrong_rows`) and the learner's gradient is the
/// mistake's.
pub fn rows_explained(
    answers: &[Answer],
    mistake_answers: &[Answer],
    wrong_rows: &[String],
) -> Vec<String> {
    answers
        .iter()
        .filter(|(name, _)| wrong_rows.contains(name))
        .filter(|(name, learner)| {
            mistake_answers
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, m)| matches(learner, m))
        })
        .map(|(name, _)| name.clone())
        .collect()
}
