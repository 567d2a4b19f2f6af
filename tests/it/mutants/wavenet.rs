//! # Mutants of the WaveNet (makemore part 5): its 3-D layers and container
//!
//! FlattenConsecutive, the 3-D BatchNorm and linear layers, and
//! `Sequential`'s backward pass; and the hints they bring, the factors a
//! failure names among them.

use backprop_ninja::Backprop;
use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::mlp::cross_entropy_no_mean;
use super::{only_its_own_step_fails, wrong};
use crate::common::{self, mutant};

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
        dispatch::grade::<flatten_wrong_time_step::Mutant>(Exercise::Sequential).status,
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
        dispatch::grade::<batchnorm_3d_one_axis::Mutant>(Exercise::BatchNorm).status,
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

mutant!(sequential_forward_order, sequential {
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
});

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

mutant!(linear_3d_db_mean, linear {
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
});

mutant!(linear_2d_wrong_3d_calls_it, linear {
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
});

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
