//! # PPO's clipped surrogate
//!
//! The policy gradient takes one step per batch of samples. PPO takes
//! several, on the same samples, which the policy drifts away from: the
//! **ratio** of the policy's probability of a sampled token to the one it
//! had when it sampled it (`logp_old`, a constant) reweighs each token,
//! and the **clip** stops a token's push once its ratio has left `[1 - ε,
//! 1 + ε]` in the direction its advantage pushes it. Per answer token, with
//! `A[n]` its answer's advantage (constant):
//!
//! ```text
//! ratio[n,t] = exp(logp[n,t] - logp_old[n,t])
//! surr[n,t]  = min(ratio · A[n], clip(ratio, 1 - ε, 1 + ε) · A[n])
//! loss       = -1/M Σ_{n,t} mask[n,t] · surr[n,t]         M the answer tokens
//! ```
//!
//! At the first step on fresh samples `ratio = 1` and the gradient is the
//! policy gradient's. The **clip fraction**, the fraction of answer tokens
//! whose ratio is outside `[1 - ε, 1 + ε]`, says how far the policy has
//! moved (healthy runs clip a few percent of tokens). The backward pass is
//! yours to write in `exercises/ppo_clip.rs`; the derivation is in
//! `solutions/ppo_clip.rs`.

use ndarray::{ArrayRef1, ArrayRef2, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::answer_logprob::check_mask;

/// PPO's `ε` when none is given.
pub const EPS: f64 = 0.2;

/// PPO's setting: the clip's half-width `ε`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PpoClip {
    pub eps: f64,
}

impl Default for PpoClip {
    fn default() -> Self {
        PpoClip { eps: EPS }
    }
}

impl PpoClip {
    /// `ε`, refused unless a number in `(0, 1)`.
    pub fn new(eps: f64) -> Result<Self> {
        if eps > 0.0 && eps < 1.0 {
            Ok(PpoClip { eps })
        } else {
            Err(Error::Config(format!(
                "PPO's ε is {eps}: the clip [1 - ε, 1 + ε] needs ε between 0 and 1 (0.2 is usual)"
            )))
        }
    }

    /// Whether the clip holds this token's surrogate: its ratio is past
    /// `1 + ε` with `A > 0`, or below `1 - ε` with `A < 0` (the minimum
    /// then takes the clipped term, a constant).
    pub fn holds<F: Float>(&self, ratio: F, advantage: F) -> bool {
        let (lo, hi) = (F::lit(1.0 - self.eps), F::lit(1.0 + self.eps));
        (advantage > F::zero() && ratio > hi) || (advantage < F::zero() && ratio < lo)
    }

    /// One token's surrogate `min(ratio·A, clip(ratio, 1-ε, 1+ε)·A)`.
    pub fn surrogate<F: Float>(&self, ratio: F, advantage: F) -> F {
        let clipped = ratio
            .max(F::lit(1.0 - self.eps))
            .min(F::lit(1.0 + self.eps));
        (ratio * advantage).min(clipped * advantage)
    }
}

/// The forward pass's results.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PpoOutput<F> {
    /// `-1/M Σ mask · surr`
    pub loss: F,
    /// The fraction of answer tokens whose ratio is outside `[1 - ε, 1 + ε]`.
    pub clip_fraction: f64,
}

/// The loss and the clip fraction, from the policy's `logp (N, T)`, the
/// sampling policy's `logp_old (N, T)` and the answers' advantages `A (N,)`.
pub fn forward<F: Float>(
    logp: &ArrayRef2<F>,
    logp_old: &ArrayRef2<F>,
    advantages: &ArrayRef1<F>,
    mask: &ArrayRef2<bool>,
    clip: &PpoClip,
) -> Result<PpoOutput<F>> {
    let clip = PpoClip::new(clip.eps)?;
    let m = check_mask("ppo_clip", mask, logp.shape())?;
    expect_shape(
        "ppo_clip",
        "the sampling policy's logp_old",
        logp_old.shape(),
        logp.shape(),
    )?;
    expect_shape(
        "ppo_clip",
        "advantages",
        advantages.shape(),
        &[logp.nrows()],
    )?;
    let (lo, hi) = (F::lit(1.0 - clip.eps), F::lit(1.0 + clip.eps));
    let (mut sum, mut clipped) = (F::zero(), 0usize);
    Zip::from(logp.rows())
        .and(logp_old.rows())
        .and(mask.rows())
        .and(advantages)
        .for_each(|logp, logp_old, mask, &a| {
            Zip::from(&logp)
                .and(&logp_old)
                .and(&mask)
                .for_each(|&l, &old, &m| {
                    if m {
                        let ratio = (l - old).exp();
                        sum += clip.surrogate(ratio, a);
                        clipped += usize::from(ratio < lo || ratio > hi);
                    }
                });
        });
    Ok(PpoOutput {
        loss: -sum / F::count(m),
        clip_fraction: clipped as f64 / m as f64,
    })
}
