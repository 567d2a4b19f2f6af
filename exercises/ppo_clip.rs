//! # PPO's clipped surrogate, backward — yours to write (State of GPT: RLHF)
//!
//! Forward (`src/layers/ppo_clip.rs`): per answer token, `ratio =
//! exp(logp − logp_old)`, `surr = min(ratio·A[n], clip(ratio, 1 − ε, 1 +
//! ε)·A[n])`, and the loss is `−1/M Σ mask · surr` over the `M` answer
//! tokens. `logp_old` and the advantages are constants. Accumulate (`+=`)
//! into `dlogp`. The answer, with its derivation, is in `solutions/ppo_clip.rs`.

use ndarray::{ArrayRef1, ArrayRef2};

use crate::float::Float;
use crate::layers::ppo_clip::PpoClip;

/// Accumulates (`+=`) `dlogp` from `dloss`.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>,      // (N, T)
    dloss: F,                      // the gradient arriving at the loss, 1 at the top
    logp: &ArrayRef2<F>,           // (N, T), the policy's now
    logp_old: &ArrayRef2<F>,       // (N, T), the policy's when it sampled
    advantages: &ArrayRef1<F>,     // (N,), one per answer
    mask: &ArrayRef2<bool>,        // (N, T), true at the answer's tokens
    clip: &PpoClip,                // ε
) {
    todo!(
        "d ratio/d logp = ratio; the minimum passes the gradient of the term it takes, and the clipped term is a constant"
    )
}
