//! # The KL penalty to the frozen reference model
//!
//! RLHF keeps the policy near the model it started from (*State of GPT*:
//! the SFT model), or it finds answers the reward model scores highly and
//! no one would write. The penalty is the KL divergence from the policy to
//! the frozen reference, estimated on the sampled answers' tokens, one
//! number per token, as a mean over the answer tokens of the batch. With
//! `u = logp_ref - logp` (the log of the reference's probability over the
//! policy's, at the sampled token):
//!
//! ```text
//! k1   = -u = logp - logp_ref             unbiased, can be negative
//! k3   = exp(u) - u - 1                   unbiased, never negative (Schulman's k3)
//! kl   = 1/M Σ_{n,t} mask[n,t] · k[n,t]   M the answer tokens
//! ```
//!
//! Both estimate `KL(π || π_ref)` when the tokens are sampled from the
//! policy: `E[k1]` is the KL by definition, and `E[exp(u)] = 1` makes `k3`
//! the same in expectation with far less variance. The reference is frozen:
//! `logp_ref` is a constant, and only the policy's `logp` gets a gradient.
//! The backward pass is yours to write in `exercises/kl_penalty.rs`; the
//! derivation is in `solutions/kl_penalty.rs`.

use ndarray::{ArrayRef2, Zip};

use crate::error::{Result, expect_shape};
use crate::float::Float;
use crate::layers::answer_logprob::check_mask;

/// How the KL of one token is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KlEstimator {
    /// `logp - logp_ref`.
    K1,
    /// `exp(u) - u - 1`, `u = logp_ref - logp`.
    K3,
}

impl KlEstimator {
    /// Both, in the order the chapter meets them.
    pub const ALL: [KlEstimator; 2] = [KlEstimator::K1, KlEstimator::K3];

    /// `"k1"`, `"k3"`.
    pub fn name(self) -> &'static str {
        match self {
            KlEstimator::K1 => "k1",
            KlEstimator::K3 => "k3",
        }
    }

    /// One token's estimate, from the policy's and the reference's
    /// log-probabilities of it. `k3` as `expm1(u) - u`: no cancellation
    /// when the two are close.
    pub fn at<F: Float>(self, logp: F, logp_ref: F) -> F {
        let u = logp_ref - logp;
        match self {
            KlEstimator::K1 => -u,
            KlEstimator::K3 => u.exp_m1() - u,
        }
    }
}

/// The mean over answer tokens of `estimator` at each token, from the
/// policy's `logp (N, T)` and the frozen reference's `logp_ref (N, T)`.
pub fn forward<F: Float>(
    logp: &ArrayRef2<F>,
    logp_ref: &ArrayRef2<F>,
    mask: &ArrayRef2<bool>,
    estimator: KlEstimator,
) -> Result<F> {
    let m = check_mask("kl_penalty", mask, logp.shape())?;
    expect_shape(
        "kl_penalty",
        "the reference's logp",
        logp_ref.shape(),
        logp.shape(),
    )?;
    let mut sum = F::zero();
    Zip::from(logp)
        .and(logp_ref)
        .and(mask)
        .for_each(|&l, &r, &m| {
            if m {
                sum += estimator.at(l, r);
            }
        });
    Ok(sum / F::count(m))
}
