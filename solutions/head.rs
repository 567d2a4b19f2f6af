//! # One attention head, backward step by step — solution
//!
//! Forward (`src/layers/head.rs`, lecture 7 "Let's build GPT"), with `f.` in
//! front of every name:
//!
//! ```text
//! k = x @ wk;  q = x @ wq;  v = x @ wv          (B, T, hs)
//! scores = q @ kᵀ · scale                       (B, T, T), scale = hs^-0.5
//! att = causal_softmax(scores)                  (B, T, T)
//! out = att @ v                                 (B, T, hs)
//! ```
//!
//! Each function returns the gradient of `L = Σ out ⊙ dout` with respect to
//! one variable, in that variable's shape, from the gradients just above it.
//! `bmm` is PyTorch's `@` on batches of matrices, `mt` its `.mT`.

use ndarray::{Array3, Axis, Zip};

use crate::layers::head::{HeadForward, bmm, bmm_2d, mt};

/// `out = att @ v`: `v[b, s, :]` is read by every row `t` of `att[b]`, with
/// weight `att[b, t, s]`, so **`dv = attᵀ @ dout`**
/// `(B, T, hs) = (B, T, T) @ (B, T, hs)`. `att` is zero above the diagonal:
/// `v` at position `s` hears only from the positions `t ≥ s` that read it.
pub fn dv(f: &HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> {
    bmm(&mt(&f.att), dout) // (B, T, hs)
}

/// `out = att @ v`, the causal weighted average: `att[b, t, s]` multiplies
/// `v[b, s, :]` into `out[b, t, :]`, so `datt[b, t, s] = dout[b, t, :] · v[b, s, :]`,
/// **`datt = dout @ vᵀ`** `(B, T, T) = (B, T, hs) @ (B, hs, T)`, **masked**: the
/// forward never read `att` above the diagonal, so those entries get 0.
pub fn datt(f: &HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> {
    let mut datt = bmm(dout, &mt(&f.v)); // (B, T, T)
    Zip::indexed(&mut datt).for_each(|(_, t, s), d| {
        if s > t {
            *d = 0.0; // the future: never read
        }
    });
    datt
}

/// `att = causal_softmax(scores)`: row by row, the softmax's Jacobian
/// `∂att_s/∂scores_j = att_s·(δ_sj − att_j)` gives
/// **`dscores = att ⊙ (datt − Σ_row att ⊙ datt)`** `(B, T, T)`. The masked
/// scores (`-∞`) get 0, since `att` is 0 there.
pub fn dscores(f: &HeadForward<f64>, datt: &Array3<f64>) -> Array3<f64> {
    let rowsum = (&f.att * datt).sum_axis(Axis(2)).insert_axis(Axis(2)); // (B, T, 1)
    &f.att * &(datt - &rowsum) // (B, T, T)
}

/// `scores = q @ kᵀ · scale`: `q[b, t, :]` meets every `k[b, s, :]` in
/// `scores[b, t, s]`, so **`dq = dscores @ k · scale`**
/// `(B, T, hs) = (B, T, T) @ (B, T, hs)`. The scale is on this path too.
pub fn dq(f: &HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> {
    bmm(dscores, &f.k) * f.scale
}

/// `scores = q @ kᵀ · scale`: `k[b, s, :]` meets every `q[b, t, :]` in
/// `scores[b, t, s]`, so **`dk = dscoresᵀ @ q · scale`**
/// `(B, T, hs) = (B, T, T) @ (B, T, hs)`: the same product as `dq` with the
/// roles of rows and columns swapped, and the same scale.
pub fn dk(f: &HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> {
    bmm(&mt(dscores), &f.q) * f.scale
}

/// `k = x @ wk; q = x @ wq; v = x @ wv`: `x` is used three times, so its
/// gradient is the sum of three Linear backward passes,
/// **`dx = dq @ wqᵀ + dk @ wkᵀ + dv @ wvᵀ`** `(B, T, C) = (B, T, hs) @ (hs, C)`.
pub fn dx(
    f: &HeadForward<f64>,
    dq: &Array3<f64>,
    dk: &Array3<f64>,
    dv: &Array3<f64>,
) -> Array3<f64> {
    bmm_2d(dq, &f.wq.t()) + bmm_2d(dk, &f.wk.t()) + bmm_2d(dv, &f.wv.t()) // (B, T, C)
}
