//! # PPO's clipped surrogate, backward — solution (State of GPT: RLHF)
//!
//! Forward (`src/layers/ppo_clip.rs`), per token, `A = A[n]` constant:
//!
//! ```text
//! ratio = exp(logp - logp_old)
//! surr  = min(ratio · A, clip(ratio, 1 - ε, 1 + ε) · A)
//! loss  = -1/M Σ_{n,t} mask[n,t] · surr[n,t]
//! ```
//!
//! `∂ratio/∂logp = ratio` (`logp_old` is a constant: the policy that
//! sampled). A minimum passes the gradient of the term it takes, and the
//! clipped term is a constant wherever the clip is active, so there are
//! two cases. Where the minimum takes `ratio · A`, `∂surr/∂logp = A ·
//! ratio`. Where it takes the clipped term, zero. Which one it takes:
//!
//! ```text
//! A > 0:  min(ratio, clip(ratio)) · A  is clipped when ratio > 1 + ε
//! A < 0:  max(ratio, clip(ratio)) · A  is clipped when ratio < 1 - ε
//! ```
//!
//! That is, the clip holds a token once the policy has moved it far enough
//! **in the direction its advantage asks** (a good answer made much
//! likelier, a bad one much less likely): no more push there. Moved the
//! other way, the ratio term is the smaller and the gradient stays, so a
//! mistake can still be undone. So, with `M` the answer tokens,
//!
//! ```text
//! dlogp[n,t] = -dloss · mask[n,t] · A[n] · ratio[n,t] / M    unless the clip holds
//!            = 0                                                where it holds
//! ```
//!
//! At `ratio = 1` (the first step on fresh samples) this is the policy
//! gradient's `-A/M`. At the kinks `ratio = 1 ± ε` the surrogate has no
//! derivative; the clip's test is strict, as PyTorch's `min` takes the
//! first term on a tie.

use ndarray::{ArrayRef1, ArrayRef2, Zip};

use crate::float::Float;
use crate::layers::answer_logprob::answer_tokens;
use crate::layers::ppo_clip::PpoClip;

/// Accumulates (`+=`) `dlogp = -dloss · A · ratio / M` where the clip does
/// not hold, nothing where it does.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>,  // (N, T)
    dloss: F,                  // the gradient arriving at the loss, 1 at the top
    logp: &ArrayRef2<F>,       // (N, T), the policy's now
    logp_old: &ArrayRef2<F>,   // (N, T), the policy's when it sampled
    advantages: &ArrayRef1<F>, // (N,), one per answer
    mask: &ArrayRef2<bool>,    // (N, T), true at the answer's tokens
    clip: &PpoClip,            // ε
) {
    let scale = -dloss / F::count(answer_tokens(mask));
    Zip::from(dlogp.rows_mut())
        .and(logp.rows())
        .and(logp_old.rows())
        .and(mask.rows())
        .and(advantages)
        .for_each(|mut d, logp, logp_old, mask, &a| {
            Zip::from(&mut d)
                .and(&logp)
                .and(&logp_old)
                .and(&mask)
                .for_each(|d, &l, &old, &m| {
                    let ratio = (l - old).exp();
                    if m && !clip.holds(ratio, a) {
                        *d += scale * a * ratio;
                    }
                });
        });
}
