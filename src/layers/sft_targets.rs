//! # SFT rows: a conversation's inputs and masked targets (*State of GPT*)
//!
//! Supervised fine-tuning trains the GPT on conversations exactly as
//! pretraining trained it on text, next token at every position, with one
//! change: only the answer counts. A rendered conversation (`src/chat/`)
//! is ids and a mask, 1 on the answer's tokens and its
//! `<|assistant_end|>`. Padded to `T + 1` tokens ([`pad`], mask 0 on the
//! padding), it becomes one row of `T` inputs and `T` targets:
//!
//! ```text
//! idx[t]     = ids[t]                                      t < T
//! targets[t] = ids[t + 1]   if mask[t + 1] = 1,  else -1   (IGNORE)
//! ```
//!
//! so the position *before* the answer predicts its first token, the last
//! answer token predicts `<|assistant_end|>`, and prompt and padding do not
//! count. The sequence cross-entropy of lecture 7
//! (`src/layers/sequence_cross_entropy.rs`) does the rest: the mean over
//! the counted targets. A batch whose every target is ignored (rows of
//! padding only) has no mean: that loss refuses it with an error that says
//! so, never a NaN; a row of a real conversation always counts at least
//! its end token.
//!
//! Building the targets is yours in `exercises/sft_targets.rs`; this file
//! pads, checks and writes the rows into a batch.

use ndarray::{ArrayRef2, Axis};

use crate::error::{Error, Result};
use crate::layers::sequence_cross_entropy::IGNORE;

/// The id written into padding (never counted: its mask is 0).
pub const PAD: usize = 0;

/// The targets function: `(ids, mask)` of `T + 1` tokens to `T` inputs and
/// `T` targets (the learner's or the reference's).
pub type TargetsFn = fn(&[usize], &[u8]) -> (Vec<usize>, Vec<i64>);

/// `ids` and `mask` padded to `block + 1` tokens ([`PAD`], mask 0); an
/// error if they differ in length, the mask holds other values than 0 and
/// 1, or the conversation is longer than `block + 1` (refused, not
/// truncated: a cut answer would never end).
pub fn pad(ids: &[usize], mask: &[u8], block: usize) -> Result<(Vec<usize>, Vec<u8>)> {
    if ids.len() != mask.len() {
        return Err(Error::Shape {
            layer: "sft_targets",
            detail: format!("{} ids but a mask of {}", ids.len(), mask.len()),
        });
    }
    if let Some((t, m)) = mask.iter().enumerate().find(|&(_, &m)| m > 1) {
        return Err(Error::Input {
            layer: "sft_targets",
            detail: format!("mask value {m} at position {t}: a mask holds 0 or 1"),
        });
    }
    if ids.len() > block + 1 {
        return Err(Error::Input {
            layer: "sft_targets",
            detail: format!(
                "a conversation of {} tokens does not fit a block of {block} positions (at most {} tokens): it is refused, not truncated",
                ids.len(),
                block + 1
            ),
        });
    }
    let mut ids = ids.to_vec();
    let mut mask = mask.to_vec();
    ids.resize(block + 1, PAD);
    mask.resize(block + 1, 0);
    Ok((ids, mask))
}

/// Writes the row of `(ids, mask)` (already [`pad`]ded to `T + 1`) built by
/// `targets` into `idx` and `tgt` (each `(T,)`), checking what it returned:
/// `T` of each, every target an id of `ids` or [`IGNORE`].
pub fn write_row(
    targets: TargetsFn,
    ids: &[usize],
    mask: &[u8],
    idx: &mut ArrayRef2<usize>,
    tgt: &mut ArrayRef2<i64>,
    row: usize,
) -> Result<()> {
    let block = idx.len_of(Axis(1));
    let (x, y) = targets(ids, mask);
    if x.len() != block || y.len() != block {
        return Err(Error::Shape {
            layer: "sft_targets",
            detail: format!(
                "for {} tokens, sft_targets returned {} inputs and {} targets; expected {block} of each",
                ids.len(),
                x.len(),
                y.len()
            ),
        });
    }
    if let Some((t, &bad)) = y
        .iter()
        .enumerate()
        .find(|&(_, &v)| v != IGNORE && (v < 0 || !ids.contains(&(v as usize))))
    {
        return Err(Error::Input {
            layer: "sft_targets",
            detail: format!(
                "target {bad} at position {t} is neither an id of the row nor {IGNORE}"
            ),
        });
    }
    for t in 0..block {
        idx[[row, t]] = x[t];
        tgt[[row, t]] = y[t];
    }
    Ok(())
}
