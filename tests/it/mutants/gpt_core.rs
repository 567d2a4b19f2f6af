//! # Mutants of the GPT's core (lecture 7)
//!
//! LayerNorm, ReLU, GELU, the position embedding, the sequence
//! cross-entropy, the transformer block and AdamW: each mutant fails its
//! own exercise and leaves the rest of the core correct.

use backprop_ninja::Backprop;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::wrong;
use crate::common::mutant;

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

/// Grades `exercise` of the chapter's core for `B`: it must be wrong, and
/// every other exercise of the core right. Returns the failure message.
fn only_this_core_exercise_fails<B: Backprop>(exercise: Exercise) -> String {
    let message = wrong::<B>(exercise);
    assert!(
        message.contains(exercise.id()) || message.contains("WRONG"),
        "{message}"
    );
    for other in GPT_CORE.into_iter().filter(|&e| e != exercise) {
        assert_eq!(
            dispatch::grade::<B>(other).status,
            Status::Correct,
            "{} must be untouched by a mutant of {}",
            other.id(),
            exercise.id()
        );
    }
    message
}

mutant!(layernorm_bessel, layernorm {
    use backprop_ninja::Float;
    use backprop_ninja::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};
    use ndarray::{ArrayRef2, Zip};
    /// The variance's derivative taken with 1/(C-1), as BatchNorm's Bessel correction.
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LayerNormGrads<F>,
        dout: &ArrayRef2<F>,
        cache: &LayerNormCache<F>,
        layer: &LayerNorm<F>,
    ) {
        let c = F::count(layer.channels());
        let bessel = c / (c - F::one());
        Zip::from(dx.rows_mut())
            .and(dout.rows())
            .and(cache.xhat.rows())
            .and(&cache.rstd)
            .for_each(|mut dx, dy, xhat, &r| {
                let g = &dy * &layer.weight;
                let mean_g = g.sum() / c;
                let mean_gx = (&g * &xhat).sum() / c;
                grads.dweight += &(&dy * &xhat);
                grads.dbias += &dy;
                Zip::from(&mut dx)
                    .and(&g)
                    .and(&xhat)
                    .for_each(|dx, &g, &xh| *dx += r * (g - mean_g - bessel * xh * mean_gx));
            });
    }
});

#[test]
fn a_layernorm_with_bessels_correction_fails_dx_only() {
    let message = only_this_core_exercise_fails::<layernorm_bessel::Mutant>(Exercise::LayerNorm);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dweight: WRONG"), "{message}");
    assert!(!message.contains("dbias: WRONG"), "{message}");
}

mutant!(relu_never_off, relu {
    use backprop_ninja::Float;
    use ndarray::{ArrayRef, Dimension};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        _out: &ArrayRef<F, D>,
    ) {
        *dx += dout; // the gradient passes where the unit is off too
    }
});

#[test]
fn a_relu_that_is_never_off_fails_gpt_relu() {
    let message = only_this_core_exercise_fails::<relu_never_off::Mutant>(Exercise::Relu);
    assert!(message.contains("dx: WRONG"), "{message}");
}

mutant!(gelu_without_product_rule, gelu {
    use backprop_ninja::Float;
    use backprop_ninja::layers::gelu::{COEFF, SQRT_2_OVER_PI};
    use ndarray::{ArrayRef, Dimension, Zip};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        x: &ArrayRef<F, D>,
    ) {
        let (k, a) = (F::lit(SQRT_2_OVER_PI), F::lit(COEFF));
        Zip::from(dx).and(dout).and(x).for_each(|dx, &dout, &x| {
            let tanh_u = (k * (x + a * x * x * x)).tanh();
            *dx += F::lit(0.5) * (F::one() + tanh_u) * dout; // only the ½x factor differentiated
        });
    }
});

#[test]
fn a_gelu_missing_its_product_rule_term_fails_gpt_gelu() {
    let message =
        only_this_core_exercise_fails::<gelu_without_product_rule::Mutant>(Exercise::Gelu);
    assert!(message.contains("dx: WRONG"), "{message}");
}

