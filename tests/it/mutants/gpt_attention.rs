//! # Mutants of the GPT's attention (lecture 7)
//!
//! The weighted average, the softmax, each step of one head and the whole
//! causal self-attention: each mutant fails its own exercise and leaves
//! every other attention exercise correct.

use backprop_ninja::Backprop;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::wrong;
use crate::common::mutant;

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
/// `B` is still correct. Returns the message.
fn only_this_attention_exercise_fails<B: Backprop>(exercise: Exercise, what: &str) -> String {
    let message = wrong::<B>(exercise);
    assert!(
        message.contains(what),
        "the message names {what}: {message}"
    );
    for other in gpt_attention_exercises() {
        if other != exercise {
            assert_eq!(
                dispatch::grade::<B>(other).status,
                Status::Correct,
                "{} should be untouched by a mutant of {}",
                other.id(),
                exercise.id()
            );
        }
    }
    message
}

mutant!(softmax_without_row_sum, softmax {
    use backprop_ninja::Float;
    use ndarray::{ArrayRef3, Zip};
    /// `att ⊙ datt`: the shared denominator forgotten.
    pub fn backward<F: Float>(
        dscores: &mut ArrayRef3<F>,
        datt: &ArrayRef3<F>,
        att: &ArrayRef3<F>,
    ) {
        Zip::from(dscores)
            .and(datt)
            .and(att)
            .for_each(|ds, &da, &a| *ds += a * da);
    }
});

#[test]
fn a_softmax_backward_without_its_row_sum_fails_gpt_softmax() {
    let message = only_this_attention_exercise_fails::<softmax_without_row_sum::Mutant>(
        Exercise::Softmax,
        "dscores: WRONG",
    );
    assert!(!message.contains("future"), "the mask is kept: {message}");
}

mutant!(weighted_average_unmasked, weighted_average {
    use backprop_ninja::Float;
    use backprop_ninja::ops::matmul_acc;
    use ndarray::{ArrayRef3, Axis};
    /// `dwei = dout @ xᵀ` everywhere: the mask ignored, gradient for the future.
    pub fn backward<F: Float>(
        dwei: &mut ArrayRef3<F>,
        dx: &mut ArrayRef3<F>,
        dout: &ArrayRef3<F>,
        wei: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
    ) {
        for b in 0..x.len_of(Axis(0)) {
            let (dout, x, wei) = (
                dout.index_axis(Axis(0), b),
                x.index_axis(Axis(0), b),
                wei.index_axis(Axis(0), b),
            );
            matmul_acc(&mut dwei.index_axis_mut(Axis(0), b), &dout, &x.t());
            matmul_acc(&mut dx.index_axis_mut(Axis(0), b), &wei.t(), &dout);
        }
    }
});

#[test]
fn a_weighted_average_leaking_gradient_to_the_future_fails_dwei_and_says_so() {
    let message = only_this_attention_exercise_fails::<weighted_average_unmasked::Mutant>(
        Exercise::WeightedAverage,
        "dwei: WRONG",
    );
    assert!(
        message.contains("dwei sends gradient to the future"),
        "{message}"
    );
    assert!(!message.contains("dx: WRONG"), "dx is right: {message}");
}

mutant!(weighted_average_dx_untransposed, weighted_average {
    use backprop_ninja::Float;
    use backprop_ninja::ops::matmul_acc;
    use ndarray::{ArrayRef3, Axis};
    /// `dx = wei @ dout`: the weights not transposed.
    pub fn backward<F: Float>(
        dwei: &mut ArrayRef3<F>,
        dx: &mut ArrayRef3<F>,
        dout: &ArrayRef3<F>,
        wei: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
    ) {
        let mut unused = dx.to_owned();
        backprop_ninja::solutions::weighted_average::backward(dwei, &mut unused, dout, wei, x);
        for b in 0..x.len_of(Axis(0)) {
            let (dout, wei) = (dout.index_axis(Axis(0), b), wei.index_axis(Axis(0), b));
            matmul_acc(&mut dx.index_axis_mut(Axis(0), b), &wei, &dout);
        }
    }
});

#[test]
fn a_weighted_average_with_wei_untransposed_fails_dx() {
    let message = only_this_attention_exercise_fails::<weighted_average_dx_untransposed::Mutant>(
        Exercise::WeightedAverage,
        "dx: WRONG",
    );
    assert!(!message.contains("dwei"), "{message}");
}

