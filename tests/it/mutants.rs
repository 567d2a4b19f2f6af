//! # The grader catches deliberately broken backward passes
//!
//! Each `mutant!` below is the reference solution with one function broken
//! the way learners really break it. The grader must fail that exercise, name
//! the gradient, and leave the others alone.
#![allow(non_snake_case)]

use crate::common;

use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::Status;
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::{Backprop, Solutions};
use common::mutant;

/// Grades `exercise` of `B` and returns its failure message.
fn wrong<B: Backprop>(exercise: Exercise) -> String {
    match registry::grade::<B>(exercise).status {
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
            registry::grade::<B>(Exercise::Step(other)).status,
            Status::Correct,
            "{}",
            other.grad_name()
        );
    }
    let chain = registry::grade::<B>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains(&var.grad_name())),
        "{chain:?}"
    );
    message
}

#[test]
fn bessel_replaced_by_n_fails_dbndiff2() {
    let message = only_its_own_step_fails::<common::bessel_replaced_by_n::Mutant>(Var::Bndiff2);
    assert!(
        message.contains("n/(n-1)"),
        "the hint names the factor: {message}"
    );
}

mutant!(db2_not_summed, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::{Array1, Array2};
    pub fn db2(_f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
        dlogits.row(0).to_owned() // one row of the batch, not the sum
    }
});

#[test]
fn db2_not_summed_over_the_batch_fails_db2() {
    only_its_own_step_fails::<db2_not_summed::Mutant>(Var::B2);
}

mutant!(dc_assigned, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::{Array2, Array3, Zip, s};
    pub fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
        let mut dC = Array2::zeros(f.params.C.raw_dim());
        Zip::indexed(&f.batch.Xb).for_each(|(i, t), &ix| {
            dC.row_mut(ix).assign(&demb.slice(s![i, t, ..])); // = instead of +=
        });
        dC
    }
});

#[test]
fn dc_assigned_instead_of_accumulated_fails_dc() {
    only_its_own_step_fails::<dc_assigned::Mutant>(Var::C);
}

mutant!(dw1_transposed, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::Array2;
    pub fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
        dhprebn.t().dot(&f.embcat) // (H, block·E): the transpose
    }
});

#[test]
fn dw1_transposed_fails_dw1() {
    let message = only_its_own_step_fails::<dw1_transposed::Mutant>(Var::W1);
    assert!(message.contains("transposed?"), "{message}");
}

mutant!(dcounts_one_path, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::Array2;
    pub fn dcounts(
        f: &Forward,
        dprobs: &Array2<f64>,
        _dcounts_sum: &Array2<f64>,
    ) -> Array2<f64> {
        &f.counts_sum_inv * dprobs // the path through counts_sum is missing
    }
});

#[test]
fn dcounts_missing_its_second_path_fails_dcounts() {
    only_its_own_step_fails::<dcounts_one_path::Mutant>(Var::Counts);
}

mutant!(tanh_sign, tanh {
    use backprop_ninja::Float;
    use ndarray::{ArrayRef, Dimension, Zip};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    ) {
        Zip::from(dx)
            .and(dout)
            .and(out)
            .for_each(|dx, &g, &t| *dx -= (F::one() - t * t) * g); // sign
    }
});

#[test]
fn a_flipped_sign_in_tanh_fails_tanh() {
    let message = wrong::<tanh_sign::Mutant>(Exercise::Tanh);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(message.contains("sign is flipped"), "{message}");
    assert_eq!(
        registry::grade::<tanh_sign::Mutant>(Exercise::Linear).status,
        Status::Correct
    );
}

mutant!(linear_db_first_row, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward_3d;
    use ndarray::ArrayRef2;
    use ndarray::linalg::general_mat_mul;
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
        general_mat_mul(F::one(), &x.t(), dout, F::one(), &mut grads.dw);
        if let Some(db) = &mut grads.db {
            *db += &dout.row(0); // no sum over the batch
        }
    }
});

#[test]
fn a_bias_gradient_without_its_batch_sum_fails_linear_db() {
    let message = wrong::<linear_db_first_row::Mutant>(Exercise::Linear);
    assert!(message.contains("db: WRONG"), "{message}");
    assert!(
        !message.contains("dx: WRONG") && !message.contains("dw: WRONG"),
        "{message}"
    );
}

mutant!(linear_dw_transposed, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward_3d;
    use ndarray::ArrayRef2;
    use ndarray::linalg::general_mat_mul;
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
        // dw as (O, I), written into the (I, O) gradient: a shape mismatch.
        general_mat_mul(F::one(), &dout.t(), x, F::one(), &mut grads.dw);
    }
});