mutant!(position_embedding_one_example, position_embedding {
    use backprop_ninja::Float;
    use backprop_ninja::layers::position_embedding::PositionEmbeddingGrads;
    use ndarray::{ArrayRef2, ArrayRef3, Axis, s};
    pub fn backward<F: Float>(
        grads: &mut PositionEmbeddingGrads<F>,
        dout: &ArrayRef3<F>,
        idx: &ArrayRef2<usize>,
    ) {
        for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
            let mut row = grads.dwte.row_mut(v);
            row += &d;
        }
        let t = idx.ncols();
        let mut dwpe = grads.dwpe.slice_mut(s![..t, ..]);
        dwpe += &dout.index_axis(Axis(0), 0); // the first example only, not the batch's sum
    }
});

#[test]
fn a_position_embedding_not_summed_over_the_batch_fails_dwpe_only() {
    let message = only_this_core_exercise_fails::<position_embedding_one_example::Mutant>(
        Exercise::PositionEmbedding,
    );
    assert!(message.contains("dwpe: WRONG"), "{message}");
    assert!(!message.contains("dwte: WRONG"), "{message}");
}

mutant!(cross_entropy_counts_ignored, sequence_cross_entropy {
    use backprop_ninja::Float;
    use backprop_ninja::layers::sequence_cross_entropy::{IGNORE, SequenceCrossEntropyCache};
    use ndarray::{ArrayRef2, ArrayRef3, Axis, Zip};
    pub fn backward<F: Float>(
        dlogits: &mut ArrayRef3<F>,
        dloss: F,
        cache: &SequenceCrossEntropyCache<F>,
        targets: &ArrayRef2<i64>,
    ) {
        let scale = dloss / F::count(targets.len()); // B·T, ignored positions included
        Zip::from(dlogits.lanes_mut(Axis(2)))
            .and(cache.probs.lanes(Axis(2)))
            .and(targets)
            .for_each(|mut dl, p, &y| {
                if y != IGNORE {
                    Zip::from(&mut dl)
                        .and(&p)
                        .for_each(|dl, &p| *dl += scale * p);
                    dl[y as usize] -= scale;
                }
            });
    }
});

#[test]
fn a_mean_that_counts_ignored_targets_fails_with_their_share() {
    let message = only_this_core_exercise_fails::<cross_entropy_counts_ignored::Mutant>(
        Exercise::SequenceCrossEntropy,
    );
    assert!(message.contains("dlogits: WRONG"), "{message}");
    // 9 of the 12 positions count: 9/12 of the right gradient.
    assert!(message.contains("3/4 times"), "{message}");
}

mutant!(block_residual_assigned, block {
    use backprop_ninja::layers::block::{Activation, Block, BlockCache, BlockGrads, FeedForwardCache};
    use backprop_ninja::layers::rows::{rows, rows_mut};
    use backprop_ninja::{Backprop, Float};
    use ndarray::ArrayRef3;
    /// The reference, with the residual path's gradient assigned over
    /// the MLP's instead of added to it.
    pub fn backward<L: Backprop, F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut BlockGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        cache: &mut BlockCache<F>,
        block: &Block<F>,
    ) {
        let BlockCache {
            ln_1,
            attn,
            x1,
            ln_2,
            mlp,
            dx1,
            dh,
        } = cache;
        let (dx1, dh): (&mut ArrayRef3<F>, &mut ArrayRef3<F>) = (dx1, dh);
        dx1.fill(F::zero());
        match (&block.mlp, mlp, &mut grads.mlp) {
            (Some(m), Some(FeedForwardCache { fc, act, dfc, dact }), Some(g)) => {
                let dact: &mut ArrayRef3<F> = dact;
                dact.fill(F::zero());
                match (&m.c_proj, &mut g.c_proj) {
                    (Some(p), Some(gp)) => L::linear_backward_3d(dact, gp, dout, act, p),
                    _ => *dact += dout,
                }
                dfc.fill(F::zero());
                match m.act {
                    Activation::Relu => L::relu_backward(dfc, dact, act),
                    Activation::Gelu => L::gelu_backward(dfc, dact, fc),
                }
                let h2: &ArrayRef3<F> = ln_2.as_ref().map_or(&*x1, |(_, h2)| h2);
                dh.fill(F::zero());
                L::linear_backward_3d(dh, &mut g.c_fc, dfc, h2, &m.c_fc);
                match (&block.ln_2, ln_2.as_ref(), &mut grads.ln_2) {
                    (Some(ln), Some((c, _)), Some(g)) => {
                        L::layernorm_backward(&mut rows_mut(dx1), g, &rows(dh), c, ln)
                    }
                    _ => *dx1 += &*dh,
                }
                if block.residual {
                    dx1.assign(dout); // = instead of +=: the MLP's path is lost
                }
            }
            _ => *dx1 += dout,
        }
        let h1: &ArrayRef3<F> = ln_1.as_ref().map_or(x, |(_, h1)| h1);
        dh.fill(F::zero());
        L::attention_backward(dh, &mut grads.attn, dx1, h1, attn, &block.attn);
        match (&block.ln_1, ln_1.as_ref(), &mut grads.ln_1) {
            (Some(ln), Some((c, _)), Some(g)) => {
                L::layernorm_backward(&mut rows_mut(dx), g, &rows(dh), c, ln)
            }
            _ => *dx += &*dh,
        }
        if block.residual {
            *dx += &*dx1;
        }
    }
});

