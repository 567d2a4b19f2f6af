//! # Known mistakes of the RLHF chapter (State of GPT)
//!
//! The slips of RL's losses: the prompt's tokens counted with the answer's,
//! the sign of a log-likelihood or of an advantage, the baseline forgotten,
//! a mean forgotten or taken where there is a sum, the reference given a
//! gradient or left out, a ratio inverted, `β` on one side only, `max` for
//! PPO's `min`, the clip forgotten.

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::answer_logprob::AnswerLogprobCache;
use crate::layers::dpo::{Dpo, Pairs, margins, sigmoid};
use crate::layers::kl_penalty::KlEstimator;
use crate::layers::policy_gradient::PolicyGradient;
use crate::layers::ppo_clip::PpoClip;
use crate::registry::Exercise;

/// Which change a mistake of the answer's log-probability makes.
const LP_PROMPT_COUNTED: u8 = 0;
const LP_SIGN: u8 = 1;
const LP_MEAN: u8 = 2;

/// The answer's log-probability's backward pass, `ds[n]·mask·(one_hot -
/// p)`, with one change chosen by `BUG`.
fn answer_logprob_with<const BUG: u8>(
    dlogits: &mut ArrayRef3<f64>,
    ds: &ArrayRef1<f64>,
    cache: &AnswerLogprobCache<f64>,
    tokens: &ArrayRef2<usize>,
    mask: &ArrayRef2<bool>,
) {
    answer_logprob_with_bug(BUG, dlogits, ds, cache, tokens, mask)
}

/// [`answer_logprob_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn answer_logprob_with_bug(
    bug: u8,
    dlogits: &mut ArrayRef3<f64>,
    ds: &ArrayRef1<f64>,
    cache: &AnswerLogprobCache<f64>,
    tokens: &ArrayRef2<usize>,
    mask: &ArrayRef2<bool>,
) {
    for (n, &ds) in ds.iter().enumerate() {
        let length = mask.row(n).iter().filter(|&&m| m).count().max(1) as f64;
        let scale = match bug {
            LP_SIGN => -ds,
            LP_MEAN => ds / length,
            _ => ds,
        };
        Zip::from(dlogits.index_axis_mut(Axis(0), n).lanes_mut(Axis(1)))
            .and(cache.probs.index_axis(Axis(0), n).lanes(Axis(1)))
            .and(tokens.row(n))
            .and(mask.row(n))
            .for_each(|mut dl, p, &y, &m| {
                if m || bug == LP_PROMPT_COUNTED {
                    dl.zip_mut_with(&p, |dl, &p| *dl -= scale * p);
                    dl[y] += scale;
                }
            });
    }
}

/// Which change a mistake of the policy gradient makes.
const PG_SIGN: u8 = 0;
const PG_NO_BASELINE: u8 = 1;
const PG_PROMPT_COUNTED: u8 = 2;
const PG_NO_MEAN: u8 = 3;

/// The policy gradient's backward pass, `-dloss·A[n]·mask/M`, with one
/// change chosen by `BUG`.
fn policy_gradient_with<const BUG: u8>(
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    rewards: &ArrayRef1<f64>,
    mask: &ArrayRef2<bool>,
    pg: &PolicyGradient,
) {
    policy_gradient_with_bug(BUG, dlogp, dloss, rewards, mask, pg)
}

/// [`policy_gradient_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn policy_gradient_with_bug(
    bug: u8,
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    rewards: &ArrayRef1<f64>,
    mask: &ArrayRef2<bool>,
    pg: &PolicyGradient,
) {
    let a = advantages_with(rewards, pg, bug != PG_NO_BASELINE);
    let m = match bug {
        PG_NO_MEAN => 1,
        PG_PROMPT_COUNTED => mask.len(),
        _ => mask.iter().filter(|&&m| m).count(),
    };
    let sign = if bug == PG_SIGN { 1.0 } else { -1.0 };
    let scale = sign * dloss / m as f64;
    Zip::from(dlogp.rows_mut())
        .and(mask.rows())
        .and(&a)
        .for_each(|mut d, mask, &a| {
            Zip::from(&mut d).and(&mask).for_each(|d, &m| {
                if m || bug == PG_PROMPT_COUNTED {
                    *d += scale * a;
                }
            });
        });
}

/// The advantages of `rewards`, the group's mean subtracted or not
/// (`baseline`), divided by the group's std + eps as `pg` says.
fn advantages_with(rewards: &ArrayRef1<f64>, pg: &PolicyGradient, baseline: bool) -> Array1<f64> {
    let g = pg.group as f64;
    let mut a = rewards.to_owned();
    for mut group in a.exact_chunks_mut(pg.group) {
        let mean = group.sum() / g;
        let var = group.iter().map(|&r| (r - mean) * (r - mean)).sum::<f64>() / (g - 1.0);
        if baseline {
            group -= mean;
        }
        if let Some(eps) = pg.normalize {
            group /= var.sqrt() + eps;
        }
    }
    a
}