#[test]
fn a_transposed_weight_gradient_fails_linear_with_the_shapes() {
    let message = wrong::<linear_dw_transposed::Mutant>(Exercise::Linear);
    assert!(message.contains("layers::linear panicked"), "{message}");
    assert!(
        message.contains("dw (4, 3)"),
        "the shapes it was handed: {message}"
    );
}

mutant!(cross_entropy_no_mean, cross_entropy {
    use backprop_ninja::Float;
    use backprop_ninja::layers::cross_entropy::CrossEntropyCache;
    use ndarray::{ArrayRef2, Zip};
    pub fn backward<F: Float>(
        dlogits: &mut ArrayRef2<F>,
        dloss: F,
        cache: &CrossEntropyCache<F>,
        targets: &[usize],
    ) {
        Zip::from(dlogits.rows_mut())
            .and(cache.probs.rows())
            .and(targets)
            .for_each(|mut dl, p, &y| {
                dl.zip_mut_with(&p, |d, &p| *d += dloss * p); // forgot the 1/n of the mean
                dl[y] -= dloss;
            });
    }
});

#[test]
fn cross_entropy_without_the_mean_fails_with_a_factor_of_n() {
    let message = wrong::<cross_entropy_no_mean::Mutant>(Exercise::CrossEntropy);
    assert!(message.contains("dlogits: WRONG"), "{message}");
    assert!(message.contains("6 (= n) times"), "a batch of 6: {message}");
}

mutant!(batchnorm_biased, batchnorm {
    use backprop_ninja::Float;
    use backprop_ninja::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
    pub use backprop_ninja::solutions::batchnorm::backward_3d;
    use ndarray::{ArrayRef2, Zip};
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut BatchNormGrads<F>,
        dout: &ArrayRef2<F>,
        cache: &BatchNormCache<F>,
        layer: &BatchNorm1d<F>,
    ) {
        let n = F::count(dout.nrows());
        Zip::from(grads.dgain.row_mut(0))
            .and(grads.dbias.row_mut(0))
            .and(dout.columns())
            .and(cache.xhat.columns())
            .for_each(|dg, db, d, xh| {
                *dg += d.dot(&xh);
                *db += d.sum();
            });
        Zip::from(dx.columns_mut())
            .and(dout.columns())
            .and(cache.xhat.columns())
            .and(layer.gain.row(0))
            .and(cache.var_inv.row(0))
            .for_each(|dx, d, xh, &g, &s| {
                let (sum, sum_xh) = (d.sum(), d.dot(&xh));
                Zip::from(dx)
                    .and(d)
                    .and(xh)
                    .for_each(|dx, &dy, &x| *dx += g * s / n * (n * dy - sum - x * sum_xh)); // n/(n-1) dropped
            });
    }
});

#[test]
fn batchnorm_without_bessels_correction_fails_dx_only() {
    let message = wrong::<batchnorm_biased::Mutant>(Exercise::BatchNorm);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dgain: WRONG"), "{message}");
    assert!(
        message.contains("dhprebn"),
        "the lecture-batch row fails too: {message}"
    );
}

mutant!(embedding_assigned, embedding {
    use backprop_ninja::Float;
    use backprop_ninja::layers::embedding::EmbeddingGrads;
    use ndarray::{ArrayRef2, ArrayRef3, Axis};
    pub fn backward<F: Float>(
        grads: &mut EmbeddingGrads<F>,
        dout: &ArrayRef3<F>,
        idx: &ArrayRef2<usize>,
    ) {
        for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
            grads.dtable.row_mut(v).assign(&d); // = instead of +=
        }
    }
});

#[test]
fn an_embedding_that_overwrites_fails_dtable() {
    let message = wrong::<embedding_assigned::Mutant>(Exercise::Embedding);
    assert!(message.contains("dtable: WRONG"), "{message}");
}

mutant!(micrograd_tanh_unsquared, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn tanh_backward(da: &mut f64, dout: f64, out: f64) {
        *da += (1.0 - out) * dout; // 1 - out, not 1 - out²
    }
});