#[test]
fn a_residual_gradient_assigned_fails_the_layers_below_the_mlp_only() {
    let message = only_this_core_exercise_fails::<block_residual_assigned::Mutant>(Exercise::Block);
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

mutant!(adamw_uncorrected, adamw {
    use backprop_ninja::Float;
    use backprop_ninja::layers::adamw::AdamW;
    use ndarray::{ArrayRef, Dimension, Zip};
    pub fn update<F: Float, D: Dimension>(
        param: &mut ArrayRef<F, D>,
        m: &mut ArrayRef<F, D>,
        v: &mut ArrayRef<F, D>,
        grad: &ArrayRef<F, D>,
        _t: usize,
        h: &AdamW,
    ) {
        let (lr, b1, b2) = (F::lit(h.lr), F::lit(h.beta1), F::lit(h.beta2));
        let decay = F::one() - lr * F::lit(h.weight_decay);
        Zip::from(param)
            .and(m)
            .and(v)
            .and(grad)
            .for_each(|p, m, v, &g| {
                *p *= decay;
                *m = b1 * *m + (F::one() - b1) * g;
                *v = b2 * *v + (F::one() - b2) * g * g;
                *p -= lr * *m / (v.sqrt() + F::lit(h.eps)); // m and v, not m̂ and v̂
            });
    }
});

#[test]
fn adamw_without_bias_correction_fails_the_steps_not_the_moments() {
    let message = only_this_core_exercise_fails::<adamw_uncorrected::Mutant>(Exercise::AdamW);
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(message.contains("p after step 3"), "{message}");
    assert!(!message.contains("m after step 3"), "{message}");
    assert!(!message.contains("v after step 3"), "{message}");
}

mutant!(adamw_l2, adamw {
    use backprop_ninja::Float;
    use backprop_ninja::layers::adamw::AdamW;
    use ndarray::{ArrayRef, Dimension, Zip};
    pub fn update<F: Float, D: Dimension>(
        param: &mut ArrayRef<F, D>,
        m: &mut ArrayRef<F, D>,
        v: &mut ArrayRef<F, D>,
        grad: &ArrayRef<F, D>,
        t: usize,
        h: &AdamW,
    ) {
        let (lr, b1, b2) = (F::lit(h.lr), F::lit(h.beta1), F::lit(h.beta2));
        let c1 = F::one() - F::lit(h.beta1.powi(t as i32));
        let c2 = F::one() - F::lit(h.beta2.powi(t as i32));
        Zip::from(param)
            .and(m)
            .and(v)
            .and(grad)
            .for_each(|p, m, v, &g| {
                let g = g + F::lit(h.weight_decay) * *p; // L2: the decay folded into the gradient
                *m = b1 * *m + (F::one() - b1) * g;
                *v = b2 * *v + (F::one() - b2) * g * g;
                *p -= lr * (*m / c1) / ((*v / c2).sqrt() + F::lit(h.eps));
            });
    }
});

#[test]
fn adamw_with_l2_instead_of_decoupled_decay_fails_adamw() {
    let message = only_this_core_exercise_fails::<adamw_l2::Mutant>(Exercise::AdamW);
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(
        message.contains("m after step 3"),
        "the moments see λ·p: {message}"
    );
}
