//! # Embedding, backward — yours to write
//!
//! Forward (`src/layers/embedding.rs`): `out[b,t,:] = table[idx[b,t], :]`, with
//! `table (V, E)`, `idx (B, T)`, `out (B, T, E)`. Accumulate (`+=`) into
//! `grads.dtable`. The answer, with its derivation, is in
//! `solutions/embedding.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::embedding::EmbeddingGrads;

/// Accumulates (`+=`) each `dout[b,t]` into the row of `dtable` it came from.
pub fn backward<F: Float>(
    grads: &mut EmbeddingGrads<F>, // dtable (V, E)
    dout: &ArrayRef3<F>,           // (B, T, E)
    idx: &ArrayRef2<usize>,        // (B, T)
) {
    todo!("loop over idx; a row looked up several times must receive every gradient, added")
}
