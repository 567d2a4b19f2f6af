//! # Embedding, backward — solution
//!
//! Forward (`src/layers/embedding.rs`): `out[b,t,:] = table[idx[b,t], :]`, with
//! `table (V, E)`, `idx (B, T)`, `out (B, T, E)`.
//!
//! A lookup copies a row, so the derivative of `out[b,t,e]` with respect to
//! `table[v,e]` is 1 when `idx[b,t] == v` and 0 otherwise. Summing over every
//! place a row was used:
//!
//! **`dtable[v,:] = Σ_{(b,t) : idx[b,t] = v} dout[b,t,:]`**
//!
//! A token that appears several times in the batch (the boundary `.` in
//! almost every context) receives every one of those gradients: the update
//! must *add* to `dtable[v]`, never overwrite it. A loop over the batch says
//! exactly that, and it is the clearest way to write it (the lecture writes
//! it as a loop too; PyTorch calls it `index_add_`).

use ndarray::{ArrayRef2, ArrayRef3, Axis};

use crate::float::Float;
use crate::layers::embedding::EmbeddingGrads;

/// Accumulates (`+=`) each `dout[b,t]` into the row `idx[b,t]` of `dtable`.
pub fn backward<F: Float>(
    grads: &mut EmbeddingGrads<F>, // dtable (V, E)
    dout: &ArrayRef3<F>,           // (B, T, E)
    idx: &ArrayRef2<usize>,        // (B, T)
) {
    for (drow, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
        let mut dtable_row = grads.dtable.row_mut(v); // (E,)
        dtable_row += &drow;
    }
}
