//! # The log-probability of an answer, backward — solution (State of GPT: RLHF)
//!
//! Forward (`src/layers/answer_logprob.rs`), with `p[n,t] =
//! softmax(logits[n,t])` over `V` classes and `y = tokens[n,t]`:
//!
//! ```text
//! logp[n,t] = log p[n,t,y] = l[y] - log Σ_j exp(l[j])           (N, T)
//! s[n]      = Σ_t mask[n,t] · logp[n,t]                           (N,)
//! ```
//!
//! One position first. The log-softmax is the cross-entropy's row with the
//! opposite sign: `∂ log p_y / ∂ l_j = 1[j = y] - p_j` (the first term from
//! `l[y]`, the second from the log-sum-exp, whose derivative is the
//! softmax). Then the sum: `s[n]` adds `logp[n,t]` once for each answer
//! position, and not at all for the prompt's and the padding's, so
//! `∂s[n]/∂logp[n,t] = mask[n,t]`, and nothing reaches another row's
//! logits. With `ds (N,)` the gradient arriving at `s`:
//!
//! ```text
//! dlogits[n,t] = ds[n] · mask[n,t] · (one_hot(y) - p[n,t])        (N, T, V)
//! ```
//!
//! The prompt's positions get **zero**, though the forward pass computed
//! their softmax: the answer's probability is conditioned on the prompt,
//! not a prediction of it. There is no mean here (a sum over the answer's
//! tokens), and the sign is that of a log-likelihood: pushing `s` up pushes
//! the answer's logits up, everything else down.

use ndarray::{ArrayRef1, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::float::Float;
use crate::layers::answer_logprob::AnswerLogprobCache;

/// Accumulates (`+=`) `dlogits = ds[n] · (one_hot(y) - probs)` at the
/// answer's positions, nothing at the others.
pub fn backward<F: Float>(
    dlogits: &mut ArrayRef3<F>,    // (N, T, V)
    ds: &ArrayRef1<F>,             // (N,), the gradient arriving at each answer's s[n]
    cache: &AnswerLogprobCache<F>, // probs (N, T, V), logp (N, T)
    tokens: &ArrayRef2<usize>,     // (N, T), the token each position predicts
    mask: &ArrayRef2<bool>,        // (N, T), true at the answer's tokens
) {
    for (n, &ds) in ds.iter().enumerate() {
        Zip::from(dlogits.index_axis_mut(Axis(0), n).lanes_mut(Axis(1)))
            .and(cache.probs.index_axis(Axis(0), n).lanes(Axis(1)))
            .and(tokens.row(n))
            .and(mask.row(n))
            .for_each(|mut dl, p, &y, &m| {
                if !m {
                    return; // the prompt or the padding: not in s
                }
                Zip::from(&mut dl).and(&p).for_each(|dl, &p| *dl -= ds * p);
                dl[y] += ds;
            });
    }
}
