//! # Causal softmax, backward — yours to write
//!
//! Lecture 7, "Let's build GPT". Forward (`src/layers/softmax.rs`), each row
//! `t` over the past `s ≤ t`, the future masked to `-∞`:
//!
//! ```text
//! att[n, t, s] = exp(scores[n, t, s]) / Σ_{s' ≤ t} exp(scores[n, t, s'])   (s ≤ t);  0 (s > t)
//! ```
//!
//! Edit only the function body; accumulate (`+=`) into `dscores`. The
//! answer, with its derivation, is in `solutions/softmax.rs`.

use ndarray::ArrayRef3;

use crate::float::Float;

/// Accumulates (`+=`) `dscores` from `datt`, in one expression if you can.
pub fn backward<F: Float>(
    dscores: &mut ArrayRef3<F>, // (N, T, T)
    datt: &ArrayRef3<F>,        // (N, T, T)
    att: &ArrayRef3<F>,         // (N, T, T), zero above the diagonal
) {
    todo!(
        "every probability of a row shares its denominator: dscores = att ⊙ (datt − the row's Σ att ⊙ datt); the masked scores must get 0"
    )
}
