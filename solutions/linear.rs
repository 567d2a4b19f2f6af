//! # Linear, backward — solution
//!
//! Forward (`src/layers/linear.rs`): `out = x @ w + b`, with
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

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::rows::{rows, rows_mut};
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

/// On `(B, T, I)` input (makemore part 5, the WaveNet): accumulates (`+=`)
/// the same three gradients, with the batch sums running over both `B` and `T`.
///
/// Forward: `out[b,t,j] = Σ_k x[b,t,k]·w[k,j] + b[j]`. The weight is shared by
/// every position of every example, so it collects a contribution from each:
///
/// - `dw[k,j] = Σ_b Σ_t x[b,t,k]·dout[b,t,j]`: both leading axes are summed.
/// - `db[j] = Σ_b Σ_t dout[b,t,j]`.
/// - `dx[b,t,k] = Σ_j dout[b,t,j]·w[k,j]`: each position on its own.
///
/// With the `B·T` positions as rows, `(B, T, I)` seen as `(B·T, I)`, these are
/// exactly the 2-D formulas: `dx = dout @ wᵀ`, `dw = xᵀ @ dout` (the matmul
/// sums over all `B·T` rows at once), `db = dout.sum(rows)`. In PyTorch,
/// `x.view(-1, I).T @ dout.view(-1, O)`.
pub fn backward_3d<F: Float>(
    dx: &mut ArrayRef3<F>,      // (B, T, I)
    grads: &mut LinearGrads<F>, // dw (I, O), db (O,)
    dout: &ArrayRef3<F>,        // (B, T, O)
    x: &ArrayRef3<F>,           // (B, T, I)
    layer: &Linear<F>,          // w (I, O)
) {
    backward(&mut rows_mut(dx), grads, &rows(dout), &rows(x), layer); // (B·T, ·)
}
