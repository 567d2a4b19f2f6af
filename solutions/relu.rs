//! # ReLU, backward — solution (lecture 7)
//!
//! Forward (`src/layers/relu.rs`): `out = max(x, 0)`, element by element.
//!
//! Where `x > 0` the layer is the identity (derivative 1); where `x < 0` it
//! is the constant 0 (derivative 0). (At `x = 0` it has no derivative;
//! PyTorch uses 0 there.) Each element reaches the loss only through its own
//! output, so
//!
//! **`dx = 1[out > 0] · dout`**, element-wise.
//!
//! The output says which side of the kink each element is on (`out > 0`
//! exactly when `x > 0`), so the forward pass keeps `out`, not `x`. A unit
//! whose input is negative for every example passes no gradient at all: a
//! "dead" ReLU.

use ndarray::{ArrayRef, Dimension, Zip};

use crate::float::Float;

/// Accumulates (`+=`) `dx = 1[out > 0] · dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    out: &ArrayRef<F, D>,    // max(x, 0), shape of x
) {
    Zip::from(dx)
        .and(dout)
        .and(out)
        .for_each(|dx, &dout, &out| {
            if out > F::zero() {
                *dx += dout;
            }
        });
}
