//! # The weighted average of the past, backward — yours to write
//!
//! Lecture 7, "Let's build GPT", the mathematical trick of self-attention.
//! Forward (`src/layers/weighted_average.rs`):
//!
//! ```text
//! out[b, t, :] = Σ_{s ≤ t} wei[b, t, s] · x[b, s, :]     wei (B, T, T) @ x (B, T, C) = out (B, T, C)
//! ```
//!
//! `wei` is causal: its entries above the diagonal (the future) were never
//! read. Edit only the function bodies; accumulate (`+=`) into the gradients
//! you are handed. The answer, with its derivation, is in
//! `solutions/weighted_average.rs`.

use ndarray::ArrayRef3;

use crate::float::Float;

/// Accumulates (`+=`) `dwei` and `dx` from `dout`.
pub fn backward<F: Float>(
    dwei: &mut ArrayRef3<F>, // (B, T, T)
    dx: &mut ArrayRef3<F>,   // (B, T, C)
    dout: &ArrayRef3<F>,     // (B, T, C)
    wei: &ArrayRef3<F>,      // (B, T, T), causal
    x: &ArrayRef3<F>,        // (B, T, C)
) {
    todo!(
        "per example, dx = weiᵀ @ dout and dwei = dout @ xᵀ, but an entry of wei the forward never read (s > t) gets no gradient"
    )
}
