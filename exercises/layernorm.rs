//! # LayerNorm, backward — yours to write (lecture 7, in one expression)
//!
//! Forward (`src/layers/layernorm.rs`), each row (a position) on its own
//! over its `C` channels: `mean`, the *biased* variance (1/C),
//! `rstd = (var + 1e-5)^-1/2`, `xhat = (x - mean)·rstd`,
//! `out = xhat ⊙ weight + bias`. Derive `dx` in one expression of `dout`,
//! `xhat`, `rstd` and `weight` (as the backprop lecture's exercise 3 did for
//! BatchNorm), and accumulate (`+=`) into `dx`, `grads.dweight` and
//! `grads.dbias`. The answer, with its derivation, is in
//! `solutions/layernorm.rs`.

use ndarray::ArrayRef2;

use crate::float::Float;
use crate::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};

/// Accumulates (`+=`) `dx`, `dweight` and `dbias` from `dout`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,         // (N, C)
    grads: &mut LayerNormGrads<F>, // dweight, dbias (C,)
    dout: &ArrayRef2<F>,           // (N, C)
    cache: &LayerNormCache<F>,     // xhat (N, C), rstd (N,)
    layer: &LayerNorm<F>,          // weight (C,)
) {
    todo!(
        "BatchNorm's exercise 3 on its side: sums over a row of C channels, and the variance is biased (1/C)"
    )
}
