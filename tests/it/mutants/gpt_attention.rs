//! # Mutants of the GPT's attention (lecture 7)
//!
//! The weighted average, the softmax, each step of one head and the whole
//! causal self-attention: each mutant fails its own exercise and leaves
//! every other attention exercise correct.

use backprop_ninja::grade::Status;
use backprop_ninja::grade::table::BackpropTable;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, wrong};

/// The attention exercises of lecture 7.
fn gpt_attention_exercises() -> Vec<Exercise> {
    Exercise::all()
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Exercise::WeightedAverage
                    | Exercise::Softmax
                    | Exercise::Head(_)
                    | Exercise::Attention
            )
        })
        .collect()
}

/// `exercise` is wrong and names `what`; every other attention exercise of
/// `bp` is still correct. Returns the message.
fn only_this_attention_exercise_fails(
    bp: &BackpropTable,
    exercise: Exercise,
    what: &str,
) -> String {
    let message = wrong(bp, exercise);
    assert!(
        message.contains(what),
        "the message names {what}: {message}"
    );
    for other in gpt_attention_exercises() {
        if other != exercise {
            assert_eq!(
                status(bp, other),
                Status::Correct,
                "{} should be untouched by a mutant of {}",
                other.id(),
                exercise.id()
            );
        }
    }
    message
}

#[test]
fn a_softmax_backward_without_its_row_sum_fails_gpt_softmax() {
    let message = only_this_attention_exercise_fails(
        &known("gpt::softmax", "row-sum term dropped"),
        Exercise::Softmax,
        "dscores: WRONG",
    );
    assert!(!message.contains("future"), "the mask is kept: {message}");
}

#[test]
fn a_weighted_average_leaking_gradient_to_the_future_fails_dwei_and_says_so() {
    let message = only_this_attention_exercise_fails(
        &known("gpt::weighted_average", "mask ignored"),
        Exercise::WeightedAverage,
        "dwei: WRONG",
    );
    assert!(
        message.contains("dwei sends gradient to the future"),
        "{message}"
    );
    assert!(!message.contains("dx: WRONG"), "dx is right: {message}");
}

#[test]
fn a_weighted_average_with_wei_untransposed_fails_dx() {
    let message = only_this_attention_exercise_fails(
        &known("gpt::weighted_average", "wei not transposed"),
        Exercise::WeightedAverage,
        "dx: WRONG",
    );
    assert!(!message.contains("dwei"), "{message}");
}

#[test]
fn each_broken_head_step_fails_its_own_row_only() {
    use backprop_ninja::layers::head::HeadVar;
    only_this_attention_exercise_fails(
        &known("gpt::head::dv", "att not transposed"),
        Exercise::Head(HeadVar::V),
        "dv: WRONG",
    );
    let message = only_this_attention_exercise_fails(
        &known("gpt::head::datt", "mask ignored"),
        Exercise::Head(HeadVar::Att),
        "datt sends gradient to the future",
    );
    assert!(message.contains("datt: WRONG"), "{message}");
    only_this_attention_exercise_fails(
        &known("gpt::head::dscores", "row-sum term dropped"),
        Exercise::Head(HeadVar::Scores),
        "dscores: WRONG",
    );
    let bp = known("gpt::head::dq", "scale forgotten");
    only_this_attention_exercise_fails(&bp, Exercise::Head(HeadVar::Q), "dq: WRONG");
    let message = generic(&bp, Exercise::Head(HeadVar::Q));
    assert!(
        message.contains("1.732051 times"),
        "the missing factor √3 is named: {message}"
    );
    only_this_attention_exercise_fails(
        &known("gpt::head::dk", "dscores not transposed"),
        Exercise::Head(HeadVar::K),
        "dk: WRONG",
    );
    only_this_attention_exercise_fails(
        &known("gpt::head::dx", "path through v dropped"),
        Exercise::Head(HeadVar::X),
        "dx: WRONG",
    );
}

#[test]
fn attention_mutants_fail_gpt_attention_and_only_it() {
    let message = only_this_attention_exercise_fails(
        &known("gpt::attention", "scale on q only"),
        Exercise::Attention,
        "c_attn.dw: WRONG",
    );
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(
        !message.contains("c_proj"),
        "c_proj is above the heads: {message}"
    );

    let message = only_this_attention_exercise_fails(
        &known("gpt::attention", "att not transposed"),
        Exercise::Attention,
        "leaks gradient into the future",
    );
    assert!(message.contains("dx: WRONG"), "{message}");
}