#[test]
fn a_scalar_tanh_without_its_square_fails_micrograd_tanh_only() {
    use backprop_ninja::course::micrograd::OpKind;
    type M = micrograd_tanh_unsquared::Mutant;
    let message = wrong::<M>(Exercise::Micrograd(OpKind::Tanh));
    assert!(message.contains("da: WRONG"), "{message}");
    for op in OpKind::ALL.into_iter().filter(|&op| op != OpKind::Tanh) {
        assert_eq!(
            registry::grade::<M>(Exercise::Micrograd(op)).status,
            Status::Correct
        );
    }
}

mutant!(micrograd_mul_assigned, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
        *da = b * dout; // = instead of +=: the lecture's bug
        *db = a * dout;
    }
});

#[test]
fn a_scalar_mul_that_assigns_fails_with_the_accumulate_hint() {
    use backprop_ninja::course::micrograd::{Graph, OpKind};
    let message = wrong::<micrograd_mul_assigned::Mutant>(Exercise::Micrograd(OpKind::Mul));
    assert!(message.contains("not accumulated (+=)"), "{message}");
    // And in the engine, the lecture's symptom: `a` feeds two nodes, and
    // the later `=` wipes out what the other path added.
    let mut g = Graph::new();
    let (a, b) = (g.leaf(-2.0), g.leaf(3.0));
    let d = g.mul(a, b);
    let e = g.add(a, b);
    let f = g.mul(d, e);
    g.backward::<micrograd_mul_assigned::Mutant>(f);
    assert_eq!(g.grad(a), 3.0, "f = ab(a+b): df/da = -3 with +=");
    g.zero_grad(&[a, b, d, e]); // every node: gradients accumulate
    g.backward::<Solutions>(f);
    assert_eq!(g.grad(a), -3.0);
}

mutant!(micrograd_pow_rule, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) {
        *da += k * a.powf(k) * dout; // k·a^k, not k·a^(k-1)
    }
});

#[test]
fn a_power_rule_without_its_minus_one_fails_micrograd_pow() {
    use backprop_ninja::course::micrograd::OpKind;
    let message = wrong::<micrograd_pow_rule::Mutant>(Exercise::Micrograd(OpKind::Pow));
    assert!(message.contains("da: WRONG"), "{message}");
}

mutant!(micrograd_add_exp_log_broken, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn add_backward(da: &mut f64, _db: &mut f64, dout: f64) {
        *da += dout; // b's share is lost
    }
    pub fn exp_backward(da: &mut f64, dout: f64, out: f64) {
        *da += out.ln() * dout; // the input, not exp's own value
    }
    pub fn log_backward(da: &mut f64, dout: f64, a: f64) {
        *da += dout * a; // a, not 1/a
    }
});

#[test]
fn scalar_add_exp_and_log_mistakes_each_fail_their_own_op() {
    use backprop_ninja::course::micrograd::OpKind;
    type M = micrograd_add_exp_log_broken::Mutant;
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Add)).contains("db: WRONG"));
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Exp)).contains("da: WRONG"));
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Log)).contains("da: WRONG"));
    let mul = registry::grade::<M>(Exercise::Micrograd(OpKind::Mul)).status;
    assert_eq!(mul, Status::Correct, "the other ops are the reference's");
}

mutant!(micrograd_relu_always_on, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn relu_backward(da: &mut f64, dout: f64, _out: f64) {
        *da += dout; // passes the gradient where the unit is off, too
    }
});

#[test]
fn a_relu_that_is_never_off_fails_micrograd_relu() {
    use backprop_ninja::course::micrograd::OpKind;
    let message = wrong::<micrograd_relu_always_on::Mutant>(Exercise::Micrograd(OpKind::Relu));
    assert!(message.contains("da: WRONG"), "{message}");
}

mutant!(bigram_without_regularisation, bigram {
    use backprop_ninja::course::bigram::{Bigrams, NeuralForward};
    use ndarray::ArrayRef2;
    pub fn backward(
        dW: &mut ArrayRef2<f64>,
        f: &NeuralForward,
        data: &Bigrams,
        _W: &ArrayRef2<f64>,
    ) {
        let n = data.ys.len() as f64;
        for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
            dW.row_mut(x).scaled_add(1.0 / n, &probs);
            dW[[x, y]] -= 1.0 / n;
        }
        // the 0.01·mean(W²) term is forgotten
    }
});

