//! # AdamW, the update — yours to write (lecture 7)
//!
//! Not a backward pass: one step of the optimiser, as `torch.optim.AdamW`
//! documents it (`src/layers/adamw.rs` lists the five lines). Update
//! `param`, `m` and `v` in place. The answer, with its reasoning, is in
//! `solutions/adamw.rs`.

use ndarray::{ArrayRef, Dimension};

use crate::float::Float;
use crate::layers::adamw::AdamW;

/// Step `t` (`t ≥ 1`) of AdamW on one parameter: updates `param`, `m` and
/// `v` in place from `grad`.
pub fn update<F: Float, D: Dimension>(
    param: &mut ArrayRef<F, D>, // p, any shape
    m: &mut ArrayRef<F, D>,     // first moment, shape of p
    v: &mut ArrayRef<F, D>,     // second moment, shape of p
    grad: &ArrayRef<F, D>,      // g, shape of p
    t: usize,                   // this step's number, 1 for the first
    hyper: &AdamW,
) {
    todo!(
        "decay p by lr·weight_decay first (not through the gradient), then the moments, their bias corrections, and the step"
    )
}
