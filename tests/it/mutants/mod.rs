//! # The grader catches deliberately broken backward passes
//!
//! The mutants are the grader's known mistakes (`src/grade/mistakes/`): the
//! reference with one function broken the way learners really break it,
//! each a table of function pointers ([`known`]). [`known`](mod@known)
//! grades every one: it must fail its own exercise and be named. The files
//! here, one per chapter in course order (micrograd, the bigram, the MLP
//! (exercises 1 and 2), the WaveNet, the GPT's attention and its core, the
//! tokenizer, fine-tuning's reward model, RLHF),
//! check more of each: which rows fail, which exercises stay correct, what
//! the generic hints say when the diagnosis is left out ([`generic`]).
//!
//! A few mutants are no table patch and stay here, written with `mutant!`:
//! those that panic or return a mis-shaped gradient, a 3-D function calling
//! a wrong 2-D one, and a copy of the attention that must be right.

use backprop_ninja::Backprop;
use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::grade::{SEED, Status, dispatch, mistakes};
use backprop_ninja::registry::Exercise;

mod bigram;
mod finetune;
mod gpt_attention;
mod gpt_core;
mod known;
mod micrograd;
mod mlp;
mod rlhf;
mod tokenizer;
mod wavenet;

/// The known mistake of `exercise` (its id) named `name`: the reference's
/// table with that mistake in place.
fn known(exercise: &str, name: &str) -> BackpropTable {
    mistakes::named(exercise, name)
        .unwrap_or_else(|| panic!("no known mistake {exercise}: {name}"))
        .table()
}

/// A `mutant!`'s table.
fn table<B: Backprop>() -> BackpropTable {
    BackpropTable::of::<B>()
}

/// `exercise`'s status, graded on `bp`.
fn status(bp: &BackpropTable, exercise: Exercise) -> Status {
    dispatch::grade_with(bp, exercise, SEED).status
}

/// Grades `exercise` of `bp` and returns its failure message.
fn wrong(bp: &BackpropTable, exercise: Exercise) -> String {
    match status(bp, exercise) {
        Status::Wrong(message) => message,
        other => panic!("{} should be wrong, is {other:?}", exercise.id()),
    }
}

/// [`wrong`] without the diagnosis of known mistakes: what the generic
/// hints say.
fn generic(bp: &BackpropTable, exercise: Exercise) -> String {
    match dispatch::grade_undiagnosed(bp, exercise, SEED).status {
        Status::Wrong(message) => message,
        other => panic!("{} should be wrong, is {other:?}", exercise.id()),
    }
}

/// A broken step of exercise 1 fails its own row, not its neighbours', and
/// the chain waits for it instead of failing too.
fn only_its_own_step_fails(bp: &BackpropTable, var: Var) -> String {
    let message = wrong(bp, Exercise::Step(var));
    assert!(
        message.contains(&var.grad_name()),
        "the message names {}: {message}",
        var.grad_name()
    );
    let at = Var::ALL.iter().position(|&v| v == var).unwrap();
    for &other in Var::ALL
        .iter()
        .skip(at.saturating_sub(1))
        .take(3)
        .filter(|&&v| v != var)
    {
        assert_eq!(
            status(bp, Exercise::Step(other)),
            Status::Correct,
            "{}",
            other.grad_name()
        );
    }
    let chain = status(bp, Exercise::Chain);
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains(&var.grad_name())),
        "{chain:?}"
    );
    message
}
