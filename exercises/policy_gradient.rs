//! # The policy gradient with a group baseline, backward — yours to write (State of GPT: RLHF)
//!
//! Forward (`src/layers/policy_gradient.rs`): each answer's advantage
//! `A[n] = r[n] − its group's mean reward` (GRPO: divided by the group's
//! std + eps; `advantages(rewards, pg)` there computes them), and the loss
//! `−1/M Σ_{n,t} mask[n,t] · A[n] · logp[n,t]`, `M` the number of answer
//! tokens. The rewards are constants. Accumulate (`+=`) into `dlogp`. The
//! answer, with its derivation, is in `solutions/policy_gradient.rs`.

use ndarray::{ArrayRef1, ArrayRef2};

use crate::float::Float;
use crate::layers::policy_gradient::PolicyGradient;

/// Accumulates (`+=`) `dlogp` from `dloss`.
pub fn backward<F: Float>(
    dlogp: &mut ArrayRef2<F>,  // (N, T)
    dloss: F,                  // the gradient arriving at the loss, 1 at the top
    rewards: &ArrayRef1<F>,    // (N,), G answers per prompt, consecutive
    mask: &ArrayRef2<bool>,    // (N, T), true at the answer's tokens
    pg: &PolicyGradient,       // G, and GRPO's normalisation
) {
    todo!(
        "the loss is linear in logp: each answer token gets minus its answer's advantage (reward minus the group's mean), over the number of answer tokens"
    )
}
