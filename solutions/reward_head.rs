//! # The reward head, backward — solution (State of GPT: the reward model)
//!
//! Forward (`src/layers/reward_head.rs`), `x (B, T, C)`, `end (B,)`,
//! `w (C, 1)`, `b (1,)`:
//!
//! ```text
//! h[b] = x[b, end[b], :]                 (B, C)   the gather
//! r[b] = h[b] · w[:, 0] + b[0]           (B,)     a Linear(C, 1)
//! ```
//!
//! The Linear is the course's first exercise with one output column:
//! `dw = hᵀ @ dr`, `db = Σ_b dr[b]`, `dh = dr ⊗ w[:, 0]`:
//!
//! ```text
//! dw[:, 0] = Σ_b dr[b] · x[b, end[b], :]       (C,)
//! db[0]    = Σ_b dr[b]
//! dh[b]    = dr[b] · w[:, 0]                   (C,)
//! ```
//!
//! The gather is an indexing: `x[b, t]` reaches the loss only if
//! `t = end[b]`, so its gradient is `dh[b]` there and **zero at every other
//! position** of the row, in particular at the padding after the end token
//! and at the last position of the row (which a head reading `x[:, -1]`
//! would wrongly use). Each row has one end: no position receives two
//! contributions, but `+=` keeps what `dx` held.

use ndarray::{ArrayRef1, ArrayRef3, Zip, s};

use crate::float::Float;
use crate::layers::linear::{Linear, LinearGrads};

/// Accumulates (`+=`) `dx[b, end[b]] = dr[b]·w`, `dw = Σ_b dr[b]·x[b, end[b]]`,
/// `db = Σ_b dr[b]`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,      // (B, T, C)
    grads: &mut LinearGrads<F>, // dw (C, 1), db (1,)
    dr: &ArrayRef1<F>,          // (B,)
    x: &ArrayRef3<F>,           // (B, T, C)
    end: &[usize],              // (B,), each row's end position
    head: &Linear<F>,           // w (C, 1), b (1,)
) {
    let w = head.w.column(0);
    for (row, (&e, &d)) in end.iter().zip(dr).enumerate() {
        Zip::from(dx.slice_mut(s![row, e, ..]))
            .and(&w)
            .for_each(|dx, &w| *dx += d * w);
        Zip::from(grads.dw.column_mut(0))
            .and(x.slice(s![row, e, ..]))
            .for_each(|dw, &x| *dw += d * x);
        if let Some(db) = &mut grads.db {
            db[0] += d;
        }
    }
}
