//! # CrossEntropy, backward — yours to write (the lecture's exercise 2)
//!
//! Forward (`src/layers/cross_entropy.rs`): `probs = softmax(logits)` row by row,
//! `loss = -1/n Σ_i log probs[i, targets[i]]`. Derive `dlogits` in one
//! expression and accumulate (`+=`) it into `dlogits`, scaled by `dloss`.
//! The answer, with its derivation, is in `solutions/cross_entropy.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::ArrayRef2;

use crate::float::Float;
use crate::layers::cross_entropy::CrossEntropyCache;

/// Accumulates (`+=`) `dlogits` from `dloss`.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef2<F>,   // (B, V)
    dloss: F,                     // the gradient arriving at the loss, 1 at the top
    cache: &CrossEntropyCache<F>, // probs (B, V)
    targets: &[usize],            // (B,)
) {
    todo!(
        "differentiate -log softmax(l)[y] with respect to l_j: two cases, j == y and j != y; then divide by n"
    )
}
