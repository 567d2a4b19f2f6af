//! # Cross-entropy over a sequence, with ignored targets
//!
//! Lecture 7 ("Let's build GPT") predicts the next character at *every*
//! position: logits `(B, T, V)`, targets `(B, T)`, and the loss is the mean
//! negative log-likelihood over the positions. makemore pads its names to
//! the block size and marks the padding's targets `-1`, which
//! `F.cross_entropy(..., ignore_index=-1)` skips: an ignored position gets
//! no gradient and does not count in the mean.
//!
//! ```text
//! p[b,t]  = softmax(logits[b,t])                                   (B, T, V)
//! n       = #{(b,t) : targets[b,t] ≠ -1}
//! loss    = -1/n Σ_{(b,t) : targets[b,t] ≠ -1} log p[b,t, targets[b,t]]
//! ```
//!
//! The backward pass is yours to write in `exercises/sequence_cross_entropy.rs`;
//! the derivation is in `solutions/sequence_cross_entropy.rs`.

use ndarray::{Array3, ArrayRef2, ArrayRef3, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// The target of a position that does not count (makemore's padding).
pub const IGNORE: i64 = -1;

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceCrossEntropyCache<F> {
    /// `(B, T, V)`, the softmax of every position's logits (ignored ones too)
    pub probs: Array3<F>,
}

impl<F: Float> SequenceCrossEntropyCache<F> {
    /// Room for `(B, T)` positions over `vocab` classes.
    pub fn new(b: usize, t: usize, vocab: usize) -> Self {
        SequenceCrossEntropyCache {
            probs: Array3::zeros((b, t, vocab)),
        }
    }
}

/// How many positions count: the targets that are not [`IGNORE`].
pub fn counted(targets: &ArrayRef2<i64>) -> usize {
    targets.iter().filter(|&&y| y != IGNORE).count()
}

/// Checks the targets: one per position, each a class or [`IGNORE`], and at
/// least one that counts.
pub fn check_targets(logits_shape: &[usize], targets: &ArrayRef2<i64>) -> Result<()> {
    let (b, t, vocab) = (logits_shape[0], logits_shape[1], logits_shape[2]);
    expect_shape(
        "sequence_cross_entropy",
        "targets",
        targets.shape(),
        &[b, t],
    )?;
    if let Some(((b, t), &y)) = targets
        .indexed_iter()
        .find(|&(_, &y)| y != IGNORE && !(0..vocab as i64).contains(&y))
    {
        return Err(Error::Input {
            layer: "sequence_cross_entropy",
            detail: format!(
                "target {y} at row {b}, position {t} is neither one of the {vocab} classes nor {IGNORE} (ignored)"
            ),
        });
    }
    if counted(targets) == 0 {
        return Err(Error::Input {
            layer: "sequence_cross_entropy",
            detail: "every target is ignored (-1): the mean of no losses is undefined".into(),
        });
    }
    Ok(())
}

/// The loss, with the probabilities written into `cache` (no allocation).
pub fn forward_into<F: Float>(
    logits: &ArrayRef3<F>,
    targets: &ArrayRef2<i64>,
    cache: &mut SequenceCrossEntropyCache<F>,
) -> Result<F> {
    check_targets(logits.shape(), targets)?;
    expect_shape(
        "sequence_cross_entropy",
        "cache probs",
        cache.probs.shape(),
        logits.shape(),
    )?;
    let mut nll = F::zero();
    Zip::from(cache.probs.lanes_mut(ndarray::Axis(2)))
        .and(logits.lanes(ndarray::Axis(2)))
        .and(targets)
        .for_each(|mut probs, logits, &y| {
            let max = logits.fold(F::neg_infinity(), |m, &l| m.max(l));
            Zip::from(&mut probs)
                .and(&logits)
                .for_each(|p, &l| *p = (l - max).fast_exp());
            let sum = probs.sum();
            probs /= sum;
            if y != IGNORE {
                nll -= (logits[y as usize] - max) - sum.ln(); // -log softmax, stable
            }
        });
    Ok(nll / F::count(counted(targets)))
}

/// The loss and a new cache.
pub fn forward<F: Float>(
    logits: &ArrayRef3<F>,
    targets: &ArrayRef2<i64>,
) -> Result<(F, SequenceCrossEntropyCache<F>)> {
    let (b, t, v) = logits.dim();
    let mut cache = SequenceCrossEntropyCache::new(b, t, v);
    let loss = forward_into(logits, targets, &mut cache)?;
    Ok((loss, cache))
}
