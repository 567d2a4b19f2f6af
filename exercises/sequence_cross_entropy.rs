//! # Cross-entropy over a sequence with ignored targets, backward — yours to write (lecture 7)
//!
//! Forward (`src/layers/sequence_cross_entropy.rs`): softmax of every
//! position's logits `(B, T, V)`, and the mean of `-log p[target]` over the
//! positions whose target is not `-1` (`IGNORE`, makemore's padding).
//! Accumulate (`+=`) into `dlogits`. The answer, with its derivation, is in
//! `solutions/sequence_cross_entropy.rs`.

use ndarray::{ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::sequence_cross_entropy::SequenceCrossEntropyCache;

/// Accumulates (`+=`) `dlogits` from `dloss`.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef3<F>,           // (B, T, V)
    dloss: F,                             // the gradient arriving at the loss, 1 at the top
    cache: &SequenceCrossEntropyCache<F>, // probs (B, T, V)
    targets: &ArrayRef2<i64>,             // (B, T), -1 = ignored
) {
    todo!(
        "exercise 2 at each counted position; an ignored one is not in the loss, and the mean is over how many?"
    )
}
