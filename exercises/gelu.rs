//! # GELU (tanh form), backward — yours to write (lecture 7, makemore's Transformer)
//!
//! Forward (`src/layers/gelu.rs`): `gelu(x) = 0.5·x·(1 + tanh(u))` with
//! `u = √(2/π)·(x + 0.044715·x³)` (the constants are
//! `crate::layers::gelu::{SQRT_2_OVER_PI, COEFF}`). Accumulate (`+=`) into
//! `dx`. The answer, with its derivation, is in `solutions/gelu.rs`.

use ndarray::{ArrayRef, Dimension};

use crate::float::Float;

/// Accumulates (`+=`) `dx` from `dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    x: &ArrayRef<F, D>,      // the input, shape of x
) {
    todo!(
        "x appears twice in 0.5·x·(1 + tanh(u(x))): the product rule, then the chain rule through tanh and u"
    )
}
