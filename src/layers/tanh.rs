//! # Tanh: `out = tanh(x)`, element by element
//!
//! The MLP's non-linearity. Its backward pass is yours to write in
//! `exercises/tanh.rs`; the derivation is in `solutions/tanh.rs`.
//!
//! Shapes: `out` has the shape of `x`, whatever it is (`(B, H)` in the MLP).

use ndarray::{Array, ArrayRef, Dimension, Zip};

use crate::error::{Result, expect_shape};
use crate::float::Float;

/// `out = tanh(x)`, a new array.
pub fn forward<F: Float, D: Dimension>(x: &ArrayRef<F, D>) -> Array<F, D> {
    x.mapv(F::fast_tanh)
}

/// `out = tanh(x)`, written into `out` (no allocation).
pub fn forward_into<F: Float, D: Dimension>(
    x: &ArrayRef<F, D>,
    out: &mut ArrayRef<F, D>,
) -> Result<()> {
    expect_shape("tanh", "output", out.shape(), x.shape())?;
    let same_layout = out.strides() == x.strides();
    match (out.as_slice_memory_order_mut(), x.as_slice_memory_order()) {
        // the same memory order: one flat loop, vectorised
        (Some(out), Some(x)) if same_layout => crate::ops::map_into(out, x, F::fast_tanh),
        _ => Zip::from(out)
            .and(x)
            .for_each(|out, &x| *out = x.fast_tanh()),
    }
    Ok(())
}
