//! # Known mistakes of the RLHF chapter (State of GPT)
//!
//! The slips of RL's losses: the prompt's tokens counted with the answer's,
//! the sign of a log-likelihood or of an advantage, the baseline forgotten,
//! a mean forgotten or taken where there is a sum.

use ndarray::{Array1, ArrayRef1, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::answer_logprob::AnswerLogprobCache;
use crate::layers::policy_gradient::PolicyGradient;
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
    for (n, &ds) in ds.iter().enumerate() {
        let length = mask.row(n).iter().filter(|&&m| m).count().max(1) as f64;
        let scale = match BUG {
            LP_SIGN => -ds,
            LP_MEAN => ds / length,
            _ => ds,
        };
        Zip::from(dlogits.index_axis_mut(Axis(0), n).lanes_mut(Axis(1)))
            .and(cache.probs.index_axis(Axis(0), n).lanes(Axis(1)))
            .and(tokens.row(n))
            .and(mask.row(n))
            .for_each(|mut dl, p, &y, &m| {
                if m || BUG == LP_PROMPT_COUNTED {
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
    let a = advantages_with(rewards, pg, BUG != PG_NO_BASELINE);
    let m = match BUG {
        PG_NO_MEAN => 1,
        PG_PROMPT_COUNTED => mask.len(),
        _ => mask.iter().filter(|&&m| m).count(),
    };
    let sign = if BUG == PG_SIGN { 1.0 } else { -1.0 };
    let scale = sign * dloss / m as f64;
    Zip::from(dlogp.rows_mut())
        .and(mask.rows())
        .and(&a)
        .for_each(|mut d, mask, &a| {
            Zip::from(&mut d).and(&mask).for_each(|d, &m| {
                if m || BUG == PG_PROMPT_COUNTED {
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
];
