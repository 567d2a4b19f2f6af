//! # Known mistakes of the WaveNet (makemore part 5): its 3-D layers and container
//!
//! FlattenConsecutive, Linear and BatchNorm1d on `(B, T, C)`, and
//! `Sequential`'s backward pass.

use ndarray::{Array3, ArrayRef3, Axis, s};

use crate::backprop::Backprop;
use crate::grade::mistakes::layers::{BESSEL_DROPPED, batchnorm_with};
use crate::grade::mistakes::mistake::Mistake;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::rows::{rows, rows_mut};
use crate::layers::sequential::{Layer, LayerGrads, Sequential, SequentialCache};
use crate::registry::Exercise;
use crate::solutions::{Solutions, batchnorm, linear};

/// Position `k·(T/n) + t'`, not `t'·n + k`: a stride, not neighbours.
fn flatten_strided(dx: &mut ArrayRef3<f64>, dout: &ArrayRef3<f64>, layer: &FlattenConsecutive) {
    let (b, t, c) = dx.dim();
    let (n, groups) = (layer.n, t / layer.n);
    for b in 0..b {
        for t2 in 0..groups {
            for k in 0..n {
                let mut row = dx.slice_mut(s![b, k * groups + t2, ..]);
                row += &dout.slice(s![b, t2, k * c..(k + 1) * c]);
            }
        }
    }
}

/// Each position's gradient assigned, not summed: dw and db are the last
/// position's.
fn linear_3d_last_position(
    dx: &mut ArrayRef3<f64>,
    grads: &mut LinearGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    layer: &Linear<f64>,
) {
    let before = grads.clone();
    for pos in 0..dx.len_of(Axis(1)) {
        *grads = before.clone();
        linear::backward(
            &mut dx.index_axis_mut(Axis(1), pos),
            grads,
            &dout.index_axis(Axis(1), pos),
            &x.index_axis(Axis(1), pos),
            layer,
        );
    }
}

/// db as the mean over the `B·T` positions, not the sum.
fn linear_3d_db_mean(
    dx: &mut ArrayRef3<f64>,
    grads: &mut LinearGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    layer: &Linear<f64>,
) {
    let before = grads.db.clone();
    linear::backward_3d(dx, grads, dout, x, layer);
    let n = (dout.len_of(Axis(0)) * dout.len_of(Axis(1))) as f64;
    if let (Some(db), Some(before)) = (&mut grads.db, before) {
        *db = &before + &((&*db - &before) / n);
    }
}

/// Each position normalised over the batch alone: axis 0 only, `n = B`.
fn batchnorm_3d_one_axis(
    dx: &mut ArrayRef3<f64>,
    grads: &mut BatchNormGrads<f64>,
    dout: &ArrayRef3<f64>,
    cache: &BatchNormCache<f64>,
    layer: &BatchNorm1d<f64>,
) {
    let t = dx.len_of(Axis(1));
    for pos in 0..t {
        let one_position = BatchNormCache {
            xhat: cache.xhat.slice(s![pos..;t, ..]).to_owned(), // rows b·T + pos
            ..cache.clone()
        };
        batchnorm::backward(
            &mut dx.index_axis_mut(Axis(1), pos),
            grads,
            &dout.index_axis(Axis(1), pos),
            &one_position,
            layer,
        );
    }
}

/// The 3-D BatchNorm on its `(B·T, H)` rows, without Bessel's correction.
fn batchnorm_3d_without_bessel(
    dx: &mut ArrayRef3<f64>,
    grads: &mut BatchNormGrads<f64>,
    dout: &ArrayRef3<f64>,
    cache: &BatchNormCache<f64>,
    layer: &BatchNorm1d<f64>,
) {
    batchnorm_with::<BESSEL_DROPPED>(&mut rows_mut(dx), grads, &rows(dout), cache, layer);
}

/// Which change a mistake of the container makes.
const TANH_HANDED_ITS_INPUT: u8 = 0;
const FORWARD_ORDER: u8 = 1;

