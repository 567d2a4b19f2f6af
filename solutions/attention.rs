//! # Causal multi-head self-attention, backward — solution
//!
//! Forward (`src/layers/attention.rs`, lecture 7 "Let's build GPT"):
//!
//! ```text
//! qkv = x @ c_attn.w + c_attn.b                     (B, T, 3C)
//! for each head h, with q_h, k_h, v_h its hs columns of q | k | v:
//!     scores_h = q_h @ k_hᵀ · scale                 (B, T, T), scale = hs^-0.5
//!     att_h = causal_softmax(scores_h)              (B, T, T)
//!     y_h = att_h @ v_h                             (B, T, hs), into y's columns h·hs..
//! out = y @ c_proj.w + c_proj.b                     (B, T, C)  (or out = y)
//! ```
//!
//! Backward, from the top, every step a gradient you have met before:
//!
//! 1. `out = y @ c_proj.w + b` is a Linear on `(B, T, C)`: `dy = dout @ wᵀ`,
//!    `dw += yᵀ @ dout`, `db += Σ_{B,T} dout` (`solutions/linear.rs`). Without
//!    `c_proj`, `dy = dout`.
//! 2. The concatenation only places each head's output in its own columns:
//!    head `h` gets `dy_h = dy[.., h·hs..(h+1)·hs]`, and each head's `q_h, k_h,
//!    v_h` gradients go back into their own columns of `dqkv (B, T, 3C)`.
//! 3. Per head and example, one head's steps (`solutions/head.rs`):
//!    - `dv_h = att_hᵀ @ dy_h` `(T, hs)`;
//!    - `datt_h = dy_h @ v_hᵀ` `(T, T)` (its future entries do not matter: the
//!      softmax multiplies them by `att = 0`);
//!    - `dscores_h = att_h ⊙ (datt_h − Σ_row att_h ⊙ datt_h)` (`solutions/softmax.rs`);
//!      the masked scores get 0;
//!    - `dq_h = dscores_h @ k_h · scale`, `dk_h = dscores_hᵀ @ q_h · scale`: the
//!      scale is on **both** paths, since `scores = (q @ kᵀ)·scale`.
//! 4. `qkv = x @ c_attn.w + b` is a Linear again: `dx += dqkv @ c_attn.wᵀ`,
//!    `dw += xᵀ @ dqkv`, `db += Σ_{B,T} dqkv`.
//!
//! Nothing is allocated: `dy`, `dqkv`, one `(T, T)` matrix and one `(hs, T)`
//! transpose are the cache's scratch, and every product is a [`matmul_acc`]
//! on a strided view.

use ndarray::{ArrayRef3, Axis, s};

use crate::float::Float;
use crate::layers::attention::{AttentionCache, AttentionGrads, CausalSelfAttention};
use crate::ops::matmul_acc;
use crate::solutions::linear;

/// Accumulates (`+=`) `dx` and the gradients of `c_attn` and `c_proj`.
/// `cache` is the forward pass's, and lends its scratch space.
///
/// # Panics
/// If `grads` were not made by `layer.zero_grads()` (a `c_proj` without its
/// gradients).
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,         // (B, T, C)
    grads: &mut AttentionGrads<F>, // c_attn: dw (C, 3C), db (3C,); c_proj: dw (C, C), db (C,)
    dout: &ArrayRef3<F>,           // (B, T, C)
    x: &ArrayRef3<F>,              // (B, T, C)
    cache: &mut AttentionCache<F>, // qkv (B, T, 3C), att (B, nh, T, T), y (B, T, C), scratch
    layer: &CausalSelfAttention<F>,
) {
    let (c, hs, scale) = (layer.n_embd(), layer.head_size(), layer.scale());
    let AttentionCache {
        qkv,
        att,
        y,
        dy,
        dqkv,
        datt,
        transposed: vt,
    } = cache;
    // 1. out = y @ c_proj.w + b
    let dy: &ArrayRef3<F> = match (&layer.c_proj, &mut grads.c_proj) {
        (Some(proj), Some(g)) => {
            dy.fill(F::zero());
            linear::backward_3d(dy, g, dout, y, proj); // dy = dout @ wᵀ, (B, T, C)
            dy
        }
        (None, _) => dout,
        (Some(_), None) => {
            panic!("grads.c_proj is None: make the gradients with layer.zero_grads()")
        }
    };
    // 2, 3. each head of each example
    dqkv.fill(F::zero());
    for (((qkv, att), dy), mut dqkv) in qkv
        .axis_iter(Axis(0))
        .zip(att.axis_iter(Axis(0)))
        .zip(dy.axis_iter(Axis(0)))
        .zip(dqkv.axis_iter_mut(Axis(0)))
    {
        for (h, att) in att.axis_iter(Axis(0)).enumerate() {
            let (q, k, v) = (h * hs, c + h * hs, 2 * c + h * hs); // first columns in q | k | v
            let (mut dq, mut dk, mut dv) =
                dqkv.multi_slice_mut((s![.., q..q + hs], s![.., k..k + hs], s![.., v..v + hs]));
            let (q, k, v) = (
                qkv.slice(s![.., q..q + hs]), // (T, hs)
                qkv.slice(s![.., k..k + hs]),
                qkv.slice(s![.., v..v + hs]),
            );
            let dy = dy.slice(s![.., h * hs..(h + 1) * hs]); // (T, hs)
            matmul_acc(&mut dv, &att.t(), &dy); // dv_h += att_hᵀ @ dy_h
            vt.assign(&v.t()); // (hs, T), contiguous
            datt.fill(F::zero());
            matmul_acc(datt, &dy, vt); // datt_h = dy_h @ v_hᵀ, (T, T)
            // dscores_h = att_h ⊙ (datt_h − Σ_row att_h ⊙ datt_h), times the scale, in place
            for (mut d, a) in datt.rows_mut().into_iter().zip(att.rows()) {
                let dot = a.dot(&d);
                d.zip_mut_with(&a, |d, &a| *d = a * (*d - dot) * scale);
            }
            matmul_acc(&mut dq, datt, &k); // dq_h += dscores_h·scale @ k_h
            matmul_acc(&mut dk, &datt.t(), &q); // dk_h += (dscores_h·scale)ᵀ @ q_h
        }
    }
    // 4. qkv = x @ c_attn.w + b
    linear::backward_3d(dx, &mut grads.c_attn, dqkv, x, &layer.c_attn);
}
