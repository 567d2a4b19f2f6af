//! # ReLU: `out = max(x, 0)`, element by element
//!
//! Lecture 7 ("Let's build GPT"): the non-linearity of the feed-forward
//! layer, `nn.Sequential(nn.Linear(C, 4C), nn.ReLU(), nn.Linear(4C, C))`,
//! where each position "thinks on" what attention gathered. The backward
//! pass is yours to write in `exercises/relu.rs`; the derivation is in
//! `solutions/relu.rs`.

use ndarray::{Array, ArrayRef, Dimension, Zip};

use crate::error::{Result, expect_shape};
use crate::float::Float;

/// `max(x, 0)`.
#[inline]
pub fn relu<F: Float>(x: F) -> F {
    if x > F::zero() { x } else { F::zero() }
}

/// `out = max(x, 0)`, a new array.
pub fn forward<F: Float, D: Dimension>(x: &ArrayRef<F, D>) -> Array<F, D> {
    x.mapv(relu)
}

/// `out = max(x, 0)`, written into `out` (no allocation).
pub fn forward_into<F: Float, D: Dimension>(
    x: &ArrayRef<F, D>,
    out: &mut ArrayRef<F, D>,
) -> Result<()> {
    expect_shape("relu", "output", out.shape(), x.shape())?;
    let same_layout = out.strides() == x.strides();
    match (out.as_slice_memory_order_mut(), x.as_slice_memory_order()) {
        (Some(out), Some(x)) if same_layout => crate::ops::map_into(out, x, relu),
        _ => Zip::from(out).and(x).for_each(|out, &x| *out = relu(x)),
    }
    Ok(())
}
