//! # The KL penalty to the frozen reference, backward — solution (State of GPT: RLHF)
//!
//! Forward (`src/layers/kl_penalty.rs`), per token, `u = logp_ref - logp`:
//!
//! ```text
//! k1 = logp - logp_ref
//! k3 = exp(u) - u - 1
//! kl = 1/M Σ_{n,t} mask[n,t] · k[n,t]
//! ```
//!
//! Each token's `k` depends on its own `logp` and nothing else of the
//! policy. `k1` is linear: `∂k1/∂logp = 1`. `k3` through `u`, whose
//! derivative is `∂u/∂logp = -1`: `∂k3/∂u = exp(u) - 1`, so
//!
//! ```text
//! ∂k3/∂logp = 1 - exp(u) = 1 - exp(logp_ref - logp)
//! dlogp[n,t] = dloss · mask[n,t] · ∂k/∂logp / M                    (N, T)
//! ```
//!
//! `k3`'s gradient is zero where the policy agrees with the reference and
//! grows as they part, in either direction, with the right sign: it pulls
//! `logp` back toward `logp_ref`. `k1`'s is the same `1/M` at every
//! answer token, whatever the reference says: it lowers every sampled
//! token's probability, which pulls toward the reference only on average
//! over samples.
//!
//! **The reference is frozen.** `logp_ref` is a constant: the reference
//! model is the SFT model, fixed, and nothing of it is trained. Were its
//! log-probabilities given a gradient too (a reference that shares the
//! policy's weights, not detached), `∂k/∂logp_ref = -∂k/∂logp` would
//! be added to the same weights and cancel it: a KL penalty that pulls
//! nothing. Only the prompt's tokens are left out (mask), and the mean
//! divides by the `M` answer tokens.

use ndarray::{ArrayRef2, Zip};

use crate::float::Float;
use crate::layers::answer_logprob::answer_tokens;
use crate::layers::kl_penalty::KlEstimator;

/// Accumulates (`+=`) `dlogp = dloss · mask · ∂k/∂logp / M`.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>, // (N, T)
    dloss: F,                 // the gradient arriving at the penalty
    logp: &ArrayRef2<F>,      // (N, T), the policy's
    logp_ref: &ArrayRef2<F>,  // (N, T), the frozen reference's
    mask: &ArrayRef2<bool>,   // (N, T), true at the answer's tokens
    estimator: KlEstimator,   // K1 or K3
) {
    let scale = dloss / F::count(answer_tokens(mask));
    Zip::from(dlogp)
        .and(logp)
        .and(logp_ref)
        .and(mask)
        .for_each(|d, &l, &r, &m| {
            if !m {
                return; // the prompt: not in the mean
            }
            let dk = match estimator {
                KlEstimator::K1 => F::one(),
                KlEstimator::K3 => -(r - l).exp_m1(), // 1 - exp(u)
            };
            *d += scale * dk;
        });
}
