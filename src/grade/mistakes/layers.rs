//! # Known mistakes of the MLP's layers (makemore parts 2 to 4, exercises 2 and 3)
//!
//! Linear, Embedding, Tanh, cross-entropy (exercise 2) and BatchNorm1d
//! (exercise 3): BatchNorm's `dx` has three paths into `x` (directly,
//! through the mean, through the variance), each dropped on its own, and
//! cross-entropy's two terms (the softmax's, the one-hot's).

use ndarray::{Array1, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::cross_entropy::CrossEntropyCache;
use crate::layers::embedding::EmbeddingGrads;
use crate::layers::linear::{Linear, LinearGrads};
use crate::ops::matmul_acc;
use crate::registry::Exercise;

/// Tanh's backward pass with the local derivative `local(out)`.
fn tanh_with(
    dx: &mut ArrayRef2<f64>,
    dout: &ArrayRef2<f64>,
    out: &ArrayRef2<f64>,
    local: fn(f64) -> f64,
) {
    Zip::from(dx)
        .and(dout)
        .and(out)
        .for_each(|dx, &dout, &out| *dx += local(out) * dout);
}

/// Linear's backward pass with `db` from `db_of(dout)`.
fn linear_with(
    dx: &mut ArrayRef2<f64>,
    grads: &mut LinearGrads<f64>,
    dout: &ArrayRef2<f64>,
    x: &ArrayRef2<f64>,
    layer: &Linear<f64>,
    db_of: fn(&ArrayRef2<f64>) -> Array1<f64>,
) {
    matmul_acc(dx, dout, &layer.w.t());
    matmul_acc(&mut grads.dw, &x.t(), dout);
    if let Some(db) = &mut grads.db {
        *db += &db_of(dout);
    }
}

/// Cross-entropy's backward pass, `dloss·(probs - one_hot)/n`, without
/// the mean's `1/n` (`MEAN`: false) or without the one-hot's term.
fn cross_entropy_with<const MEAN: bool, const ONE_HOT: bool>(
    dlogits: &mut ArrayRef2<f64>,
    dloss: f64,
    cache: &CrossEntropyCache<f64>,
    targets: &[usize],
) {
    let scale = if MEAN {
        dloss / dlogits.nrows() as f64
    } else {
        dloss
    };
    Zip::from(dlogits.rows_mut())
        .and(cache.probs.rows())
        .and(targets)
        .for_each(|mut dl, p, &y| {
            dl.zip_mut_with(&p, |d, &p| *d += scale * p);
            if ONE_HOT {
                dl[y] -= scale;
            }
        });
}

/// Which of BatchNorm's paths into `x` a mistake changes.
pub const BESSEL_DROPPED: u8 = 0;
const MEAN_PATH_DROPPED: u8 = 1;
const VARIANCE_PATH_DROPPED: u8 = 2;
const DIRECT_PATH_DROPPED: u8 = 3;

/// BatchNorm's backward pass, `dx = γ·s/n · (n·dy - Σdy - n/(n-1)·x̂·Σdy·x̂)`,
/// with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn batchnorm_with<const BUG: u8>(
    dx: &mut ArrayRef2<f64>,
    grads: &mut BatchNormGrads<f64>,
    dout: &ArrayRef2<f64>,
    cache: &BatchNormCache<f64>,
    layer: &BatchNorm1d<f64>,
) {
    batchnorm_with_bug(BUG, dx, grads, dout, cache, layer)
}

/// [`batchnorm_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn batchnorm_with_bug(
    bug: u8,
    dx: &mut ArrayRef2<f64>,
    grads: &mut BatchNormGrads<f64>,
    dout: &ArrayRef2<f64>,
    cache: &BatchNormCache<f64>,
    layer: &BatchNorm1d<f64>,
) {
    let n = dout.nrows() as f64;
    let sum = dout.sum_axis(Axis(0)); // (H,)
    let sum_xh = (&dout.view() * &cache.xhat).sum_axis(Axis(0)); // (H,)
    grads.dgain += &sum_xh;
    grads.dbias += &sum;
    let scale = &layer.gain.row(0) * &cache.var_inv.row(0) / n; // (H,)
    let bessel = if bug == BESSEL_DROPPED {
        1.0
    } else {
        n / (n - 1.0)
    };
    let (mean_path, variance_path) = (bug != MEAN_PATH_DROPPED, bug != VARIANCE_PATH_DROPPED);
    Zip::from(dx)
        .and(dout)
        .and(&cache.xhat)
        .and_broadcast(&scale)
        .and_broadcast(&sum)
        .and_broadcast(&sum_xh)
        .for_each(|dx, &dy, &xh, &scale, &sum, &sum_xh| {
            let mut local = if bug == DIRECT_PATH_DROPPED {
                0.0
            } else {
                n * dy
            };
            if mean_path {
                local -= sum;
            }
            if variance_path {
                local -= bessel * xh * sum_xh;
            }
            *dx += scale * local;
        });
}

