//! # The mathematical trick of self-attention: a weighted average of the past
//!
//! Lecture 7, "Let's build GPT": before any attention, each position `t`
//! gets the average of the tokens `0..=t` (a "bag of words"), first with a
//! loop, then as a matrix product with a lower-triangular matrix of weights:
//!
//! ```text
//! wei = tril(ones(T, T)); wei = wei / wei.sum(1, keepdim=True)   (T, T)
//! xbow = wei @ x                                                 (B, T, T) @ (B, T, C) = (B, T, C)
//! ```
//!
//! In self-attention the weights are data-dependent, one matrix per example
//! (and per head), so here `wei` is `(B, T, T)`:
//!
//! ```text
//! out[b, t, :] = Σ_{s ≤ t} wei[b, t, s] · x[b, s, :]
//! ```
//!
//! Only the past and the present count: the entries of `wei` above the
//! diagonal (the future) are masked out and never read, whatever they hold.
//! [`averaging_weights`] builds the lecture's uniform `wei`; a causal softmax
//! ([`crate::layers::softmax`]) builds attention's.
//!
//! The backward pass is yours in `exercises/weighted_average.rs`.

use ndarray::{Array3, ArrayRef3, Axis, s};

use crate::error::{Result, expect_shape};
use crate::float::Float;
use crate::ops::matmul_acc;

/// `out = wei @ x` over the past, a new `(B, T, C)` array.
pub fn forward<F: Float>(wei: &ArrayRef3<F>, x: &ArrayRef3<F>) -> Result<Array3<F>> {
    let mut out = Array3::zeros(x.raw_dim());
    forward_into(wei, x, &mut out)?;
    Ok(out)
}

/// `out[b, t] = Σ_{s ≤ t} wei[b, t, s] · x[b, s]`, written into `out` (no
/// allocation): `wei (B, T, T)`, `x (B, T, C)`, `out (B, T, C)`.
pub fn forward_into<F: Float>(
    wei: &ArrayRef3<F>,
    x: &ArrayRef3<F>,
    out: &mut ArrayRef3<F>,
) -> Result<()> {
    let (b, t, c) = x.dim();
    expect_shape("weighted_average", "wei", wei.shape(), &[b, t, t])?;
    expect_shape("weighted_average", "output", out.shape(), &[b, t, c])?;
    out.fill(F::zero());
    for ((wei, x), mut out) in wei
        .axis_iter(Axis(0))
        .zip(x.axis_iter(Axis(0)))
        .zip(out.axis_iter_mut(Axis(0)))
    {
        for i in 0..t {
            // (1, i+1) @ (i+1, C): row i averages positions 0..=i only
            matmul_acc(
                &mut out.slice_mut(s![i..=i, ..]),
                &wei.slice(s![i..=i, ..=i]),
                &x.slice(s![..=i, ..]),
            );
        }
    }
    Ok(())
}

/// The lecture's uniform weights, `B` copies of `tril(ones(T, T))` with each
/// row divided by its sum: row `t` is `1/(t+1)` over the past, 0 beyond.
pub fn averaging_weights<F: Float>(b: usize, t: usize) -> Array3<F> {
    Array3::from_shape_fn((b, t, t), |(_, i, j)| {
        if j <= i {
            F::one() / F::count(i + 1)
        } else {
            F::zero()
        }
    })
}
