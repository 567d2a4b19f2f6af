//! # Mutants of fine-tuning (the SFT targets, the reward model)
//!
//! `exercises/sft_targets.rs` broken the way learners break it: each known
//! mistake fails the exercise on the named case that shows it, with its
//! name, and a panic is reported with what it was handed. The reward
//! model's Bradley–Terry loss and its head read at the end token: each
//! mutant fails its own exercise, on the rows it breaks, and leaves the
//! other correct.

use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, table, wrong};
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

/// The reward model's exercises.
const FINETUNE: [Exercise; 2] = [Exercise::BradleyTerry, Exercise::RewardHead];

/// Grades `exercise` on `bp`: it must be wrong, the other right. Returns
/// the failure message.
fn only_this_finetune_exercise_fails(bp: &BackpropTable, exercise: Exercise) -> String {
    let message = wrong(bp, exercise);
    for other in FINETUNE.into_iter().filter(|&e| e != exercise) {
        assert_eq!(status(bp, other), Status::Correct, "{}", other.id());
    }
    message
}

#[test]
fn each_bradley_terry_mutant_fails_both_rewards_and_is_named() {
    for name in ["sign of Δ flipped", "σ(Δ) for σ(−Δ)", "mean forgotten"] {
        let bp = known("finetune::bradley_terry", name);
        let message = only_this_finetune_exercise_fails(&bp, Exercise::BradleyTerry);
        assert!(message.contains("dr_chosen: WRONG"), "{name}: {message}");
        assert!(message.contains("dr_rejected: WRONG"), "{name}: {message}");
        assert!(
            message.contains(&format!("\"{name}\"")),
            "{name}: {message}"
        );
        // The other two are not named: each is told apart from the rest.
        for other in ["sign of Δ flipped", "σ(Δ) for σ(−Δ)", "mean forgotten"] {
            if other != name {
                assert!(
                    !message.contains(&format!("\"{other}\"")),
                    "{name}: {message}"
                );
            }
        }
    }
}

#[test]
fn a_reward_head_read_at_the_last_position_fails_dx_and_dw_not_db() {
    let bp = known("finetune::reward_head", "read at the last position");
    let message = only_this_finetune_exercise_fails(&bp, Exercise::RewardHead);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(message.contains("dw: WRONG"), "{message}");
    assert!(!message.contains("db: WRONG"), "{message}");
    assert!(
        message.contains("\"read at the last position\""),
        "{message}"
    );
    let generic = generic(&bp, Exercise::RewardHead);
    assert!(!generic.contains("known mistake"), "{generic}");
}
