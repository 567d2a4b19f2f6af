//! # Mutants of the RLHF chapter (State of GPT)
//!
//! An answer's log-probability, the policy gradient with a group baseline,
//! the KL penalty, DPO and PPO's clipped surrogate: each mutant fails its
//! own exercise, on the rows it breaks and no others, and leaves the rest
//! of the chapter correct.

use backprop_ninja::grade::Status;
use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, wrong};

/// The exercises of the chapter, in course order.
const RLHF: [Exercise; 5] = [
    Exercise::AnswerLogprob,
    Exercise::PolicyGradient,
    Exercise::KlPenalty,
    Exercise::Dpo,
    Exercise::PpoClip,
];

/// Grades `exercise` on `bp`: it must be wrong on each of `rows` (the
/// rows' names after the id) and right on the chapter's other rows, and
/// every other exercise of the chapter right. Returns the failure message.
fn fails_only(bp: &BackpropTable, exercise: Exercise, rows: &[&str], right: &[&str]) -> String {
    let message = wrong(bp, exercise);
    for row in rows {
        assert!(
            message.contains(&format!("{row}: WRONG")),
            "{row}: {message}"
        );
    }
    for row in right {
        assert!(
            !message.contains(&format!("{row}: WRONG")),
            "{row}: {message}"
        );
    }
    for other in RLHF.into_iter().filter(|&e| e != exercise) {
        assert_eq!(
            status(bp, other),
            Status::Correct,
            "{} must be untouched by a mutant of {}",
            other.id(),
            exercise.id()
        );
    }
    message
}

#[test]
fn an_answer_logprob_that_counts_the_prompt_fails_and_is_named() {
    let message = fails_only(
        &known("rlhf::answer_logprob", "prompt tokens counted"),
        Exercise::AnswerLogprob,
        &["dlogits"],
        &[],
    );
    assert!(
        message.contains("only where mask[n, t] is true"),
        "{message}"
    );
}

#[test]
fn an_answer_logprob_with_the_cross_entropys_sign_reads_as_a_flipped_sign() {
    let bp = known("rlhf::answer_logprob", "cross-entropy's sign");
    fails_only(&bp, Exercise::AnswerLogprob, &["dlogits"], &[]);
    let message = generic(&bp, Exercise::AnswerLogprob);
    assert!(message.contains("the sign is flipped"), "{message}");
}

#[test]
fn a_policy_gradient_without_its_baseline_fails_both_ways_of_making_advantages() {
    let message = fails_only(
        &known("rlhf::policy_gradient", "baseline forgotten"),
        Exercise::PolicyGradient,
        &["dlogp", "dlogp (GRPO)"],
        &[],
    );
    assert!(
        message.contains("known mistake \"baseline forgotten\""),
        "{message}"
    );
}

#[test]
fn a_policy_gradient_with_the_advantages_sign_flipped_reads_as_such() {
    let bp = known("rlhf::policy_gradient", "advantage's sign");
    fails_only(
        &bp,
        Exercise::PolicyGradient,
        &["dlogp", "dlogp (GRPO)"],
        &[],
    );
    let message = generic(&bp, Exercise::PolicyGradient);
    assert!(message.contains("the sign is flipped"), "{message}");
}

#[test]
fn a_kl_penalty_with_the_ratio_inverted_fails_k3_only() {
    fails_only(
        &known("rlhf::kl_penalty", "the ratio inverted"),
        Exercise::KlPenalty,
        &["dlogp (k3)"],
        &["dlogp (k1)"],
    );
    fails_only(
        &known("rlhf::kl_penalty", "u's chain rule forgotten"),
        Exercise::KlPenalty,
        &["dlogp (k3)"],
        &["dlogp (k1)"],
    );
}

#[test]
fn a_kl_penalty_whose_reference_gets_gradient_pulls_nothing() {
    let message = fails_only(
        &known("rlhf::kl_penalty", "the reference not frozen"),
        Exercise::KlPenalty,
        &["dlogp (k1)", "dlogp (k3)"],
        &[],
    );
    assert!(message.contains("logp_ref"), "{message}");
}

#[test]
fn dpo_with_beta_on_one_side_fails_ds_l_only() {
    fails_only(
        &known("rlhf::dpo", "β on one side only"),
        Exercise::Dpo,
        &["drejected (ds_l)"],
        &["dchosen (ds_w)"],
    );
}

#[test]
fn dpo_mutants_fail_both_sides() {
    for name in [
        "σ(z) for σ(−z)",
        "the mean forgotten",
        "the reference left out",
    ] {
        let message = fails_only(
            &known("rlhf::dpo", name),
            Exercise::Dpo,
            &["dchosen (ds_w)", "drejected (ds_l)"],
            &[],
        );
        assert!(
            message.contains(&format!("known mistake \"{name}\"")),
            "{message}"
        );
    }
}

#[test]
fn ppo_with_max_for_min_sends_gradient_where_the_clip_holds() {
    fails_only(
        &known("rlhf::ppo_clip", "max for min"),
        Exercise::PpoClip,
        &["dlogp", "dlogp (all clipped)"],
        &[],
    );
}

#[test]
fn ppo_without_its_clip_fails_where_the_clip_holds() {
    let message = fails_only(
        &known("rlhf::ppo_clip", "the clip forgotten"),
        Exercise::PpoClip,
        &["dlogp", "dlogp (all clipped)"],
        &[],
    );
    assert!(
        message.contains("known mistake \"the clip forgotten\""),
        "{message}"
    );
}

#[test]
fn ppo_with_the_ratio_inverted_or_the_prompt_counted_fails_where_tokens_move() {
    for name in [
        "the ratio inverted",
        "prompt tokens counted",
        "the mean forgotten",
    ] {
        fails_only(
            &known("rlhf::ppo_clip", name),
            Exercise::PpoClip,
            &["dlogp"],
            &[],
        );
    }
}