/// The reference container with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn sequential_with<const BUG: u8, L: Backprop>(
    grads: &mut [LayerGrads<f64>],
    douts: &mut [Array3<f64>],
    cache: &SequentialCache<f64>,
    model: &Sequential<f64>,
) {
    sequential_with_bug::<L>(BUG, grads, douts, cache, model)
}

/// [`sequential_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn sequential_with_bug<L: Backprop>(
    bug: u8,
    grads: &mut [LayerGrads<f64>],
    douts: &mut [Array3<f64>],
    cache: &SequentialCache<f64>,
    model: &Sequential<f64>,
) {
    let order: Vec<usize> = if bug == FORWARD_ORDER {
        (0..model.layers.len()).collect()
    } else {
        (0..model.layers.len()).rev().collect()
    };
    for i in order {
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
                let c = cache.bn[i].as_ref().expect("a cache for each BatchNorm");
                L::batchnorm_backward_3d(&mut below[i - 1], g, dout, c, bn)
            }
            (Layer::Tanh, _) => {
                let out = if bug == TANH_HANDED_ITS_INPUT {
                    &cache.outs[i - 1]
                } else {
                    &cache.outs[i]
                };
                L::tanh_backward(&mut below[i - 1], dout, out)
            }
            (layer, _) => panic!("grads[{i}] are not the gradients of a {}", layer.name()),
        }
    }
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::FlattenConsecutive,
        name: "strided, not neighbours",
        explanation: "this sends column block k of group t' to position k·(T/n) + t': the forward fuses neighbours, so it goes back to position t'·n + k (reshape dout to (B, T/n, n, C))",
        patch: |t| t.flatten_consecutive_backward = flatten_strided,
    },
    Mistake {
        exercise: Exercise::Linear3d,
        name: "last position only",
        explanation: "this keeps one position's dw and db: the weights are used at every position, so dw and db sum over B and T (view (B, T, ·) as (B·T, ·) rows)",
        patch: |t| t.linear_backward_3d = linear_3d_last_position,
    },
    Mistake {
        exercise: Exercise::Linear3d,
        name: "db as a mean",
        explanation: "this is db as the mean over the B·T positions: the bias is added at every position and each counts in full, so db sums over B and T (no 1/(B·T))",
        patch: |t| t.linear_backward_3d = linear_3d_db_mean,
    },
    Mistake {
        exercise: Exercise::BatchNorm3d,
        name: "over the batch axis only",
        explanation: "this normalises each position over the batch alone: the forward's mean and variance are over axes 0 and 1 (B·T rows), so backward works on the (B·T, H) rows too",
        patch: |t| t.batchnorm_backward_3d = batchnorm_3d_one_axis,
    },
    Mistake {
        exercise: Exercise::BatchNorm3d,
        name: "without Bessel's correction",
        explanation: "this drops the variance's n/(n-1), with n = B·T: the forward divides the variance by n-1, so dx = γ·s/n·(n·dy - Σdy - n/(n-1)·x̂·Σ(dy·x̂)) over the (B·T, H) rows",
        patch: |t| t.batchnorm_backward_3d = batchnorm_3d_without_bessel,
    },
    Mistake {
        exercise: Exercise::Sequential,
        name: "tanh handed its input",
        explanation: "this hands tanh's backward its input, outs[i-1]: it takes the layer's output, tanh(x) = outs[i], as its derivative is 1 - out²",
        patch: |t| t.sequential_backward = sequential_with::<TANH_HANDED_ITS_INPUT, Solutions>,
    },
    Mistake {
        exercise: Exercise::Sequential,
        name: "forward order",
        explanation: "this runs the layers' backward passes first to last: each needs its output's gradient, made by the layer above, so run them last to first",
        patch: |t| t.sequential_backward = sequential_with::<FORWARD_ORDER, Solutions>,
    },
];
