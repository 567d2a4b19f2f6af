//! # One attention head, backward step by step — yours to write
//!
//! Lecture 7, "Let's build GPT". Walk back up one head's forward pass
//! (`src/layers/head.rs`; the names with `f.` in front: `f.att`, `f.v`,
//! `f.scale`, `f.wq`):
//!
//! ```text
//! k = x @ wk;  q = x @ wq;  v = x @ wv          (B, T, C) @ (C, hs) = (B, T, hs)
//! scores = q @ kᵀ · scale                       (B, T, T), scale = hs^-0.5
//! att = softmax(scores.masked_fill(tril == 0, -inf), dim=-1)      (B, T, T)
//! out = att @ v                                 (B, T, hs)
//! ```
//!
//! Each function returns the gradient of the loss with respect to one
//! variable, in that variable's shape, from the upstream gradients it is
//! handed; each is graded on its own, with the reference's upstream. Edit
//! only the function bodies. `bmm(a, b)` is PyTorch's `a @ b` on batches of
//! matrices, `bmm_2d(a, w)` the same with one matrix `w`, and `mt(a)` is
//! `a.mT`. The answers are in `solutions/head.rs`.

use ndarray::Array3;

#[allow(unused_imports)] // yours to use
use crate::layers::head::{HeadForward, bmm, bmm_2d, mt};

/// Undoes `out = att @ v`: `dv (B, T, hs)` from `dout (B, T, hs)` and `att (B, T, T)`.
pub fn dv(f: &HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> {
    todo!("the Linear rule with att as the weights: which product of att and dout has v's shape?")
}

/// Undoes `out = att @ v`: `datt (B, T, T)` from `dout (B, T, hs)` and `v (B, T, hs)`.
pub fn datt(f: &HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> {
    todo!("dout @ vᵀ, but att above the diagonal was never read: those entries get 0")
}

/// Undoes `att = softmax(scores.masked_fill(tril == 0, -inf))`: `dscores (B, T, T)` from `datt (B, T, T)`.
pub fn dscores(f: &HeadForward<f64>, datt: &Array3<f64>) -> Array3<f64> {
    todo!(
        "a row's probabilities share one denominator: att ⊙ (datt − Σ over the row of att ⊙ datt)"
    )
}

/// Undoes `scores = q @ kᵀ · scale`: `dq (B, T, hs)` from `dscores (B, T, T)` and `k (B, T, hs)`.
pub fn dq(f: &HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> {
    todo!("which product of dscores and k has q's shape? do not forget the scale")
}

/// Undoes `scores = q @ kᵀ · scale`: `dk (B, T, hs)` from `dscores (B, T, T)` and `q (B, T, hs)`.
pub fn dk(f: &HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> {
    todo!(
        "k sits transposed in scores: transpose dscores too; and the scale is on this path as well"
    )
}

/// Undoes `k = x @ wk; q = x @ wq; v = x @ wv`: `dx (B, T, C)` from `dq`, `dk`, `dv` (each `(B, T, hs)`).
pub fn dx(
    f: &HeadForward<f64>,
    dq: &Array3<f64>,
    dk: &Array3<f64>,
    dv: &Array3<f64>,
) -> Array3<f64> {
    todo!("x is used three times: add the three Linear backward passes d· @ w·ᵀ")
}
