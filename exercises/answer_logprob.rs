//! # The log-probability of an answer, backward — yours to write (State of GPT: RLHF)
//!
//! Forward (`src/layers/answer_logprob.rs`): `logp[n,t] = log
//! softmax(logits[n,t])[tokens[n,t]]`, and the answer's log-probability
//! `s[n] = Σ_t mask[n,t] · logp[n,t]`, the sum over the answer's tokens
//! alone (the prompt and the padding are masked out). Accumulate (`+=`) into
//! `dlogits`. The answer, with its derivation, is in
//! `solutions/answer_logprob.rs`.

use ndarray::{ArrayRef1, ArrayRef2, ArrayRef3};

use crate::float::Float;
use crate::layers::answer_logprob::AnswerLogprobCache;

/// Accumulates (`+=`) `dlogits` from `ds`.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef3<F>,     // (N, T, V)
    ds: &ArrayRef1<F>,              // (N,), the gradient arriving at each answer's s[n]
    cache: &AnswerLogprobCache<F>,  // probs (N, T, V), logp (N, T)
    tokens: &ArrayRef2<usize>,      // (N, T), the token each position predicts
    mask: &ArrayRef2<bool>,         // (N, T), true at the answer's tokens
) {
    todo!(
        "the derivative of log softmax at the token is one-hot minus probs; only the answer's positions are in the sum"
    )
}