/// Which change a mistake of the KL penalty makes.
const KL_REFERENCE_NOT_FROZEN: u8 = 0;
const KL_RATIO_INVERTED: u8 = 1;
const KL_CHAIN_RULE: u8 = 2;
const KL_PROMPT_COUNTED: u8 = 3;
const KL_NO_MEAN: u8 = 4;

/// The KL penalty's backward pass, `dloss·mask·∂k/∂logp/M`, with one
/// change chosen by `BUG`.
fn kl_penalty_with<const BUG: u8>(
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    logp: &ArrayRef2<f64>,
    logp_ref: &ArrayRef2<f64>,
    mask: &ArrayRef2<bool>,
    estimator: KlEstimator,
) {
    kl_penalty_with_bug(BUG, dlogp, dloss, logp, logp_ref, mask, estimator)
}

/// [`kl_penalty_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn kl_penalty_with_bug(
    bug: u8,
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    logp: &ArrayRef2<f64>,
    logp_ref: &ArrayRef2<f64>,
    mask: &ArrayRef2<bool>,
    estimator: KlEstimator,
) {
    let m = match bug {
        KL_NO_MEAN => 1,
        KL_PROMPT_COUNTED => mask.len(),
        _ => mask.iter().filter(|&&m| m).count(),
    };
    let scale = dloss / m as f64;
    Zip::from(dlogp)
        .and(logp)
        .and(logp_ref)
        .and(mask)
        .for_each(|d, &l, &r, &m| {
            if !m && bug != KL_PROMPT_COUNTED {
                return;
            }
            let u = r - l;
            let (dk, dk_ref) = match estimator {
                KlEstimator::K1 => (1.0, -1.0),
                KlEstimator::K3 => (-u.exp_m1(), u.exp_m1()),
            };
            let dk = match (bug, estimator) {
                (KL_REFERENCE_NOT_FROZEN, _) => dk + dk_ref,
                (KL_RATIO_INVERTED, KlEstimator::K3) => -(-u).exp_m1(),
                (KL_CHAIN_RULE, KlEstimator::K3) => u.exp_m1(),
                _ => dk,
            };
            *d += scale * dk;
        });
}

/// Which change a mistake of DPO makes.
const DPO_BETA_ONE_SIDE: u8 = 0;
const DPO_SIGMA_OF_Z: u8 = 1;
const DPO_NO_MEAN: u8 = 2;
const DPO_NO_REFERENCE: u8 = 3;

/// DPO's backward pass, `∓dloss·β·σ(-z)/N`, with one change chosen by `BUG`.
fn dpo_with<const BUG: u8>(
    dchosen: &mut ArrayRef1<f64>,
    drejected: &mut ArrayRef1<f64>,
    dloss: f64,
    pairs: &Pairs<f64>,
    dpo: &Dpo,
) {
    dpo_with_bug(BUG, dchosen, drejected, dloss, pairs, dpo)
}

/// [`dpo_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn dpo_with_bug(
    bug: u8,
    dchosen: &mut ArrayRef1<f64>,
    drejected: &mut ArrayRef1<f64>,
    dloss: f64,
    pairs: &Pairs<f64>,
    dpo: &Dpo,
) {
    let z = if bug == DPO_NO_REFERENCE {
        (&pairs.chosen - &pairs.rejected) * dpo.beta
    } else {
        margins(pairs, dpo)
    };
    let n = if bug == DPO_NO_MEAN { 1 } else { z.len() };
    let scale = dloss / n as f64;
    Zip::from(dchosen)
        .and(drejected)
        .and(&z)
        .for_each(|dw, dl, &z| {
            let s = if bug == DPO_SIGMA_OF_Z {
                sigmoid(z)
            } else {
                sigmoid(-z)
            };
            *dw -= scale * dpo.beta * s;
            *dl += if bug == DPO_BETA_ONE_SIDE {
                scale * s
            } else {
                scale * dpo.beta * s
            };
        });
}

/// Which change a mistake of PPO makes.
const PPO_RATIO_INVERTED: u8 = 0;
const PPO_MAX: u8 = 1;
const PPO_SIGN: u8 = 2;
const PPO_NO_CLIP: u8 = 3;
const PPO_PROMPT_COUNTED: u8 = 4;
const PPO_NO_MEAN: u8 = 5;

/// PPO's backward pass, `-dloss·A·ratio/M` where the clip does not hold,
/// with one change chosen by `BUG`.
fn ppo_clip_with<const BUG: u8>(
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    logp: &ArrayRef2<f64>,
    logp_old: &ArrayRef2<f64>,
    advantages: &ArrayRef1<f64>,
    mask: &ArrayRef2<bool>,
    clip: &PpoClip,
) {
    ppo_clip_with_bug(BUG, dlogp, dloss, logp, logp_old, advantages, mask, clip)
}

