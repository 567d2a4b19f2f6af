//! # The grader catches deliberately broken backward passes
//!
//! Each `mutant!` in these files is the reference solution with one function
//! broken the way learners really break it. The grader must fail that
//! exercise, name the gradient, and leave the others alone. One file per
//! chapter, in course order: micrograd, the bigram, the MLP (exercises 1
//! and 2), the WaveNet, the GPT's attention and its core, the tokenizer. A new exercise's
//! mutant goes into its chapter's file, written with `mutant!`.
//!
//! A mutant is cheap to compile: the grader takes it as a table of function
//! pointers (`backprop_ninja::grade::table`), so a mutant compiles its own
//! `Backprop` methods and nothing of the grader, which the library compiles
//! once.

use backprop_ninja::Backprop;
use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

mod bigram;
mod gpt_attention;
mod gpt_core;
mod micrograd;
mod mlp;
mod tokenizer;
mod wavenet;

/// Grades `exercise` of `B` and returns its failure message.
fn wrong<B: Backprop>(exercise: Exercise) -> String {
    match dispatch::grade::<B>(exercise).status {
        Status::Wrong(message) => message,
        other => panic!("{} should be wrong, is {other:?}", exercise.id()),
    }
}

/// A broken step of exercise 1 fails its own row, not its neighbours', and
/// the chain waits for it instead of failing too.
fn only_its_own_step_fails<B: Backprop>(var: Var) -> String {
    let message = wrong::<B>(Exercise::Step(var));
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
            dispatch::grade::<B>(Exercise::Step(other)).status,
            Status::Correct,
            "{}",
            other.grad_name()
        );
    }
    let chain = dispatch::grade::<B>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains(&var.grad_name())),
        "{chain:?}"
    );
    message
}