/// A mutant of one step of the head: that step fails, alone.
macro_rules! head_mutant {
    ($module:ident, $step:ident, |$f:ident, $g:ident| $body:expr) => {
        mutant!($module, head {
            #[allow(unused_imports)]
            use backprop_ninja::layers::head::{HeadForward, bmm, bmm_2d, mt};
            pub use backprop_ninja::solutions::head::*;
            use ndarray::Array3;
            pub fn $step($f: &HeadForward<f64>, $g: &Array3<f64>) -> Array3<f64> {
                $body
            }
        });
    };
}

head_mutant!(head_dv_untransposed, dv, |f, dout| bmm(&f.att, dout));
head_mutant!(head_datt_unmasked, datt, |f, dout| bmm(dout, &mt(&f.v)));
head_mutant!(head_dscores_without_row_sum, dscores, |f, datt| &f.att
    * datt);
head_mutant!(head_dq_unscaled, dq, |f, dscores| bmm(dscores, &f.k));
head_mutant!(head_dk_untransposed, dk, |f, dscores| bmm(dscores, &f.q)
    * f.scale);

mutant!(head_dx_two_paths, head {
    use backprop_ninja::layers::head::{HeadForward, bmm_2d};
    pub use backprop_ninja::solutions::head::*;
    use ndarray::Array3;
    /// x is used three times; the path through v is forgotten.
    pub fn dx(
        f: &HeadForward<f64>,
        dq: &Array3<f64>,
        dk: &Array3<f64>,
        _dv: &Array3<f64>,
    ) -> Array3<f64> {
        bmm_2d(dq, &f.wq.t()) + bmm_2d(dk, &f.wk.t())
    }
});

#[test]
fn each_broken_head_step_fails_its_own_row_only() {
    use backprop_ninja::layers::head::HeadVar;
    only_this_attention_exercise_fails::<head_dv_untransposed::Mutant>(
        Exercise::Head(HeadVar::V),
        "dv: WRONG",
    );
    let message = only_this_attention_exercise_fails::<head_datt_unmasked::Mutant>(
        Exercise::Head(HeadVar::Att),
        "datt sends gradient to the future",
    );
    assert!(message.contains("datt: WRONG"), "{message}");
    only_this_attention_exercise_fails::<head_dscores_without_row_sum::Mutant>(
        Exercise::Head(HeadVar::Scores),
        "dscores: WRONG",
    );
    let message = only_this_attention_exercise_fails::<head_dq_unscaled::Mutant>(
        Exercise::Head(HeadVar::Q),
        "dq: WRONG",
    );
    assert!(
        message.contains("1.732051 times"),
        "the missing factor √3 is named: {message}"
    );
    only_this_attention_exercise_fails::<head_dk_untransposed::Mutant>(
        Exercise::Head(HeadVar::K),
        "dk: WRONG",
    );
    only_this_attention_exercise_fails::<head_dx_two_paths::Mutant>(
        Exercise::Head(HeadVar::X),
        "dx: WRONG",
    );
}

/// The reference attention backward with one thing changed, chosen by `BUG`.
mod attention_bugs {
    use backprop_ninja::Float;
    use backprop_ninja::layers::attention::{AttentionCache, AttentionGrads, CausalSelfAttention};
    use backprop_ninja::ops::matmul_acc;
    use backprop_ninja::solutions::linear;
    use ndarray::{ArrayRef3, Axis, s};

    /// The scale on the queries' path only.
    pub const SCALE_ON_Q_ONLY: u8 = 0;
    /// `dv = att @ dy`: the weights not transposed, so gradient flows to positions that were never read.
    pub const ATT_UNTRANSPOSED: u8 = 1;