/// [`ppo_clip_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the table's seven, and the mistake
fn ppo_clip_with_bug(
    bug: u8,
    dlogp: &mut ArrayRef2<f64>,
    dloss: f64,
    logp: &ArrayRef2<f64>,
    logp_old: &ArrayRef2<f64>,
    advantages: &ArrayRef1<f64>,
    mask: &ArrayRef2<bool>,
    clip: &PpoClip,
) {
    let m = match bug {
        PPO_NO_MEAN => 1,
        PPO_PROMPT_COUNTED => mask.len(),
        _ => mask.iter().filter(|&&m| m).count(),
    };
    let sign = if bug == PPO_SIGN { 1.0 } else { -1.0 };
    let scale = sign * dloss / m as f64;
    let (lo, hi) = (1.0 - clip.eps, 1.0 + clip.eps);
    for (((mut d, logp), logp_old), (mask, &a)) in dlogp
        .rows_mut()
        .into_iter()
        .zip(logp.rows())
        .zip(logp_old.rows())
        .zip(mask.rows().into_iter().zip(advantages))
    {
        Zip::from(&mut d)
            .and(&logp)
            .and(&logp_old)
            .and(&mask)
            .for_each(|d, &l, &old, &m| {
                let ratio = if bug == PPO_RATIO_INVERTED {
                    (old - l).exp()
                } else {
                    (l - old).exp()
                };
                let holds = match bug {
                    PPO_MAX => (a > 0.0 && ratio < lo) || (a < 0.0 && ratio > hi),
                    PPO_NO_CLIP => false,
                    _ => clip.holds(ratio, a),
                };
                if (m || bug == PPO_PROMPT_COUNTED) && !holds {
                    *d += scale * a * ratio;
                }
            });
    }
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::AnswerLogprob,
        name: "prompt tokens counted",
        explanation: "this sends gradient to the prompt's and the padding's positions too: s sums the answer's tokens alone, so add ds[n]·(one_hot − probs) only where mask[n, t] is true",
        patch: |t| t.answer_logprob_backward = answer_logprob_with::<LP_PROMPT_COUNTED>,
    },
    Mistake {
        exercise: Exercise::AnswerLogprob,
        name: "cross-entropy's sign",
        explanation: "this is probs − one_hot, the gradient of −log p (the cross-entropy): s is the log-probability itself, so dlogits += ds[n]·(one_hot − probs)",
        patch: |t| t.answer_logprob_backward = answer_logprob_with::<LP_SIGN>,
    },
    Mistake {
        exercise: Exercise::AnswerLogprob,
        name: "a mean, not a sum",
        explanation: "this divides by the answer's length: s[n] is the sum of its tokens' log-probabilities (the probability of the whole answer), so no 1/length",
        patch: |t| t.answer_logprob_backward = answer_logprob_with::<LP_MEAN>,
    },
    Mistake {
        exercise: Exercise::PolicyGradient,
        name: "advantage's sign",
        explanation: "this is +A[n]/M: the loss is −A·logp (descending it raises the good answers' log-probabilities), so dlogp += −dloss·A[n]/M",
        patch: |t| t.policy_gradient_backward = policy_gradient_with::<PG_SIGN>,
    },
    Mistake {
        exercise: Exercise::PolicyGradient,
        name: "baseline forgotten",
        explanation: "this weighs each answer by its reward r[n]: the advantage is r[n] minus its group's mean reward (the baseline), so that the worse half of a group is pushed down",
        patch: |t| t.policy_gradient_backward = policy_gradient_with::<PG_NO_BASELINE>,
    },
    Mistake {
        exercise: Exercise::PolicyGradient,
        name: "prompt tokens counted",
        explanation: "this counts every position, the prompt's and the padding's too: the prompt was given, not sampled, so only answer tokens (mask true) get −dloss·A[n]/M, M the number of answer tokens",
        patch: |t| t.policy_gradient_backward = policy_gradient_with::<PG_PROMPT_COUNTED>,
    },
    Mistake {
        exercise: Exercise::PolicyGradient,
        name: "the mean forgotten",
        explanation: "this is the sum over answer tokens: the loss is their mean, so divide by M, the number of answer tokens (mask true)",
        patch: |t| t.policy_gradient_backward = policy_gradient_with::<PG_NO_MEAN>,
    },
    Mistake {
        exercise: Exercise::KlPenalty,
        name: "the reference not frozen",
        explanation: "this adds nothing, which is also what differentiating through logp_ref gives (a reference not detached: ∂k/∂logp_ref = −∂k/∂logp cancels it); the reference is a constant, so dlogp += dloss·∂k/∂logp/M alone: 1 for k1, 1 − exp(logp_ref − logp) for k3",
        patch: |t| t.kl_penalty_backward = kl_penalty_with::<KL_REFERENCE_NOT_FROZEN>,
    },
    Mistake {
        exercise: Exercise::KlPenalty,
        name: "the ratio inverted",
        explanation: "this is 1 − exp(logp − logp_ref): k3's u is logp_ref − logp (the reference's probability over the policy's), so ∂k3/∂logp = 1 − exp(logp_ref − logp)",
        patch: |t| t.kl_penalty_backward = kl_penalty_with::<KL_RATIO_INVERTED>,
    },
    Mistake {
        exercise: Exercise::KlPenalty,
        name: "u's chain rule forgotten",
        explanation: "this is ∂k3/∂u = exp(u) − 1, the derivative with respect to u = logp_ref − logp (the reference's gradient): ∂u/∂logp = −1, so ∂k3/∂logp = 1 − exp(u)",
        patch: |t| t.kl_penalty_backward = kl_penalty_with::<KL_CHAIN_RULE>,
    },
    Mistake {
        exercise: Exercise::KlPenalty,
        name: "prompt tokens counted",
        explanation: "this counts every position, the prompt's and the padding's too: the penalty is a mean over the answer tokens (mask true), so only they get a gradient, over M, their number",
        patch: |t| t.kl_penalty_backward = kl_penalty_with::<KL_PROMPT_COUNTED>,
    },
    Mistake {
        exercise: Exercise::KlPenalty,
        name: "the mean forgotten",
        explanation: "this is the sum over answer tokens: the penalty is their mean, so divide by M, the number of answer tokens (mask true)",
        patch: |t| t.kl_penalty_backward = kl_penalty_with::<KL_NO_MEAN>,
    },
    Mistake {
        exercise: Exercise::Dpo,
        name: "β on one side only",
        explanation: "this leaves β out of ds_l: z = β·((s_w − s_w^ref) − (s_l − s_l^ref)) scales both differences, so ds_l = +dloss·β·σ(−z)/N, the mirror of ds_w",
        patch: |t| t.dpo_backward = dpo_with::<DPO_BETA_ONE_SIDE>,
    },
    Mistake {
        exercise: Exercise::Dpo,
        name: "σ(z) for σ(−z)",
        explanation: "this weighs by σ(z): d log σ(z)/dz = 1 − σ(z) = σ(−z), large when the pair is ranked wrong, so ds_w = −dloss·β·σ(−z)/N",
        patch: |t| t.dpo_backward = dpo_with::<DPO_SIGMA_OF_Z>,
    },
    Mistake {
        exercise: Exercise::Dpo,
        name: "the mean forgotten",
        explanation: "this is the sum over the pairs: the loss is their mean, so divide by N, the number of pairs",
        patch: |t| t.dpo_backward = dpo_with::<DPO_NO_MEAN>,
    },
    Mistake {
        exercise: Exercise::Dpo,
        name: "the reference left out",
        explanation: "this takes z = β·(s_w − s_l): the reference's log-probabilities are constants, but they are in z, so σ(−z) needs z = β·((s_w − s_w^ref) − (s_l − s_l^ref))",
        patch: |t| t.dpo_backward = dpo_with::<DPO_NO_REFERENCE>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "the ratio inverted",
        explanation: "this takes ratio = exp(logp_old − logp): the ratio is the policy's probability now over the one it sampled with, exp(logp − logp_old), and ∂ratio/∂logp = ratio",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_RATIO_INVERTED>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "max for min",
        explanation: "this takes the larger of the two terms: PPO's surrogate is the minimum (a pessimistic bound), so the clip holds (no gradient) at ratio > 1 + ε when A > 0 and at ratio < 1 − ε when A < 0",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_MAX>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "advantage's sign",
        explanation: "this is +A·ratio/M: the loss is minus the surrogate (descending it raises good answers' log-probabilities), so dlogp += −dloss·A·ratio/M",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_SIGN>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "the clip forgotten",
        explanation: "this sends A·ratio everywhere: where the minimum takes the clipped term (ratio > 1 + ε with A > 0, ratio < 1 − ε with A < 0) the surrogate is a constant and the gradient is 0",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_NO_CLIP>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "prompt tokens counted",
        explanation: "this counts every position, the prompt's and the padding's too: the loss is a mean over the answer tokens (mask true), so only they get a gradient, over M, their number",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_PROMPT_COUNTED>,
    },
    Mistake {
        exercise: Exercise::PpoClip,
        name: "the mean forgotten",
        explanation: "this is the sum over answer tokens: the loss is their mean, so divide by M, the number of answer tokens (mask true)",
        patch: |t| t.ppo_clip_backward = ppo_clip_with::<PPO_NO_MEAN>,
    },
];
