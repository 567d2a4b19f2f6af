//! # BatchNorm1d, backward — yours to write (the lecture's exercise 3)
//!
//! Forward (`src/layers/batchnorm.rs`), per feature, over a batch of `n` rows:
//! `mean`, the Bessel-corrected `var` (1/(n-1)), `var_inv = (var + eps)^-1/2`,
//! `xhat = (x - mean)·var_inv`, `out = gain·xhat + bias`. Derive `dx` in one
//! expression of `dout`, `xhat`, `gain` and `var_inv`, and accumulate (`+=`)
//! into `dx`, `grads.dgain` and `grads.dbias`. The answer, with its
//! derivation, is in `solutions/batchnorm.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};

/// Accumulates (`+=`) `dx`, `dgain` and `dbias` from `dout`, in training mode.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,         // (B, H)
    grads: &mut BatchNormGrads<F>, // dgain, dbias (1, H)
    dout: &ArrayRef2<F>,           // (B, H)
    cache: &BatchNormCache<F>,     // xhat (B, H), var_inv (1, H)
    layer: &BatchNorm1d<F>,        // gain (1, H)
) {
    todo!(
        "x reaches xhat directly, through the mean and through the variance: add the three paths, then simplify"
    )
}

/// On `(B, T, H)` input (makemore part 5, the WaveNet): accumulates (`+=`)
/// `dx`, `dgain` and `dbias`; the forward pass took its statistics over axes
/// 0 and 1.
pub fn backward_3d<F: Float>(
    dx: &mut ArrayRef3<F>,         // (B, T, H)
    grads: &mut BatchNormGrads<F>, // dgain, dbias (1, H)
    dout: &ArrayRef3<F>,           // (B, T, H)
    cache: &BatchNormCache<F>,     // xhat (B·T, H), var_inv (1, H)
    layer: &BatchNorm1d<F>,        // gain (1, H)
) {
    todo!(
        "the mean and variance ran over all B·T positions: which n is that? (crate::layers::rows sees (B, T, H) as (B·T, H))"
    )
}
