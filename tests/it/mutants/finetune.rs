//! # Mutants of fine-tuning (the SFT targets)
//!
//! `exercises/sft_targets.rs` broken the way learners break it: each known
//! mistake fails the exercise on the named case that shows it, with its
//! name, and a panic is reported with what it was handed.

use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::{generic, known, table, wrong};
use crate::common::mutant;

/// The message of the known mistake `name`, graded.
fn message_of(name: &str) -> String {
    wrong(&known("finetune::sft_targets", name), Exercise::SftTargets)
}

#[test]
fn the_mask_read_at_the_position_is_named_and_shows_on_a_conversation() {
    let message = message_of("mask not shifted");
    assert!(message.contains("mask not shifted"), "{message}");
    assert!(message.contains("wrong on a conversation"), "{message}");
}

#[test]
fn the_end_token_not_supervised_is_named_on_an_empty_answer_too() {
    let message = message_of("end not supervised");
    assert!(message.contains("end not supervised"), "{message}");
    let bp = known("finetune::sft_targets", "end not supervised");
    let grade = dispatch::grade_with(&bp, Exercise::SftTargets, backprop_ninja::grade::SEED);
    assert!(
        grade.rows.iter().all(|r| !r.ok() && r.maxdiff >= 3.0),
        "{grade:?}"
    );
}

#[test]
fn no_shift_and_a_supervised_prompt_are_each_named() {
    for name in ["no shift", "prompt supervised"] {
        let message = message_of(name);
        assert!(message.contains(name), "{name}: {message}");
    }
}

#[test]
fn without_the_diagnosis_the_generic_hint_says_what_target_t_is() {
    let bp = known("finetune::sft_targets", "mask not shifted");
    let message = generic(&bp, Exercise::SftTargets);
    assert!(message.contains("mask[t + 1] == 1"), "{message}");
    assert!(message.contains("at position"), "{message}");
}

mutant!(sft_targets_panics_on_padding, sft_targets {
    pub fn targets(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) {
        assert!(mask.contains(&1), "no answer");
        backprop_ninja::solutions::sft_targets::targets(ids, mask)
    }
});

#[test]
fn a_panic_on_a_row_of_padding_fails_and_says_what_it_was_handed() {
    let message = wrong(
        &table::<sft_targets_panics_on_padding::Mutant>(),
        Exercise::SftTargets,
    );
    assert!(message.contains("panicked: no answer"), "{message}");
    assert!(message.contains("every target ignored"), "{message}");
}

#[test]
fn the_reference_is_right_and_every_other_exercise_stays_right_under_a_mistake() {
    let bp = known("finetune::sft_targets", "prompt supervised");
    for other in [Exercise::BpeEncode, Exercise::SequenceCrossEntropy] {
        assert_eq!(dispatch::grade_with(&bp, other, 1).status, Status::Correct);
    }
    assert_eq!(
        dispatch::grade::<backprop_ninja::Solutions>(Exercise::SftTargets).status,
        Status::Correct
    );
}