    pub fn backward<const BUG: u8, F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut AttentionGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        cache: &mut AttentionCache<F>,
        layer: &CausalSelfAttention<F>,
    ) {
        let (c, hs, scale) = (layer.n_embd(), layer.head_size(), layer.scale());
        let mut dy = cache.y.clone();
        dy.fill(F::zero());
        match (&layer.c_proj, &mut grads.c_proj) {
            (Some(p), Some(g)) => linear::backward_3d(&mut dy, g, dout, &cache.y, p),
            _ => dy.assign(dout),
        }
        let mut dqkv = cache.qkv.clone();
        dqkv.fill(F::zero());
        for b in 0..x.len_of(Axis(0)) {
            for h in 0..layer.n_head {
                let att = cache.att.slice(s![b, h, .., ..]);
                let (q, k, v) = (h * hs, c + h * hs, 2 * c + h * hs);
                let qkv = cache.qkv.index_axis(Axis(0), b);
                let (qv, kv, vv) = (
                    qkv.slice(s![.., q..q + hs]),
                    qkv.slice(s![.., k..k + hs]),
                    qkv.slice(s![.., v..v + hs]),
                );
                let dyh = dy.slice(s![b, .., h * hs..(h + 1) * hs]);
                let mut dqkv = dqkv.index_axis_mut(Axis(0), b);
                if BUG == ATT_UNTRANSPOSED {
                    matmul_acc(&mut dqkv.slice_mut(s![.., v..v + hs]), &att, &dyh);
                } else {
                    matmul_acc(&mut dqkv.slice_mut(s![.., v..v + hs]), &att.t(), &dyh);
                }
                let mut datt = dyh.dot(&vv.t());
                for (mut d, a) in datt.rows_mut().into_iter().zip(att.rows()) {
                    let dot = a.dot(&d);
                    d.zip_mut_with(&a, |d, &a| *d = a * (*d - dot));
                }
                let k_scale = if BUG == SCALE_ON_Q_ONLY {
                    F::one()
                } else {
                    scale
                };
                matmul_acc(
                    &mut dqkv.slice_mut(s![.., q..q + hs]),
                    &(&datt * scale),
                    &kv,
                );
                matmul_acc(
                    &mut dqkv.slice_mut(s![.., k..k + hs]),
                    &(&datt.t() * k_scale),
                    &qv,
                );
            }
        }
        linear::backward_3d(dx, &mut grads.c_attn, &dqkv, x, &layer.c_attn);
    }
}

mutant!(attention_scale_on_q_only, attention {
    pub fn backward<F: backprop_ninja::Float>(
        dx: &mut ndarray::ArrayRef3<F>,
        grads: &mut backprop_ninja::layers::attention::AttentionGrads<F>,
        dout: &ndarray::ArrayRef3<F>,
        x: &ndarray::ArrayRef3<F>,
        cache: &mut backprop_ninja::layers::attention::AttentionCache<F>,
        layer: &backprop_ninja::layers::attention::CausalSelfAttention<F>,
    ) {
        use super::super::attention_bugs::*;
        backward::<SCALE_ON_Q_ONLY, F>(dx, grads, dout, x, cache, layer)
    }
});

mutant!(attention_att_untransposed, attention {
    pub fn backward<F: backprop_ninja::Float>(
        dx: &mut ndarray::ArrayRef3<F>,
        grads: &mut backprop_ninja::layers::attention::AttentionGrads<F>,
        dout: &ndarray::ArrayRef3<F>,
        x: &ndarray::ArrayRef3<F>,
        cache: &mut backprop_ninja::layers::attention::AttentionCache<F>,
        layer: &backprop_ninja::layers::attention::CausalSelfAttention<F>,
    ) {
        use super::super::attention_bugs::*;
        backward::<ATT_UNTRANSPOSED, F>(dx, grads, dout, x, cache, layer)
    }
});

#[test]
fn attention_mutants_fail_gpt_attention_and_only_it() {
    // The bug-free copy is right: the mutants below differ by their bug alone.
    mutant!(control, attention {
        pub fn backward<F: backprop_ninja::Float>(
            dx: &mut ndarray::ArrayRef3<F>,
            grads: &mut backprop_ninja::layers::attention::AttentionGrads<F>,
            dout: &ndarray::ArrayRef3<F>,
            x: &ndarray::ArrayRef3<F>,
            cache: &mut backprop_ninja::layers::attention::AttentionCache<F>,
            layer: &backprop_ninja::layers::attention::CausalSelfAttention<F>,
        ) {
            super::super::attention_bugs::backward::<{ u8::MAX }, F>(
                dx, grads, dout, x, cache, layer,
            )
        }
    });
    assert_eq!(
        dispatch::grade::<control::Mutant>(Exercise::Attention).status,
        Status::Correct
    );

    let message = only_this_attention_exercise_fails::<attention_scale_on_q_only::Mutant>(
        Exercise::Attention,
        "c_attn.dw: WRONG",
    );
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(
        !message.contains("c_proj"),
        "c_proj is above the heads: {message}"
    );

    let message = only_this_attention_exercise_fails::<attention_att_untransposed::Mutant>(
        Exercise::Attention,
        "leaks gradient into the future",
    );
    assert!(message.contains("dx: WRONG"), "{message}");
}
