//! # Mutants of fine-tuning (State of GPT)
//!
//! The reward model's Bradley–Terry loss and its head read at the end
//! token: each mutant fails its own exercise, on the rows it breaks, and
//! leaves the other correct.

use backprop_ninja::grade::Status;
use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, wrong};

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
