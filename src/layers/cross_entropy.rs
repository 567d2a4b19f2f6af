//! # CrossEntropy: softmax and mean negative log-likelihood, fused
//!
//! ```text
//! probs[i]  = softmax(logits[i])       (B, V)   computed as exp(logits - max) / sum
//! loss      = -mean_i log probs[i, y_i]          a scalar
//! ```
//!
//! Subtracting each row's maximum before `exp` changes nothing mathematically
//! and keeps `exp` from overflowing; the log-probability of the target is
//! taken as `(logit - max) - ln(sum)` so that even logits of ±1e4 give a
//! finite loss. Its backward pass (exercise 2 of the lecture) is yours to
//! write in `exercises/cross_entropy.rs`; the derivation is in
//! `solutions/cross_entropy.rs`.

use ndarray::{Array2, ArrayRef2, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossEntropyCache<F> {
    /// `(B, V)`, the softmax of the logits
    pub probs: Array2<F>,
}

impl<F: Float> CrossEntropyCache<F> {
    /// Room for a batch of `batch` rows over `vocab` classes.
    pub fn new(batch: usize, vocab: usize) -> Self {
        CrossEntropyCache {
            probs: Array2::zeros((batch, vocab)),
        }
    }
}

/// Checks that there is one target per row and that each is a class.
pub fn check_targets(logits_shape: &[usize], targets: &[usize]) -> Result<()> {
    let (n, vocab) = (logits_shape[0], logits_shape[1]);
    expect_shape("cross_entropy", "targets", &[targets.len()], &[n])?;
    match targets.iter().enumerate().find(|&(_, &y)| y >= vocab) {
        None => Ok(()),
        Some((row, &y)) => Err(Error::Input {
            layer: "cross_entropy",
            detail: format!("target {y} at row {row} is outside the {vocab} classes of the logits"),
        }),
    }
}

/// The loss and a new cache.
pub fn forward<F: Float>(
    logits: &ArrayRef2<F>,
    targets: &[usize],
) -> Result<(F, CrossEntropyCache<F>)> {
    let mut cache = CrossEntropyCache::new(logits.nrows(), logits.ncols());
    let loss = forward_into(logits, targets, &mut cache)?;
    Ok((loss, cache))
}

/// The loss, with the probabilities written into `cache` (no allocation).
pub fn forward_into<F: Float>(
    logits: &ArrayRef2<F>,
    targets: &[usize],
    cache: &mut CrossEntropyCache<F>,
) -> Result<F> {
    check_targets(logits.shape(), targets)?;
    expect_shape(
        "cross_entropy",
        "cache probs",
        cache.probs.shape(),
        logits.shape(),
    )?;
    let mut nll = F::zero();
    Zip::from(cache.probs.rows_mut())
        .and(logits.rows())
        .and(targets)
        .for_each(|mut probs, logits, &y| {
            let max = logits.fold(F::neg_infinity(), |m, &l| m.max(l));
            Zip::from(&mut probs)
                .and(&logits)
                .for_each(|p, &l| *p = (l - max).fast_exp()); // counts
            let sum = probs.sum();
            probs /= sum;
            nll -= (logits[y] - max) - sum.ln(); // -log softmax, stable
        });
    Ok(nll / F::count(logits.nrows()))
}
