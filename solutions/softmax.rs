//! # Causal softmax, backward — solution
//!
//! Forward (`src/layers/softmax.rs`, lecture 7 "Let's build GPT"), each row
//! `t` of each matrix on its own, over the past `s ≤ t`:
//!
//! ```text
//! att[t, s] = exp(scores[t, s]) / Σ_{s' ≤ t} exp(scores[t, s'])    (s ≤ t);  att[t, s] = 0  (s > t)
//! ```
//!
//! Within a row, with `a = att[t, :]`, the Jacobian of the softmax is
//! `∂a_s/∂scores_j = a_s·(δ_sj − a_j)` (the lecture's cross-entropy
//! derivation, once more). So
//!
//! ```text
//! dscores_j = Σ_s datt_s · a_s·(δ_sj − a_j) = a_j·datt_j − a_j·Σ_s a_s·datt_s
//! ```
//!
//! **`dscores = att ⊙ (datt − Σ_row att ⊙ datt)`**, `(N, T, T)`, the sum
//! over the last axis broadcast back along it. The row sum is there because
//! every probability of a row shares one denominator: raising one score
//! lowers every other probability of its row.
//!
//! The masked scores were `-∞`: they do not reach the loss, and their
//! gradient is 0. The formula gives exactly that, because `att` is 0 there,
//! whatever the upstream `datt` holds above the diagonal (and it is multiplied
//! by that 0 inside the row sum too).

use ndarray::{ArrayRef3, Zip};

use crate::float::Float;

/// Accumulates (`+=`) `dscores = att ⊙ (datt − Σ_row att ⊙ datt)`.
pub fn backward<F: Float>(
    dscores: &mut ArrayRef3<F>, // (N, T, T)
    datt: &ArrayRef3<F>,        // (N, T, T)
    att: &ArrayRef3<F>,         // (N, T, T), zero above the diagonal
) {
    Zip::from(dscores.rows_mut())
        .and(datt.rows())
        .and(att.rows())
        .for_each(|dscores, datt, att| {
            let dot = att.dot(&datt); // Σ_s att[t, s]·datt[t, s]
            Zip::from(dscores)
                .and(datt)
                .and(att)
                .for_each(|ds, &da, &a| *ds += a * (da - dot));
        });
}
