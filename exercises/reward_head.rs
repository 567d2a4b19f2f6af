//! # The reward head, backward — yours to write (State of GPT: the reward model)
//!
//! Forward (`src/layers/reward_head.rs`): `r[b] = x[b, end[b], :] · w[:, 0] + b[0]`,
//! a `Linear(C, 1)` read at one position per row, the end token. Accumulate
//! (`+=`) into `dx`, `grads.dw`, `grads.db`. The answer, with its
//! derivation, is in `solutions/reward_head.rs`.

use ndarray::{ArrayRef1, ArrayRef3};

use crate::float::Float;
use crate::layers::linear::{Linear, LinearGrads};

/// Accumulates (`+=`) `dx`, `dw`, `db` from `dr`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,        // (B, T, C)
    grads: &mut LinearGrads<F>,   // dw (C, 1), db (1,)
    dr: &ArrayRef1<F>,            // (B,)
    x: &ArrayRef3<F>,             // (B, T, C)
    end: &[usize],                // (B,), each row's end position
    head: &Linear<F>,             // w (C, 1), b (1,)
) {
    todo!("a Linear backward on the gathered rows x[b, end[b]]; every other position was never read")
}
