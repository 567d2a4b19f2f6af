//! # CrossEntropy, backward — solution (the lecture's exercise 2)
//!
//! Forward (`src/layers/cross_entropy.rs`): `p_i = softmax(l_i)` for each row of
//! logits `l (B, V)`, and `loss = -1/n Σ_i log p_{i,y_i}`.
//!
//! Take one row and drop its index. With `p_j = e^{l_j} / Σ_k e^{l_k}`,
//! `log p_y = l_y - log Σ_k e^{l_k}`, so
//!
//! ```text
//! ∂(-log p_y)/∂l_j = -1[j = y] + e^{l_j} / Σ_k e^{l_k} = p_j - 1[j = y]
//! ```
//!
//! and the mean over the batch divides by `n`:
//!
//! **`dlogits = dloss · (probs - one_hot(y)) / n`**   `(B, V)`
//!
//! The picture the lecture draws: every wrong class is pushed down by its
//! probability, the right class is pulled up by `1 - p_y`, and each row of
//! `dlogits` sums to zero. The max subtracted in the forward pass has no
//! effect here at all: softmax does not change when a row is shifted.

use ndarray::{ArrayRef2, Zip};

use crate::float::Float;
use crate::layers::cross_entropy::CrossEntropyCache;

/// Accumulates (`+=`) `dlogits = dloss · (probs - one_hot(targets)) / n`.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef2<F>,   // (B, V)
    dloss: F,                     // the gradient arriving at the loss, 1 at the top
    cache: &CrossEntropyCache<F>, // probs (B, V)
    targets: &[usize],            // (B,)
) {
    let scale = dloss / F::count(dlogits.nrows());
    Zip::from(dlogits.rows_mut())
        .and(cache.probs.rows())
        .and(targets)
        .for_each(|mut dlogits, probs, &y| {
            Zip::from(&mut dlogits)
                .and(&probs)
                .for_each(|dl, &p| *dl += scale * p);
            dlogits[y] -= scale;
        });
}