#[test]
fn a_bigram_dw_without_the_regularisation_fails_bigram() {
    let message = wrong::<bigram_without_regularisation::Mutant>(Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}

mutant!(bigram_one_hot_transposed, bigram {
    use backprop_ninja::course::bigram::{Bigrams, NeuralForward, REG};
    use ndarray::{ArrayRef2, Zip};
    pub fn backward(
        dW: &mut ArrayRef2<f64>,
        f: &NeuralForward,
        data: &Bigrams,
        W: &ArrayRef2<f64>,
    ) {
        let n = data.ys.len() as f64;
        for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
            dW.column_mut(x).scaled_add(1.0 / n, &probs); // a column, not the row xs[i]
            dW[[y, x]] -= 1.0 / n;
        }
        let scale = 2.0 * REG / W.len() as f64;
        Zip::from(dW).and(W).for_each(|dw, &w| *dw += scale * w);
    }
});

#[test]
fn a_bigram_dw_into_the_wrong_axis_fails_bigram() {
    let message = wrong::<bigram_one_hot_transposed::Mutant>(Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}

mutant!(flatten_wrong_time_step, flatten_consecutive {
    use backprop_ninja::Float;
    use backprop_ninja::layers::flatten_consecutive::FlattenConsecutive;
    use ndarray::{ArrayRef3, s};
    pub fn backward<F: Float>(
        dx: &mut ArrayRef3<F>,
        dout: &ArrayRef3<F>,
        layer: &FlattenConsecutive,
    ) {
        let (b, t, c) = dx.dim();
        let (n, groups) = (layer.n, t / layer.n);
        for b in 0..b {
            for t2 in 0..groups {
                for k in 0..n {
                    // Position k·(T/n) + t', not t'·n + k: a stride, not neighbours.
                    let mut row = dx.slice_mut(s![b, k * groups + t2, ..]);
                    row += &dout.slice(s![b, t2, k * c..(k + 1) * c]);
                }
            }
        }
    }
});

#[test]
fn a_flatten_routing_gradients_to_the_wrong_time_step_fails_dx() {
    let message = wrong::<flatten_wrong_time_step::Mutant>(Exercise::FlattenConsecutive);
    assert!(message.contains("dx (n=2): WRONG"), "{message}");
    // With T/n = 1 there is one group and the two routings coincide.
    assert!(!message.contains("dx (n=4, T/n=1): WRONG"), "{message}");
    // The container stays correct: it is graded with the reference's layers.
    assert_eq!(
        registry::grade::<flatten_wrong_time_step::Mutant>(Exercise::Sequential).status,
        Status::Correct,
        "the container is graded with the reference's layers"
    );
}

mutant!(batchnorm_3d_one_axis, batchnorm {
    use backprop_ninja::Float;
    use backprop_ninja::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
    pub use backprop_ninja::solutions::batchnorm::backward;
    use ndarray::{ArrayRef3, Axis, s};
    /// Each position normalised over the batch alone: axis 0 only, n = B.
    pub fn backward_3d<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut BatchNormGrads<F>,
        dout: &ArrayRef3<F>,
        cache: &BatchNormCache<F>,
        layer: &BatchNorm1d<F>,
    ) {
        let t = dx.len_of(Axis(1));
        for pos in 0..t {
            let rows = cache.xhat.slice(s![pos..;t, ..]); // rows b·T + pos
            let one_position = BatchNormCache {
                xhat: rows.to_owned(),
                ..cache.clone()
            };
            backward(
                &mut dx.index_axis_mut(Axis(1), pos),
                grads,
                &dout.index_axis(Axis(1), pos),
                &one_position,
                layer,
            );
        }
    }
});

#[test]
fn a_3d_batchnorm_reducing_over_one_axis_only_fails_dx() {
    let message = wrong::<batchnorm_3d_one_axis::Mutant>(Exercise::BatchNorm3d);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(
        !message.contains("dgain: WRONG") && !message.contains("dbias: WRONG"),
        "the parameters' sums are the same either way: {message}"
    );
    assert_eq!(
        registry::grade::<batchnorm_3d_one_axis::Mutant>(Exercise::BatchNorm).status,
        Status::Correct,
        "the 2-D layer is untouched"
    );
}

mutant!(linear_3d_last_position, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward;
    use ndarray::{ArrayRef3, Axis};
    /// Each position's gradient assigned, not summed: dw is the last position's.
    pub fn backward_3d<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        layer: &Linear<F>,
    ) {
        let t = dx.len_of(Axis(1));
        let before = grads.clone();
        for pos in 0..t {
            *grads = before.clone();
            backward(
                &mut dx.index_axis_mut(Axis(1), pos),
                grads,
                &dout.index_axis(Axis(1), pos),
                &x.index_axis(Axis(1), pos),
                layer,
            );
        }
    }
});

