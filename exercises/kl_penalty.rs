//! # The KL penalty to the frozen reference, backward — yours to write (State of GPT: RLHF)
//!
//! Forward (`src/layers/kl_penalty.rs`): with `u = logp_ref − logp` at each
//! token, `k1 = logp − logp_ref` or `k3 = exp(u) − u − 1`, and the penalty
//! is their mean over the answer tokens (mask true; `M` of them). The
//! reference is frozen: `logp_ref` is a constant. Accumulate (`+=`) into
//! `dlogp`. The answer, with its derivation, is in `solutions/kl_penalty.rs`.

use ndarray::ArrayRef2;

use crate::float::Float;
use crate::layers::kl_penalty::KlEstimator;

/// Accumulates (`+=`) `dlogp` from `dloss`.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>,   // (N, T)
    dloss: F,                   // the gradient arriving at the penalty
    logp: &ArrayRef2<F>,        // (N, T), the policy's
    logp_ref: &ArrayRef2<F>,    // (N, T), the frozen reference's
    mask: &ArrayRef2<bool>,     // (N, T), true at the answer's tokens
    estimator: KlEstimator,     // K1 or K3
) {
    todo!(
        "differentiate k with respect to logp alone (logp_ref is a constant), through u = logp_ref − logp for k3; a mean over answer tokens"
    )
}
