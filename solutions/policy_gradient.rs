//! # The policy gradient with a group baseline, backward — solution (State of GPT: RLHF)
//!
//! Forward (`src/layers/policy_gradient.rs`), `G` answers per prompt:
//!
//! ```text
//! A[n] = r[n] - mean_g r             ( / (std_g r + eps) for GRPO )     (N,)
//! M    = Σ_{n,t} mask[n,t]
//! loss = -1/M Σ_{n,t} mask[n,t] · A[n] · logp[n,t]
//! ```
//!
//! The advantages depend on the rewards alone, which the reward model gave:
//! constants here, so the loss is **linear** in `logp` and each token's
//! derivative is its coefficient,
//!
//! ```text
//! dlogp[n,t] = -dloss · A[n] · mask[n,t] / M                            (N, T)
//! ```
//!
//! That is REINFORCE: `∇ E[r] = E[A · ∇ log π(answer)]`, the score function
//! weighted by how good the answer was, with the minus of a loss that is
//! minimised. Each piece matters: the **sign** (an answer better than its
//! group is made likelier, so descending the loss must raise its `logp`),
//! the **baseline** (with `r` in place of `A`, every answer with a positive
//! reward is pushed up, the bad ones too, only less: the same expected
//! gradient, far more noise; a group of one has no baseline at all), the
//! **mask** (the prompt was given, not sampled: its tokens get nothing) and
//! the **mean** over the `M` answer tokens (else the step grows with the
//! batch).

use ndarray::{ArrayRef1, ArrayRef2, Zip};

use crate::float::Float;
use crate::layers::answer_logprob::answer_tokens;
use crate::layers::policy_gradient::{PolicyGradient, advantages};

/// Accumulates (`+=`) `dlogp = -dloss · A[n] · mask / M`.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>, // (N, T)
    dloss: F,                 // the gradient arriving at the loss, 1 at the top
    rewards: &ArrayRef1<F>,   // (N,), G answers per prompt, consecutive
    mask: &ArrayRef2<bool>,   // (N, T), true at the answer's tokens
    pg: &PolicyGradient,      // G, and GRPO's normalisation
) {
    let a = advantages(rewards, pg).expect("rewards checked by the forward pass");
    let scale = -dloss / F::count(answer_tokens(mask));
    Zip::from(dlogp.rows_mut())
        .and(mask.rows())
        .and(&a)
        .for_each(|mut dlogp, mask, &a| {
            Zip::from(&mut dlogp).and(&mask).for_each(|d, &m| {
                if m {
                    *d += scale * a;
                }
            });
        });
}
