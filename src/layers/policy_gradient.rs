//! # The policy gradient (REINFORCE) with a group baseline
//!
//! RLHF's simplest loss (*State of GPT*: sample answers, score them with
//! the reward model, make the good ones likelier). For each prompt the
//! policy samples a group of `G` answers; an answer's **advantage** is how
//! much better its reward is than its group's mean, the baseline (GRPO
//! also divides by the group's standard deviation). The loss pushes each
//! answer token's log-probability up in proportion to its answer's
//! advantage, as a mean over the answer tokens of the batch:
//!
//! ```text
//! A[n] = r[n] - mean_g r                 (the mean over n's group of G)
//!      ( / (std_g r + eps)               GRPO: std with 1/(G-1), as torch.std )
//! M    = Σ_{n,t} mask[n,t]               (the answer tokens of the batch)
//! loss = -1/M Σ_{n,t} mask[n,t] · A[n] · logp[n,t]
//! ```
//!
//! Rows `g·G .. (g+1)·G` of a batch are the answers to prompt `g`. The
//! rewards and so the advantages are constants: they come from the reward
//! model, not from the policy, and no gradient goes through them. The value
//! of this loss means little (its mean over a group is zero at the start);
//! its gradient is what matters. A group of one answer has no baseline (its
//! advantage would always be zero): it is refused.
//!
//! The backward pass is yours to write in `exercises/policy_gradient.rs`;
//! the derivation is in `solutions/policy_gradient.rs`.

use ndarray::{Array1, ArrayRef1, ArrayRef2, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::answer_logprob::check_mask;

/// GRPO's `eps` in `A / (std + eps)` (TRL's default).
pub const GRPO_EPS: f64 = 1e-4;

/// How advantages are made from rewards.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PolicyGradient {
    /// `G`, the answers sampled per prompt: consecutive rows, at least 2.
    pub group: usize,
    /// GRPO: `Some(eps)` divides each advantage by its group's standard
    /// deviation plus `eps`; `None` subtracts the mean alone.
    pub normalize: Option<f64>,
}

impl PolicyGradient {
    /// Groups of `group` answers; `normalize` as the field says. A group of
    /// fewer than 2 answers, or an `eps` that is negative or not finite, is
    /// refused.
    pub fn new(group: usize, normalize: Option<f64>) -> Result<Self> {
        let pg = PolicyGradient { group, normalize };
        pg.check()?;
        Ok(pg)
    }

    fn check(&self) -> Result<()> {
        if self.group < 2 {
            return Err(Error::Config(format!(
                "{} sample(s) per prompt: the group baseline (the mean reward of a prompt's answers) needs at least 2, else every advantage is 0",
                self.group
            )));
        }
        if let Some(eps) = self.normalize
            && !(eps.is_finite() && eps >= 0.0)
        {
            return Err(Error::Config(format!(
                "GRPO's eps is {eps}: it must be a finite number >= 0"
            )));
        }
        Ok(())
    }
}

/// The advantages `A (N,)` of rewards `r (N,)` in groups of `pg.group`.
pub fn advantages<F: Float>(rewards: &ArrayRef1<F>, pg: &PolicyGradient) -> Result<Array1<F>> {
    pg.check()?;
    let (n, g) = (rewards.len(), pg.group);
    if n == 0 || n % g != 0 {
        return Err(Error::Input {
            layer: "policy_gradient",
            detail: format!("{n} rewards do not make groups of {g} answers per prompt"),
        });
    }
    if let Some((i, r)) = rewards.iter().enumerate().find(|(_, r)| !r.is_finite()) {
        return Err(Error::Input {
            layer: "policy_gradient",
            detail: format!("reward {r} of answer {i} is not a finite number"),
        });
    }
    let mut a = rewards.to_owned();
    for mut group in a.exact_chunks_mut(g) {
        let mean = group.sum() / F::count(g);
        group -= mean;
        if let Some(eps) = pg.normalize {
            let var = group.iter().map(|&d| d * d).sum::<F>() / F::count(g - 1);
            group /= var.sqrt() + F::lit(eps);
        }
    }
    Ok(a)
}

/// The loss `-1/M Σ mask · A · logp` of per-token log-probabilities `logp
/// (N, T)` (the cache's `logp` of [`crate::layers::answer_logprob`]).
pub fn forward<F: Float>(
    logp: &ArrayRef2<F>,
    mask: &ArrayRef2<bool>,
    rewards: &ArrayRef1<F>,
    pg: &PolicyGradient,
) -> Result<F> {
    let m = check_mask("policy_gradient", mask, logp.shape())?;
    expect_shape(
        "policy_gradient",
        "rewards",
        rewards.shape(),
        &[logp.nrows()],
    )?;
    let a = advantages(rewards, pg)?;
    let mut sum = F::zero();
    Zip::from(logp.rows())
        .and(mask.rows())
        .and(&a)
        .for_each(|logp, mask, &a| {
            Zip::from(&logp).and(&mask).for_each(|&l, &m| {
                if m {
                    sum += a * l;
                }
            });
        });
    Ok(-sum / F::count(m))
}
