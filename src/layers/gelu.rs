//! # GELU, tanh form: the non-linearity of GPT-2 and makemore's Transformer
//!
//! Lecture 7 ("Let's build GPT") uses ReLU in the feed-forward layer;
//! GPT-2, and makemore's Transformer after it, use the Gaussian Error Linear
//! Unit in its tanh approximation (`nn.GELU(approximate='tanh')`):
//!
//! ```text
//! u        = √(2/π) · (x + 0.044715·x³)
//! gelu(x)  = 0.5 · x · (1 + tanh(u))
//! ```
//!
//! Like ReLU it lets large positive inputs through and stops large negative
//! ones, but smoothly, with a small dip below zero. The backward pass is
//! yours to write in `exercises/gelu.rs`; the derivation is in
//! `solutions/gelu.rs`.

use ndarray::{Array, ArrayRef, Dimension, Zip};

use crate::error::{Result, expect_shape};
use crate::float::Float;

/// `√(2/π)`.
pub const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic term's coefficient.
pub const COEFF: f64 = 0.044715;

/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
#[inline]
pub fn gelu<F: Float>(x: F) -> F {
    let u = F::lit(SQRT_2_OVER_PI) * (x + F::lit(COEFF) * x * x * x);
    F::lit(0.5) * x * (F::one() + u.fast_tanh())
}

/// `out = gelu(x)`, a new array.
pub fn forward<F: Float, D: Dimension>(x: &ArrayRef<F, D>) -> Array<F, D> {
    x.mapv(gelu)
}

/// `out = gelu(x)`, written into `out` (no allocation).
pub fn forward_into<F: Float, D: Dimension>(
    x: &ArrayRef<F, D>,
    out: &mut ArrayRef<F, D>,
) -> Result<()> {
    expect_shape("gelu", "output", out.shape(), x.shape())?;
    let same_layout = out.strides() == x.strides();
    match (out.as_slice_memory_order_mut(), x.as_slice_memory_order()) {
        (Some(out), Some(x)) if same_layout => crate::ops::map_into(out, x, gelu),
        _ => Zip::from(out).and(x).for_each(|out, &x| *out = gelu(x)),
    }
    Ok(())
}