#[test]
fn a_3d_linear_weight_gradient_not_summed_over_positions_fails_dw_and_db() {
    let message = wrong::<linear_3d_last_position::Mutant>(Exercise::Linear3d);
    assert!(message.contains("dw: WRONG"), "{message}");
    assert!(message.contains("db: WRONG"), "{message}");
    assert!(!message.contains("dx: WRONG"), "{message}");
}

mutant!(sequential_tanh_input, sequential {
    use backprop_ninja::layers::sequential::{Layer, LayerGrads, Sequential, SequentialCache};
    use backprop_ninja::{Backprop, Float};
    use ndarray::Array3;
    /// Tanh handed its input instead of its output.
    pub fn backward<L: Backprop, F: Float>(
        grads: &mut [LayerGrads<F>],
        douts: &mut [Array3<F>],
        cache: &SequentialCache<F>,
        model: &Sequential<F>,
    ) {
        for (i, layer) in model.layers.iter().enumerate().rev() {
            let (below, above) = douts.split_at_mut(i);
            let dout = &above[0];
            match (layer, &mut grads[i]) {
                (Layer::Embedding(_), LayerGrads::Embedding(g)) => {
                    L::embedding_backward(g, dout, &cache.idx)
                }
                (Layer::FlattenConsecutive(f), _) => {
                    L::flatten_consecutive_backward(&mut below[i - 1], dout, f)
                }
                (Layer::Linear(l), LayerGrads::Linear(g)) => {
                    L::linear_backward_3d(&mut below[i - 1], g, dout, &cache.outs[i - 1], l)
                }
                (Layer::BatchNorm1d(bn), LayerGrads::BatchNorm1d(g)) => {
                    let c = cache.bn[i].as_ref().unwrap();
                    L::batchnorm_backward_3d(&mut below[i - 1], g, dout, c, bn)
                }
                (Layer::Tanh, _) => {
                    L::tanh_backward(&mut below[i - 1], dout, &cache.outs[i - 1]) // input
                }
                _ => unreachable!(),
            }
        }
    }
});

#[test]
fn a_sequential_handing_tanh_its_input_fails_the_layers_below_it() {
    let message = wrong::<sequential_tanh_input::Mutant>(Exercise::Sequential);
    assert!(message.contains("layers[2] dw: WRONG"), "{message}");
    assert!(
        !message.contains("layers[9]"),
        "the output layer is above every tanh: {message}"
    );
}

// ---- GPT: attention (gpt-attn) ----

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
                registry::grade::<B>(other).status,
                Status::Correct,
                "{} should be untouched by a mutant of {}",
                other.id(),
                exercise.id()
            );
        }
    }
    message
}

