//! # Tanh, backward — yours to write
//!
//! Forward (`src/layers/tanh.rs`): `out = tanh(x)`, element by element.
//! Accumulate (`+=`) into `dx`. The answer, with its derivation, is in
//! `solutions/tanh.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::{ArrayRef, Dimension};

use crate::float::Float;

/// Accumulates (`+=`) `dx` from `dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    out: &ArrayRef<F, D>,    // tanh(x), shape of x
) {
    todo!("d tanh(x)/dx = 1 - tanh(x)^2, and you have tanh(x): it is `out`")
}
