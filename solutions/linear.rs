//! # Linear, backward — solution
//!
//! Forward (`src/linear.rs`): `out = x @ w + b`, with
//! `x (B, I)`, `w (I, O)`, `b (O,)`, `out (B, O)`.
//!
//! Write one element of the output: `out[i,j] = Σ_k x[i,k]·w[k,j] + b[j]`.
//! Each input element reaches the loss only through the outputs it touches:
//!
//! - `x[i,k]` touches `out[i,j]` for every `j`, with local derivative `w[k,j]`:
//!   `dx[i,k] = Σ_j dout[i,j]·w[k,j]`, that is **`dx = dout @ wᵀ`**
//!   `(B, I) = (B, O) @ (O, I)`.
//! - `w[k,j]` touches `out[i,j]` for every row `i`, with local derivative
//!   `x[i,k]`: `dw[k,j] = Σ_i x[i,k]·dout[i,j]`, that is **`dw = xᵀ @ dout`**
//!   `(I, O) = (I, B) @ (B, O)`.
//! - `b[j]` was broadcast down the batch, so it touches every `out[i,j]` with
//!   derivative 1: **`db = dout.sum(axis 0)`** `(O,)`.
//!
//! A quick check that needs no algebra: each gradient has the shape of its
//! variable, and there is only one way to multiply `dout` with `w` or `x` to
//! get that shape.

use ndarray::ArrayRef2;

use crate::float::Float;
use crate::linear::{Linear, LinearGrads};
use crate::ops::matmul_acc;

/// Accumulates (`+=`) `dx = dout @ wᵀ`, `dw = xᵀ @ dout` and
/// `db = Σ_batch dout`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,      // (B, I)
    grads: &mut LinearGrads<F>, // dw (I, O), db (O,)
    dout: &ArrayRef2<F>,        // (B, O)
    x: &ArrayRef2<F>,           // (B, I)
    layer: &Linear<F>,          // w (I, O)
) {
    matmul_acc(dx, dout, &layer.w.t()); // dx += dout @ wᵀ
    matmul_acc(&mut grads.dw, &x.t(), dout); // dw += xᵀ @ dout
    if let Some(db) = &mut grads.db {
        for row in dout.rows() {
            *db += &row;
        }
    }
}
