//! # Cross-entropy over a sequence with ignored targets, backward — solution (lecture 7)
//!
//! Forward (`src/layers/sequence_cross_entropy.rs`): `p[b,t] = softmax(logits[b,t])`
//! over `V` classes, and, with `n` the number of positions whose target is
//! not `-1`,
//!
//! ```text
//! loss = -1/n Σ_{(b,t) counted} log p[b,t, y[b,t]]
//! ```
//!
//! A counted position is the backprop lecture's exercise 2, one row:
//! `∂(-log p_y)/∂l_j = p_j - 1[j = y]`. An ignored position is not in the
//! sum at all, so its logits get **zero** gradient, even though the forward
//! pass computed their softmax. And the mean divides by `n`, the counted
//! positions, not by `B·T`:
//!
//! ```text
//! dlogits[b,t] = dloss/n · (p[b,t] - one_hot(y[b,t]))   if y[b,t] ≠ -1
//!              = 0                                       if y[b,t] = -1
//! ```
//!
//! (This is `F.cross_entropy(logits.view(-1, V), y.view(-1), ignore_index=-1)`
//! of makemore.)

use ndarray::{ArrayRef2, ArrayRef3, Axis, Zip};

use crate::float::Float;
use crate::layers::sequence_cross_entropy::{IGNORE, SequenceCrossEntropyCache};

/// Accumulates (`+=`) `dlogits = dloss/n · (probs - one_hot(y))` at the
/// counted positions, nothing at the ignored ones.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef3<F>,           // (B, T, V)
    dloss: F,                             // the gradient arriving at the loss, 1 at the top
    cache: &SequenceCrossEntropyCache<F>, // probs (B, T, V)
    targets: &ArrayRef2<i64>,             // (B, T), -1 = ignored
) {
    let n = targets.iter().filter(|&&y| y != IGNORE).count();
    let scale = dloss / F::count(n);
    Zip::from(dlogits.lanes_mut(Axis(2)))
        .and(cache.probs.lanes(Axis(2)))
        .and(targets)
        .for_each(|mut dl, p, &y| {
            if y == IGNORE {
                return; // not in the loss: no gradient
            }
            Zip::from(&mut dl)
                .and(&p)
                .for_each(|dl, &p| *dl += scale * p);
            dl[y as usize] -= scale;
        });
}
