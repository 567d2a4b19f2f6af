//! # The reward head: one number per sequence, read at its end token
//!
//! *State of GPT*, the reward model: the GPT's trunk with a scalar head
//! `Linear(n_embd, 1)` in place of `lm_head`. The trunk gives a vector per
//! position; the head reads one position per row, the end-of-answer token
//! at `end[b]` (rows are padded to the block size, so the last position is
//! padding in most rows):
//!
//! ```text
//! x (B, T, C), end (B,), w (C, 1), b (1,)
//! r[b] = x[b, end[b], :] · w[:, 0] + b[0]          r (B,)
//! ```
//!
//! The head is a [`Linear`] of `fan_out` 1, with its bias. The backward
//! pass is yours to write in `exercises/reward_head.rs`; the derivation is
//! in `solutions/reward_head.rs`.

use ndarray::{Array1, ArrayRef1, ArrayRef3, s};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::linear::Linear;

/// Checks the head (`(C, 1)` with a bias of 1) against `x (B, T, C)`, and
/// one end index per row, each a position of the row.
pub fn check<F: Float>(head: &Linear<F>, x_shape: &[usize], end: &[usize]) -> Result<()> {
    let (b, t, c) = (x_shape[0], x_shape[1], x_shape[2]);
    expect_shape("reward_head", "weight w", head.w.shape(), &[c, 1])?;
    match &head.b {
        Some(bias) => expect_shape("reward_head", "bias b", bias.shape(), &[1])?,
        None => {
            return Err(Error::Input {
                layer: "reward_head",
                detail: "the head has no bias: it is Linear(n_embd, 1) with its bias".into(),
            });
        }
    }
    expect_shape("reward_head", "end indices", &[end.len()], &[b])?;
    if let Some((row, &e)) = end.iter().enumerate().find(|&(_, &e)| e >= t) {
        return Err(Error::Input {
            layer: "reward_head",
            detail: format!("end index {e} of row {row} is past the row's {t} positions"),
        });
    }
    Ok(())
}

/// `r[b] = x[b, end[b], :] · w + b`, written into `r (B,)` (no allocation).
pub fn forward_into<F: Float>(
    head: &Linear<F>,
    x: &ArrayRef3<F>,
    end: &[usize],
    r: &mut ArrayRef1<F>,
) -> Result<()> {
    check(head, x.shape(), end)?;
    expect_shape("reward_head", "rewards", r.shape(), &[end.len()])?;
    let w = head.w.column(0);
    let bias = head.b.as_ref().map_or(F::zero(), |b| b[0]);
    for (row, (&e, r)) in end.iter().zip(r.iter_mut()).enumerate() {
        *r = x.slice(s![row, e, ..]).dot(&w) + bias;
    }
    Ok(())
}

/// `r[b] = x[b, end[b], :] · w + b`, a new array `(B,)`.
pub fn forward<F: Float>(head: &Linear<F>, x: &ArrayRef3<F>, end: &[usize]) -> Result<Array1<F>> {
    let mut r = Array1::zeros(end.len());
    forward_into(head, x, end, &mut r)?;
    Ok(r)
}