fn embedding_assigned(
    grads: &mut EmbeddingGrads<f64>,
    dout: &ArrayRef3<f64>,
    idx: &ArrayRef2<usize>,
) {
    for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
        grads.dtable.row_mut(v).assign(&d); // = instead of +=
    }
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::Linear,
        name: "db from one row",
        explanation: "this is db from the first row of dout alone: the bias is added to every row, so db += dout summed over the batch (axis 0)",
        patch: |t| {
            t.linear_backward =
                |dx, g, dout, x, l| linear_with(dx, g, dout, x, l, |d| d.row(0).to_owned())
        },
    },
    Mistake {
        exercise: Exercise::Linear,
        name: "db as a mean",
        explanation: "this is db as the mean of dout over the batch: the bias is added to every row and each row's gradient counts in full, so db += dout summed over axis 0 (no 1/B)",
        patch: |t| {
            t.linear_backward = |dx, g, dout, x, l| {
                linear_with(dx, g, dout, x, l, |d| d.mean_axis(Axis(0)).expect("rows"))
            }
        },
    },
    Mistake {
        exercise: Exercise::Tanh,
        name: "sign",
        explanation: "this subtracts: tanh's local derivative 1 - out² is positive, dx += (1 - out²)·dout",
        patch: |t| t.tanh_backward = |dx, dout, out| tanh_with(dx, dout, out, |o| -(1.0 - o * o)),
    },
    Mistake {
        exercise: Exercise::Tanh,
        name: "unsquared",
        explanation: "this is 1 - out: tanh's derivative is 1 - out², dx += (1 - out²)·dout",
        patch: |t| t.tanh_backward = |dx, dout, out| tanh_with(dx, dout, out, |o| 1.0 - o),
    },
    Mistake {
        exercise: Exercise::Tanh,
        name: "tanh of the output",
        explanation: "this is 1 - tanh(out)², the derivative taken at out as if it were the pre-activation: out is tanh(x) already, so use 1 - out²",
        patch: |t| {
            t.tanh_backward =
                |dx, dout, out| tanh_with(dx, dout, out, |o| 1.0 - o.tanh() * o.tanh())
        },
    },
    Mistake {
        exercise: Exercise::CrossEntropy,
        name: "no mean",
        explanation: "this is the gradient of the sum of the losses: the loss is their mean, so every element carries 1/n, dlogits += dloss·(probs - one_hot)/n",
        patch: |t| t.cross_entropy_backward = cross_entropy_with::<false, true>,
    },
    Mistake {
        exercise: Exercise::CrossEntropy,
        name: "one-hot term dropped",
        explanation: "this is probs/n alone: the loss is -log probs[target], whose gradient through the target's own logit adds -1 there, so dlogits += dloss·(probs - one_hot(target))/n",
        patch: |t| t.cross_entropy_backward = cross_entropy_with::<true, false>,
    },
    Mistake {
        exercise: Exercise::BatchNorm,
        name: "without Bessel's correction",
        explanation: "this drops the variance's n/(n-1): the forward divides the variance by n-1, so dx = γ·s/n·(n·dy - Σdy - n/(n-1)·x̂·Σ(dy·x̂))",
        patch: |t| t.batchnorm_backward = batchnorm_with::<BESSEL_DROPPED>,
    },
    Mistake {
        exercise: Exercise::BatchNorm,
        name: "mean's path dropped",
        explanation: "this drops x's path through the batch mean (the -Σdy term): x reaches the output directly, through the mean and through the variance, and dx sums all three",
        patch: |t| t.batchnorm_backward = batchnorm_with::<MEAN_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::BatchNorm,
        name: "variance's path dropped",
        explanation: "this drops x's path through the batch variance (the -n/(n-1)·x̂·Σ(dy·x̂) term): x reaches the output directly, through the mean and through the variance, and dx sums all three",
        patch: |t| t.batchnorm_backward = batchnorm_with::<VARIANCE_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::BatchNorm,
        name: "direct path dropped",
        explanation: "this drops x's own path (the n·dy term), keeping those through the mean and the variance: x reaches the output directly too, and dx sums all three",
        patch: |t| t.batchnorm_backward = batchnorm_with::<DIRECT_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::Embedding,
        name: "assigned",
        explanation: "this assigns (=) each looked-up row: a row looked up several times must receive the sum of all its gradients, dtable[idx] += dout (not =)",
        patch: |t| t.embedding_backward = embedding_assigned,
    },
];
