//! # Token + position embedding, backward — yours to write (lecture 7)
//!
//! Forward (`src/layers/position_embedding.rs`):
//! `x[b,t] = wte[idx[b,t]] + wpe[t]`. Accumulate (`+=`) into `grads.dwte`
//! and `grads.dwpe`. The answer, with its derivation, is in
//! `solutions/position_embedding.rs`.

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::position_embedding::PositionEmbeddingGrads;

/// Accumulates (`+=`) `dwte` and `dwpe` from `dout`.
pub fn backward<F: Float>(
    grads: &mut PositionEmbeddingGrads<F>, // dwte (V, C), dwpe (block, C)
    dout: &ArrayRef3<F>,                   // (B, T, C)
    idx: &ArrayRef2<usize>,                // (B, T)
) {
    todo!(
        "wte[v] was copied to every position holding token v; wpe[t] was broadcast over the batch"
    )
}
