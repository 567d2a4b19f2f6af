//! # ReLU, backward — yours to write (lecture 7)
//!
//! Forward (`src/layers/relu.rs`): `out = max(x, 0)`, element by element.
//! Accumulate (`+=`) into `dx`. The answer, with its derivation, is in
//! `solutions/relu.rs`.

use ndarray::{ArrayRef, Dimension};

use crate::float::Float;

/// Accumulates (`+=`) `dx` from `dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    out: &ArrayRef<F, D>,    // max(x, 0), shape of x
) {
    todo!("on each side of the kink ReLU is a line: slope 1 or 0; `out` tells you which side")
}