mod softmax_without_row_sum {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod softmax {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_softmax_backward_without_its_row_sum_fails_gpt_softmax() {
    let message = only_this_attention_exercise_fails::<softmax_without_row_sum::Mutant>(
        Exercise::Softmax,
        "dscores: WRONG",
    );
    assert!(!message.contains("future"), "the mask is kept: {message}");
}

mod weighted_average_unmasked {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod weighted_average {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

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

mod weighted_average_dx_untransposed {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod weighted_average {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

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
        mod $module {
            pub use backprop_ninja::solutions::*; // the reference, but for the module below
            pub mod head {
                #[allow(unused_imports)]
                use backprop_ninja::layers::head::{HeadForward, bmm, bmm_2d, mt};
                pub use backprop_ninja::solutions::head::*;
                use ndarray::Array3;
                pub fn $step($f: &HeadForward<f64>, $g: &Array3<f64>) -> Array3<f64> {
                    $body
                }
            }
            pub struct Mutant;
            backprop_ninja::implement_backprop!(Mutant, "mutant");
        }
    };
}

head_mutant!(head_dv_untransposed, dv, |f, dout| bmm(&f.att, dout));
head_mutant!(head_datt_unmasked, datt, |f, dout| bmm(dout, &mt(&f.v)));
head_mutant!(head_dscores_without_row_sum, dscores, |f, datt| &f.att
    * datt);
head_mutant!(head_dq_unscaled, dq, |f, dscores| bmm(dscores, &f.k));
head_mutant!(head_dk_untransposed, dk, |f, dscores| bmm(dscores, &f.q)
    * f.scale);

mod head_dx_two_paths {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod head {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

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

mod attention_scale_on_q_only {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod attention {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

mod attention_att_untransposed {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod attention {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn attention_mutants_fail_gpt_attention_and_only_it() {
    // The bug-free copy is right: the mutants below differ by their bug alone.
    mod control {
        pub use backprop_ninja::solutions::*; // the reference, but for the module below
        pub mod attention {
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
        }
        pub struct Mutant;
        backprop_ninja::implement_backprop!(Mutant, "mutant");
    }
    assert_eq!(
        registry::grade::<control::Mutant>(Exercise::Attention).status,
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
// ---- end GPT: attention (gpt-attn) ----

// ---- GPT: core (gpt-core) ----

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
            registry::grade::<B>(other).status,
            Status::Correct,
            "{} must be untouched by a mutant of {}",
            other.id(),
            exercise.id()
        );
    }
    message
}

mod layernorm_bessel {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod layernorm {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_layernorm_with_bessels_correction_fails_dx_only() {
    let message = only_this_core_exercise_fails::<layernorm_bessel::Mutant>(Exercise::LayerNorm);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dweight: WRONG"), "{message}");
    assert!(!message.contains("dbias: WRONG"), "{message}");
}

mod relu_never_off {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod relu {
        use backprop_ninja::Float;
        use ndarray::{ArrayRef, Dimension};
        pub fn backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            _out: &ArrayRef<F, D>,
        ) {
            *dx += dout; // the gradient passes where the unit is off too
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_relu_that_is_never_off_fails_gpt_relu() {
    let message = only_this_core_exercise_fails::<relu_never_off::Mutant>(Exercise::Relu);
    assert!(message.contains("dx: WRONG"), "{message}");
}

mod gelu_without_product_rule {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod gelu {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_gelu_missing_its_product_rule_term_fails_gpt_gelu() {
    let message =
        only_this_core_exercise_fails::<gelu_without_product_rule::Mutant>(Exercise::Gelu);
    assert!(message.contains("dx: WRONG"), "{message}");
}

mod position_embedding_one_example {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod position_embedding {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_position_embedding_not_summed_over_the_batch_fails_dwpe_only() {
    let message = only_this_core_exercise_fails::<position_embedding_one_example::Mutant>(
        Exercise::PositionEmbedding,
    );
    assert!(message.contains("dwpe: WRONG"), "{message}");
    assert!(!message.contains("dwte: WRONG"), "{message}");
}

mod cross_entropy_counts_ignored {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod sequence_cross_entropy {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_mean_that_counts_ignored_targets_fails_with_their_share() {
    let message = only_this_core_exercise_fails::<cross_entropy_counts_ignored::Mutant>(
        Exercise::SequenceCrossEntropy,
    );
    assert!(message.contains("dlogits: WRONG"), "{message}");
    // 9 of the 12 positions count: 9/12 of the right gradient.
    assert!(message.contains("3/4 times"), "{message}");
}

mod block_residual_assigned {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod block {
        use backprop_ninja::layers::block::{Activation, Block, BlockCache, BlockGrads, MlpCache};
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
                (Some(m), Some(MlpCache { fc, act, dfc, dact }), Some(g)) => {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

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

mod adamw_uncorrected {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod adamw {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn adamw_without_bias_correction_fails_the_steps_not_the_moments() {
    let message = only_this_core_exercise_fails::<adamw_uncorrected::Mutant>(Exercise::AdamW);
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(message.contains("p after step 3"), "{message}");
    assert!(!message.contains("m after step 3"), "{message}");
    assert!(!message.contains("v after step 3"), "{message}");
}

mod adamw_l2 {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod adamw {
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
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn adamw_with_l2_instead_of_decoupled_decay_fails_adamw() {
    let message = only_this_core_exercise_fails::<adamw_l2::Mutant>(Exercise::AdamW);
    assert!(message.contains("p after step 1 (by hand)"), "{message}");
    assert!(
        message.contains("m after step 3"),
        "the moments see λ·p: {message}"
    );
}
// ---- end GPT: core ----

// ── The hints: each mistake gets the message that names its cause ──────────

mod sequential_forward_order {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod sequential {
        use backprop_ninja::layers::sequential::{LayerGrads, Sequential, SequentialCache};
        use backprop_ninja::{Backprop, Float};
        use ndarray::Array3;
        /// The layers' backward passes in forward order: every dout below the
        /// top is still zero when its layer runs.
        pub fn backward<L: Backprop, F: Float>(
            grads: &mut [LayerGrads<F>],
            douts: &mut [Array3<F>],
            cache: &SequentialCache<F>,
            model: &Sequential<F>,
        ) {
            for i in 0..model.layers.len() {
                super::super::reversed_one::<L, F>(i, grads, douts, cache, model);
            }
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

/// Layer `i`'s backward pass, as the reference's container runs it.
fn reversed_one<L: Backprop, F: backprop_ninja::Float>(
    i: usize,
    grads: &mut [backprop_ninja::layers::sequential::LayerGrads<F>],
    douts: &mut [ndarray::Array3<F>],
    cache: &backprop_ninja::layers::sequential::SequentialCache<F>,
    model: &backprop_ninja::layers::sequential::Sequential<F>,
) {
    use backprop_ninja::layers::sequential::{Layer, LayerGrads};
    let (below, above) = douts.split_at_mut(i);
    let dout = &above[0];
    match (&model.layers[i], &mut grads[i]) {
        (Layer::Embedding(_), LayerGrads::Embedding(g)) => {
            L::embedding_backward(g, dout, &cache.idx)
        }
        (Layer::FlattenConsecutive(f), _) => {
            L::flatten_consecutive_backward(&mut below[i - 1], dout, f)
        }
        (Layer::Linear(l), LayerGrads::Linear(g)) => {
            L::linear_backward_3d(&mut below[i - 1], g, dout, &cache.outs[i - 1], l)
        }
        (Layer::BatchNorm1d(bn), LayerGrads::BatchNorm1d(g)) => {
            let c = cache.bn[i].as_ref().unwrap();
            L::batchnorm_backward_3d(&mut below[i - 1], g, dout, c, bn)
        }
        (Layer::Tanh, _) => L::tanh_backward(&mut below[i - 1], dout, &cache.outs[i]),
        _ => unreachable!(),
    }
}

#[test]
fn a_sequential_in_forward_order_says_the_gradient_never_arrived() {
    let message = wrong::<sequential_forward_order::Mutant>(Exercise::Sequential);
    let rows: Vec<&str> = message.lines().filter(|l| l.contains("WRONG")).collect();
    assert!(rows.len() >= 7, "{message}");
    assert_eq!(
        message.matches("never reached this tensor").count(),
        rows.len(),
        "{message}"
    );
    assert!(!message.contains("times the right gradient"), "{message}");
}

#[test]
fn an_embedding_scatter_that_assigns_gets_the_accumulate_hint() {
    let message = wrong::<embedding_assigned::Mutant>(Exercise::Embedding);
    assert!(message.contains("assigned, not accumulated"), "{message}");
}

#[test]
fn batchnorm_without_bessel_gets_the_bessel_hint_on_both_rows() {
    let message = wrong::<batchnorm_biased::Mutant>(Exercise::BatchNorm);
    assert_eq!(
        message.matches("Bessel's correction").count(),
        2,
        "{message}"
    );
}

mod demb_axes_swapped {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod step_by_step {
        use backprop_ninja::course::step_by_step::Forward;
        pub use backprop_ninja::solutions::step_by_step::*;
        use ndarray::{Array2, Array3};
        /// Reshaped to (n, E, block), then its axes swapped back to (n, block, E).
        pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
            let &[n, block, e] = f.emb.shape() else {
                unreachable!()
            };
            dembcat
                .to_shape((n, e, block))
                .unwrap()
                .permuted_axes([0, 2, 1])
                .to_owned()
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

mod demb_wrong_shape {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod step_by_step {
        use backprop_ninja::course::step_by_step::Forward;
        pub use backprop_ninja::solutions::step_by_step::*;
        use ndarray::{Array2, Array3};
        /// Reshaped to (n, E, block).
        pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
            let &[n, block, e] = f.emb.shape() else {
                unreachable!()
            };
            dembcat.to_shape((n, e, block)).unwrap().to_owned()
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_demb_reshaped_through_the_wrong_axes_gets_the_axes_hint() {
    let message = only_its_own_step_fails::<demb_axes_swapped::Mutant>(Var::Emb);
    assert!(message.contains("axes in the wrong order"), "{message}");
    let message = wrong::<demb_wrong_shape::Mutant>(Exercise::Step(Var::Emb));
    assert!(message.contains("axes in the wrong order"), "{message}");
}

#[test]
fn factors_read_as_fractions_of_the_cases_sizes() {
    let message = wrong::<cross_entropy_no_mean::Mutant>(Exercise::CrossEntropy);
    assert!(message.contains("6 (= n) times"), "{message}");
    assert!(
        message.contains("32 (= n) times"),
        "the lecture batch: {message}"
    );
    let message = only_its_own_step_fails::<common::bessel_replaced_by_n::Mutant>(Var::Bndiff2);
    assert!(message.contains("31/32 (= (n-1)/n)"), "{message}");
    let message = wrong::<linear_3d_db_mean::Mutant>(Exercise::Linear3d);
    assert!(message.contains("1/12 (= 1/(B·T))"), "{message}");
}

#[test]
fn each_message_names_its_case() {
    let message = wrong::<cross_entropy_no_mean::Mutant>(Exercise::CrossEntropy);
    assert!(
        message.contains("ex2::cross_entropy dlogits: WRONG"),
        "{message}"
    );
    assert!(
        message.contains("ex2 dlogits (lecture batch, vs exercise 1): WRONG"),
        "{message}"
    );
}

mod linear_3d_db_mean {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod linear {
        use backprop_ninja::Float;
        use backprop_ninja::layers::linear::{Linear, LinearGrads};
        pub use backprop_ninja::solutions::linear::backward;
        use ndarray::{ArrayRef3, Axis};
        /// db as the mean over the B·T positions, not the sum.
        pub fn backward_3d<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            layer: &Linear<F>,
        ) {
            let before = grads.db.clone();
            backprop_ninja::solutions::linear::backward_3d(dx, grads, dout, x, layer);
            let n = F::count(dout.len_of(Axis(0)) * dout.len_of(Axis(1)));
            if let (Some(db), Some(before)) = (&mut grads.db, before) {
                *db = &before + &((&*db - &before) / n);
            }
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

mod linear_2d_wrong_3d_calls_it {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod linear {
        use backprop_ninja::Float;
        use backprop_ninja::layers::linear::{Linear, LinearGrads};
        use backprop_ninja::layers::rows::{rows, rows_mut};
        use ndarray::{ArrayRef2, ArrayRef3};
        /// The reference with dx's sign flipped.
        pub fn backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef2<F>,
            x: &ArrayRef2<F>,
            layer: &Linear<F>,
        ) {
            let before = dx.to_owned();
            backprop_ninja::solutions::linear::backward(dx, grads, dout, x, layer);
            let added = &*dx - &*before;
            dx.assign(&(&*before - &*added));
        }
        /// Right, but through the wrong 2-D function.
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
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_3d_row_failing_through_the_2d_function_says_so() {
    let message = wrong::<linear_2d_wrong_3d_calls_it::Mutant>(Exercise::Linear3d);
    assert!(
        message.contains("your 2-D `backward` (layers::linear"),
        "{message}"
    );
    let alone = wrong::<linear_3d_db_mean::Mutant>(Exercise::Linear3d);
    assert!(!alone.contains("2-D"), "the 2-D function is right: {alone}");
}

mod tanh_broadcast_panic {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod tanh {
        use backprop_ninja::Float;
        use ndarray::{Array1, ArrayRef, Dimension};
        pub fn backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            out: &ArrayRef<F, D>,
        ) {
            let local = Array1::from_iter(out.iter().map(|&t| F::one() - t * t));
            let (local, dout) = (local.into_dyn(), dout.to_owned().into_dyn());
            let wrong = &local * &dout; // (n·m,) times (n, m): does not broadcast
            dx.iter_mut().zip(&wrong).for_each(|(d, &w)| *d += w);
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}

#[test]
fn a_panic_names_the_line_of_the_learners_code() {
    let message = wrong::<tanh_broadcast_panic::Mutant>(Exercise::Tanh);
    assert!(message.contains("layers::tanh panicked"), "{message}");
    assert!(message.contains("at tests/it/mutants.rs:"), "{message}");
}

#[test]
fn the_chain_waits_for_a_mis_shaped_or_panicking_step_instead_of_failing() {
    let chain = registry::grade::<demb_wrong_shape::Mutant>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (mis-shaped)")),
        "{chain:?}"
    );
    let chain = registry::grade::<demb_panics::Mutant>(Exercise::Chain).status;
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (panics)")),
        "{chain:?}"
    );
}

mod demb_panics {
    pub use backprop_ninja::solutions::*; // the reference, but for the module below
    pub mod step_by_step {
        use backprop_ninja::course::step_by_step::Forward;
        pub use backprop_ninja::solutions::step_by_step::*;
        use ndarray::{Array2, Array3};
        /// Reshaped to a shape of another size: a panic.
        pub fn demb(_f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
            dembcat.to_shape((7, 7, 7)).unwrap().to_owned()
        }
    }
    pub struct Mutant;
    backprop_ninja::implement_backprop!(Mutant, "mutant");
}
