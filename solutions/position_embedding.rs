//! # Token + position embedding, backward — solution (lecture 7)
//!
//! Forward (`src/layers/position_embedding.rs`):
//! `x[b,t] = wte[idx[b,t]] + wpe[t]`, with `wte (V, C)`, `wpe (block, C)`,
//! `x (B, T, C)`.
//!
//! A sum passes its gradient unchanged to both terms; what differs is where
//! each term came from.
//!
//! - `wte[v]` was copied into every position whose token is `v`: its
//!   gradient collects each of them, **`dwte[idx[b,t]] += dx[b,t]`**, a
//!   scatter-add (the embedding of makemore, `dC` in the backprop lecture).
//! - `wpe[t]` was broadcast over the batch, into `x[b,t]` for every `b`: its
//!   gradient is the sum over the batch, **`dwpe[t] += Σ_b dx[b,t]`**, for
//!   `t < T`; rows of `wpe` past `T` were not used and get nothing.
//!
//! Broadcasting in the forward pass is a sum in the backward pass, as for
//! every bias of the course.

use ndarray::{ArrayRef2, ArrayRef3, Zip, s};

use crate::float::Float;
use crate::layers::position_embedding::PositionEmbeddingGrads;

/// Accumulates (`+=`) `dwte` (scatter-add by token) and `dwpe` (summed over
/// the batch) from `dout`.
pub fn backward<F: Float>(
    grads: &mut PositionEmbeddingGrads<F>, // dwte (V, C), dwpe (block, C)
    dout: &ArrayRef3<F>,                   // (B, T, C)
    idx: &ArrayRef2<usize>,                // (B, T)
) {
    let t = idx.ncols();
    for (dout, idx) in dout.outer_iter().zip(idx.rows()) {
        // one example, (T, C)
        for (drow, &v) in dout.outer_iter().zip(&idx) {
            let mut dwte = grads.dwte.row_mut(v);
            dwte += &drow; // dwte[idx[b,t]] += dx[b,t]
        }
        let mut dwpe = grads.dwpe.slice_mut(s![..t, ..]);
        Zip::from(&mut dwpe).and(&dout).for_each(|g, &d| *g += d); // dwpe[t] += dx[b,t]
    }
}
