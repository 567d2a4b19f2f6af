//! # Causal multi-head self-attention, backward — yours to write
//!
//! Lecture 7, "Let's build GPT". Forward (`src/layers/attention.rs`):
//!
//! ```text
//! qkv = x @ c_attn.w + c_attn.b                     (B, T, 3C): q | k | v
//! per head h (hs columns of each of q, k, v; hs = C / n_head):
//!     att[:, h] = causal_softmax(q_h @ k_hᵀ · hs^-0.5)          (B, T, T)
//!     y[.., h·hs..(h+1)·hs] = att[:, h] @ v_h                     (B, T, hs)
//! out = y @ c_proj.w + c_proj.b   (or out = y without c_proj)   (B, T, C)
//! ```
//!
//! Edit only the function body; accumulate (`+=`) into `dx` and `grads`.
//! The cache holds the forward's `qkv`, `att` and `y`, and scratch space
//! (`dy`, `dqkv`, `datt`, `transposed`) so that you need allocate nothing.
//! Your earlier exercises (`super::linear::backward_3d`, the head's steps) are
//! the pieces. The answer, with its derivation, is in
//! `solutions/attention.rs`.

use ndarray::ArrayRef3;

use crate::float::Float;
use crate::layers::attention::{AttentionCache, AttentionGrads, CausalSelfAttention};

/// Accumulates (`+=`) `dx` and the gradients of `c_attn` and `c_proj`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,         // (B, T, C)
    grads: &mut AttentionGrads<F>, // c_attn: dw (C, 3C), db (3C,); c_proj: dw (C, C), db (C,)
    dout: &ArrayRef3<F>,           // (B, T, C)
    x: &ArrayRef3<F>,              // (B, T, C)
    cache: &mut AttentionCache<F>, // qkv (B, T, 3C), att (B, nh, T, T), y (B, T, C), scratch
    layer: &CausalSelfAttention<F>,
) {
    todo!(
        "c_proj's Linear backward gives dy; each head is the single head's steps on its columns (scale on q's and k's paths); then c_attn's Linear backward"
    )
}
