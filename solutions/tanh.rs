//! # Tanh, backward — solution
//!
//! Forward (`src/layers/tanh.rs`): `out = tanh(x)`, element by element.
//!
//! The derivative of tanh is best written with its own output:
//! `d tanh(x)/dx = 1 - tanh(x)² = 1 - out²`. Each element of `x` reaches the
//! loss only through its own element of `out`, so
//!
//! **`dx = (1 - out²) · dout`**, element-wise, the shape of `x`.
//!
//! Using `out` rather than `x` is why the forward pass keeps its output: no
//! second `tanh` is needed. It also shows why saturated units learn slowly:
//! where `|out| ≈ 1`, almost no gradient passes.

use ndarray::{ArrayRef, Dimension, Zip};

use crate::float::Float;

/// Accumulates (`+=`) `dx = (1 - out²) · dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    out: &ArrayRef<F, D>,    // tanh(x), shape of x
) {
    Zip::from(dx)
        .and(dout)
        .and(out)
        .for_each(|dx, &dout, &out| *dx += (F::one() - out * out) * dout);
}