#[test]
fn the_future_leak_hint_states_the_rule_the_right_way_round() {
    for name in ["att not transposed", "heads and time swapped"] {
        let message = generic(&known("gpt::attention", name), Exercise::Attention);
        assert!(
            message.contains("leaks gradient into the future"),
            "{name}: {message}"
        );
        assert!(message.contains("dv = attᵀ @ dy"), "{name}: {message}");
        assert!(!message.contains("att (not attᵀ)"), "{name}: {message}");
    }
    let message = wrong(
        &known("gpt::attention", "heads and time swapped"),
        Exercise::Attention,
    );
    assert!(
        message.contains("known mistake \"heads and time swapped\""),
        "{message}"
    );
}

/// A learner's Linear with `db` as a mean, which their attention calls: the
/// reference's attention, its biases' gradients then divided by `B·T` as a
/// Linear with that mistake would leave them.
mod linear_db_mean_in_attention {
    pub use backprop_ninja::solutions::*; // the reference, but for the two modules below
    pub mod linear {
        use backprop_ninja::Float;
        use backprop_ninja::layers::linear::{Linear, LinearGrads};
        use backprop_ninja::layers::rows::{rows, rows_mut};
        use ndarray::{ArrayRef2, ArrayRef3, Axis};
        pub fn backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef2<F>,
            x: &ArrayRef2<F>,
            layer: &Linear<F>,
        ) {
            let before = grads.db.clone();
            backprop_ninja::solutions::linear::backward(dx, grads, dout, x, layer);
            let n = F::count(dout.len_of(Axis(0)));
            if let (Some(db), Some(before)) = (&mut grads.db, before) {
                *db = &before + &((&*db - &before) / n); // the mean, not the sum
            }
        }
        pub fn backward_3d<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            layer: &Linear<F>,
        ) {
            backward(&mut rows_mut(dx), grads, &rows(dout), &rows(x), layer);
        }
    }
    pub mod attention {
        use backprop_ninja::Float;
        use backprop_ninja::layers::attention::{
            AttentionCache, AttentionGrads, CausalSelfAttention,
        };
        use backprop_ninja::layers::linear::LinearGrads;
        use ndarray::ArrayRef3;
        pub fn backward<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut AttentionGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            cache: &mut AttentionCache<F>,
            layer: &CausalSelfAttention<F>,
        ) {
            let before = grads.clone();
            backprop_ninja::solutions::attention::backward(dx, grads, dout, x, cache, layer);
            let (b, t) = cache.dim();
            let n = F::count(b * t);
            let as_mean = |g: &mut LinearGrads<F>, before: &LinearGrads<F>| {
                if let (Some(db), Some(before)) = (&mut g.db, &before.db) {
                    *db = before + &((&*db - before) / n);
                }
            };
            as_mean(&mut grads.c_attn, &before.c_attn);
            if let (Some(g), Some(before)) = (&mut grads.c_proj, &before.c_proj) {
                as_mean(g, before);
            }
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn an_attention_failing_through_a_wrong_linear_names_it_and_waits() {
    use backprop_ninja::grade::table::BackpropTable;
    let bp = BackpropTable::of::<linear_db_mean_in_attention::Mutant>();
    let linear = wrong(&bp, Exercise::Linear);
    assert!(
        linear.contains("known mistake \"db as a mean\""),
        "{linear}"
    );
    let attention = status(&bp, Exercise::Attention);
    assert!(
        matches!(&attention, Status::Blocked(why)
            if why.contains("layers::linear (exercises/linear.rs)") && why.contains("gpt::attention")),
        "{attention:?}"
    );
    // Its own rows still fail, and say so: the screen shows them.
    let grade = backprop_ninja::grade::dispatch::grade_with(&bp, Exercise::Attention, 42);
    assert!(grade.rows.iter().any(|row| !row.ok()), "{grade:?}");
    // The same attention with a right Linear passes.
    assert_eq!(
        status(
            &backprop_ninja::grade::table::SOLUTIONS,
            Exercise::Attention
        ),
        Status::Correct
    );
}
