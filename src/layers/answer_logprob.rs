//! # The log-probability of an answer: what RLHF and DPO push up or down
//!
//! The last stages of *State of GPT* (the reward model's RLHF, DPO) score
//! the policy on whole answers: how likely does the model find this
//! answer, after this prompt? A sequence holds the prompt, then the answer,
//! then padding; the model's logits at position `t` predict the token that
//! follows it (`tokens[n, t]`, the targets of the shifted sequence, as in
//! the sequence cross-entropy), and the answer mask is `true` where that
//! token belongs to the answer. The answer's log-probability is the sum of
//! those tokens' log-probabilities:
//!
//! ```text
//! logp[n,t] = log softmax(logits[n,t])[tokens[n,t]]                 (N, T)
//! s[n]      = Σ_t mask[n,t] · logp[n,t]                               (N,)
//! ```
//!
//! The per-token `logp` is what the losses of this chapter read (the
//! policy gradient, the KL penalty, PPO), `s` what DPO compares. The
//! backward pass is yours to write in `exercises/answer_logprob.rs`; the
//! derivation is in `solutions/answer_logprob.rs`.
//!
//! The mask is also the one definition of "the answer tokens" of this
//! chapter: the losses that are a mean over answer tokens divide by
//! [`answer_tokens`] and check their mask with [`check_mask`].

use ndarray::{Array1, Array2, Array3, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerLogprobCache<F> {
    /// `(N, T, V)`, the softmax of every position's logits
    pub probs: Array3<F>,
    /// `(N, T)`, every position's log-probability of its token (prompt and
    /// padding too: the mask says which count)
    pub logp: Array2<F>,
}

/// How many tokens the mask marks as answer tokens.
pub fn answer_tokens(mask: &ArrayRef2<bool>) -> usize {
    mask.iter().filter(|&&m| m).count()
}

/// Checks that `mask` has `shape` and marks at least one answer token, the
/// count a mean over answer tokens divides by; returns that count.
pub fn check_mask(layer: &'static str, mask: &ArrayRef2<bool>, shape: &[usize]) -> Result<usize> {
    expect_shape(layer, "answer mask", mask.shape(), shape)?;
    match answer_tokens(mask) {
        0 => Err(Error::Input {
            layer,
            detail: format!(
                "the answer mask {:?} marks no token: the mean over answer tokens is undefined",
                mask.shape()
            ),
        }),
        n => Ok(n),
    }
}

/// Checks the tokens and the mask against logits `(N, T, V)`: one token per
/// position, each one of the `V` classes, and a mask of the same shape.
pub fn check_inputs(
    logits_shape: &[usize],
    tokens: &ArrayRef2<usize>,
    mask: &ArrayRef2<bool>,
) -> Result<()> {
    let (n, t, vocab) = (logits_shape[0], logits_shape[1], logits_shape[2]);
    expect_shape("answer_logprob", "tokens", tokens.shape(), &[n, t])?;
    expect_shape("answer_logprob", "answer mask", mask.shape(), &[n, t])?;
    if let Some(((row, pos), &token)) = tokens.indexed_iter().find(|&(_, &y)| y >= vocab) {
        return Err(Error::Input {
            layer: "answer_logprob",
            detail: format!(
                "token {token} at row {row}, position {pos} is not one of the {vocab} classes"
            ),
        });
    }
    Ok(())
}

/// `log softmax(logits)[token]`, stable: `(l[token] - max) - ln Σ exp(l - max)`;
/// writes the softmax into `probs`.
fn log_softmax_at<F: Float>(
    logits: ndarray::ArrayView1<F>,
    mut probs: ndarray::ArrayViewMut1<F>,
    token: usize,
) -> F {
    let max = logits.fold(F::neg_infinity(), |m, &l| m.max(l));
    Zip::from(&mut probs)
        .and(&logits)
        .for_each(|p, &l| *p = (l - max).fast_exp());
    let sum = probs.sum();
    probs /= sum;
    (logits[token] - max) - sum.ln()
}

/// The answers' log-probabilities `s (N,)` and the cache (the softmax and
/// every position's `logp`).
pub fn forward<F: Float>(
    logits: &ArrayRef3<F>,
    tokens: &ArrayRef2<usize>,
    mask: &ArrayRef2<bool>,
) -> Result<(Array1<F>, AnswerLogprobCache<F>)> {
    check_inputs(logits.shape(), tokens, mask)?;
    let (n, t, v) = logits.dim();
    let mut cache = AnswerLogprobCache {
        probs: Array3::zeros((n, t, v)),
        logp: Array2::zeros((n, t)),
    };
    Zip::from(cache.probs.lanes_mut(Axis(2)))
        .and(logits.lanes(Axis(2)))
        .and(&mut cache.logp)
        .and(tokens)
        .for_each(|probs, logits, logp, &y| *logp = log_softmax_at(logits, probs, y));
    let mut s = Array1::zeros(n);
    Zip::from(&mut s)
        .and(cache.logp.rows())
        .and(mask.rows())
        .for_each(|s, logp, mask| {
            *s = Zip::from(&logp)
                .and(&mask)
                .fold(F::zero(), |acc, &l, &m| if m { acc + l } else { acc });
        });
    Ok((s, cache))
}
