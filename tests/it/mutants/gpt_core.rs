//! # Mutants of the GPT's core (lecture 7)
//!
//! LayerNorm, ReLU, GELU, the position embedding, the sequence
//! cross-entropy, the transformer block and AdamW: each mutant fails its
//! own exercise and leaves the rest of the core correct.

use backprop_ninja::grade::Status;
use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, wrong};

/// The exercises of the chapter's core, in lecture order.
const GPT_CORE: [Exercise; 7] = [
    Exercise::LayerNorm,
    Exercise::Relu,
    Exercise::Gelu,
    Exercise::PositionEmbedding,
    Exercise::SequenceCrossEntropy,
    Exercise::Block,
    Exercise::AdamW,
];

/// Grades `exercise` of the chapter's core on `bp`: it must be wrong, and
/// every other exercise of the core right. Returns the failure message.
fn only_this_core_exercise_fails(bp: &BackpropTable, exercise: Exercise) -> String {
    let message = wrong(bp, exercise);
    assert!(
        message.contains(exercise.id()) || message.contains("WRONG"),
        "{message}"
    );
    for other in GPT_CORE.into_iter().filter(|&e| e != exercise) {
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
fn a_layernorm_with_bessels_correction_fails_dx_only() {
    let message = only_this_core_exercise_fails(
        &known("gpt::layernorm", "Bessel's correction"),
        Exercise::LayerNorm,
    );
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dweight: WRONG"), "{message}");
    assert!(!message.contains("dbias: WRONG"), "{message}");
}

#[test]
fn a_relu_that_is_never_off_fails_gpt_relu() {
    let message = only_this_core_exercise_fails(&known("gpt::relu", "never off"), Exercise::Relu);
    assert!(message.contains("dx: WRONG"), "{message}");
}

#[test]
fn a_gelu_missing_its_product_rule_term_fails_gpt_gelu() {
    let message = only_this_core_exercise_fails(
        &known("gpt::gelu", "product rule: x's term dropped"),
        Exercise::Gelu,
    );
    assert!(message.contains("dx: WRONG"), "{message}");
}

#[test]
fn a_position_embedding_not_summed_over_the_batch_fails_dwpe_only() {
    let message = only_this_core_exercise_fails(
        &known("gpt::position_embedding", "dwpe from one example"),
        Exercise::PositionEmbedding,
    );
    assert!(message.contains("dwpe: WRONG"), "{message}");
    assert!(!message.contains("dwte: WRONG"), "{message}");
}

#[test]
fn a_mean_that_counts_ignored_targets_fails_with_their_share() {
    let message = only_this_core_exercise_fails(
        &known("gpt::cross_entropy", "ignored targets counted"),
        Exercise::SequenceCrossEntropy,
    );
    assert!(message.contains("dlogits: WRONG"), "{message}");
    // 9 of the 12 positions count: 9/12 of the right gradient.
    let message = generic(
        &known("gpt::cross_entropy", "ignored targets counted"),
        Exercise::SequenceCrossEntropy,
    );
    assert!(message.contains("3/4 times"), "{message}");
}

#[test]
fn a_residual_gradient_assigned_fails_the_layers_below_the_mlp_only() {
    let message =
        only_this_core_exercise_fails(&known("gpt::block", "residual assigned"), Exercise::Block);
    for below in [
        "dx: WRONG",
        "dln_1.weight: WRONG",
        "dattn.c_attn.weight: WRONG",
    ] {
        assert!(message.contains(below), "{below}: {message}");
    }
    for above in [
        "dmlp.c_fc.weight: WRONG",
        "dmlp.c_proj.weight: WRONG",
        "dln_2.weight: WRONG",
    ] {
        assert!(
            !message.contains(above),
            "the MLP is above the residual join: {message}"
        );
    }
    assert!(
        !message.contains("(no residual)"),
        "the plain block has no residual: {message}"
    );
}

#[test]
fn adamw_without_bias_correction_fails_the_steps_not_the_moments() {
    let message =
        only_this_core_exercise_fails(&known("gpt::adamw", "no bias correction"), Exercise::AdamW);
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(message.contains("p after step 3"), "{message}");
    assert!(!message.contains("m after step 3"), "{message}");
    assert!(!message.contains("v after step 3"), "{message}");
}

#[test]
fn adamw_with_l2_instead_of_decoupled_decay_fails_adamw() {
    let message = only_this_core_exercise_fails(
        &known("gpt::adamw", "L2, not decoupled decay"),
        Exercise::AdamW,
    );
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(
        message.contains("m after step 3"),
        "the moments see λ·p: {message}"
    );
}

#[test]
fn adamw_counting_steps_from_0_is_named_not_never_reached() {
    let bp = known("gpt::adamw", "t from 0");
    let message = generic(&bp, Exercise::AdamW);
    assert!(
        message.contains("NaN (not a number) at index [0, 0]"),
        "{message}"
    );
    assert!(!message.contains("never reached"), "{message}");
    let message = wrong(&bp, Exercise::AdamW);
    assert!(message.contains("known mistake \"t from 0\""), "{message}");
}
