//! # Linear, backward — yours to write
//!
//! Forward (`src/layers/linear.rs`): `out = x @ w + b`, with `x (B, I)`,
//! `w (I, O)`, `b (O,)`, `out (B, O)`. Accumulate (`+=`) into the gradients
//! you are handed: a layer used twice gets both contributions. The answer,
//! with its derivation, is in `solutions/linear.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::linear::{Linear, LinearGrads};

/// Accumulates (`+=`) `dx`, `grads.dw` and `grads.db` from `dout`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,      // (B, I)
    grads: &mut LinearGrads<F>, // dw (I, O), db (O,)
    dout: &ArrayRef2<F>,        // (B, O)
    x: &ArrayRef2<F>,           // (B, I)
    layer: &Linear<F>,          // w (I, O)
) {
    todo!(
        "each gradient has its variable's shape: find the matmul of dout with w or x that gives it; b was broadcast over the batch"
    )
}

/// On `(B, T, I)` input (makemore part 5, the WaveNet): accumulates (`+=`)
/// `dx`, `grads.dw` and `grads.db` from `dout`.
pub fn backward_3d<F: Float>(
    dx: &mut ArrayRef3<F>,      // (B, T, I)
    grads: &mut LinearGrads<F>, // dw (I, O), db (O,)
    dout: &ArrayRef3<F>,        // (B, T, O)
    x: &ArrayRef3<F>,           // (B, T, I)
    layer: &Linear<F>,          // w (I, O)
) {
    todo!(
        "w is shared by every position of every example: its gradient sums over B and T (crate::layers::rows sees (B, T, C) as (B·T, C))"
    )
}
