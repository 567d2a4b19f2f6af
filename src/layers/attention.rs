//! # Causal multi-head self-attention
//!
//! Lecture 7, "Let's build GPT": several heads of attention side by side,
//! their outputs concatenated and projected back into the residual stream
//! (GPT-2's `CausalSelfAttention`, as in nanoGPT: one fused projection
//! `c_attn` makes the queries, keys and values of every head at once):
//!
//! ```text
//! qkv = x @ c_attn.w + c_attn.b                     (B, T, C) @ (C, 3C) = (B, T, 3C)
//! q, k, v = qkv[.., 0..C], qkv[.., C..2C], qkv[.., 2C..3C]       each (B, T, C)
//! for each head h (columns h·hs..(h+1)·hs of q, k, v; hs = C / n_head):
//!     att[:, h] = causal_softmax(q_h @ k_hᵀ · hs^-0.5)           (B, T, T)
//!     y[.., h·hs..(h+1)·hs] = att[:, h] @ v_h                      (B, T, hs)
//! out = y @ c_proj.w + c_proj.b                     (B, T, C) @ (C, C) = (B, T, C)
//! ```
//!
//! Without `c_proj` (the lecture's first "multi-head" step) `out = y`.
//!
//! The heads are never copied out of `qkv`: each is a strided view, and every
//! product goes through [`matmul_acc`]. [`AttentionCache`] holds what the
//! backward pass needs and its scratch space, allocated once for a `(B, T)`;
//! [`CausalSelfAttention::forward_into`] allocates nothing.
//!
//! The backward pass is yours in `exercises/attention.rs`.

use ndarray::{Array2, Array3, Array4, ArrayRef3, ArrayView2, ArrayViewMut2, Axis, s};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::rows::expect_standard;
use crate::layers::softmax::causal_softmax_in_place;
use crate::ops::matmul_acc;

/// The layer: a fused `q | k | v` projection, an optional output projection,
/// and the number of heads.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalSelfAttention<F> {
    /// `w (C, 3C)`: the queries', keys' and values' weights side by side; bias optional.
    pub c_attn: Linear<F>,
    /// `(C, C)` with bias; `None` in the lecture's early "heads" step.
    pub c_proj: Option<Linear<F>>,
    /// `head_size = C / n_head`; the scores are scaled by `head_size^-0.5`.
    pub n_head: usize,
}

/// The gradients of the parameters, the same shapes as the layer's.
#[derive(Clone, Debug, PartialEq)]
pub struct AttentionGrads<F> {
    pub c_attn: LinearGrads<F>,
    pub c_proj: Option<LinearGrads<F>>,
}

/// What the forward pass keeps for the backward pass, and the backward
/// pass's scratch space, all allocated once for a batch of `(B, T)`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttentionCache<F> {
    /// `(B, T, 3C)`: `q | k | v`
    pub qkv: Array3<F>,
    /// `(B, n_head, T, T)`: the attention probabilities, zero above the diagonal
    pub att: Array4<F>,
    /// `(B, T, C)`: the heads' outputs, concatenated (`c_proj`'s input)
    pub y: Array3<F>,
    /// Scratch `(B, T, C)`: the gradient of `y`
    pub dy: Array3<F>,
    /// Scratch `(B, T, 3C)`: the gradient of `qkv`
    pub dqkv: Array3<F>,
    /// Scratch `(T, T)`: one head's `datt`, then `dscores`
    pub datt: Array2<F>,
    /// Scratch `(hs, T)`: one head's `k_hᵀ` (forward) or `v_hᵀ` (backward),
    /// contiguous, so that the products read rows
    pub transposed: Array2<F>,
}

impl<F: Float> AttentionCache<F> {
    /// `(B, T)`, the batch this cache was made for.
    pub fn dim(&self) -> (usize, usize) {
        (self.qkv.len_of(Axis(0)), self.qkv.len_of(Axis(1)))
    }
}

/// `[a, b)` columns of a `(T, n)` matrix view: the head's slice.
fn cols<F>(m: ArrayView2<'_, F>, from: usize, len: usize) -> ArrayView2<'_, F> {
    m.slice_move(s![.., from..from + len])
}

fn cols_mut<F>(m: ArrayViewMut2<'_, F>, from: usize, len: usize) -> ArrayViewMut2<'_, F> {
    m.slice_move(s![.., from..from + len])
}

impl<F: Float> CausalSelfAttention<F> {
    /// A layer from its projections: `c_attn.w (C, 3C)`, `c_proj.w (C, C)`,
    /// and `C` a multiple of `n_head`.
    pub fn new(c_attn: Linear<F>, c_proj: Option<Linear<F>>, n_head: usize) -> Result<Self> {
        let c = c_attn.fan_in();
        if n_head == 0 || c == 0 || !c.is_multiple_of(n_head) {
            return Err(Error::Config(format!(
                "attention: n_embd {c} must be a positive multiple of n_head {n_head}"
            )));
        }
        expect_shape("attention", "c_attn.w", c_attn.w.shape(), &[c, 3 * c])?;
        if let Some(p) = &c_proj {
            expect_shape("attention", "c_proj.w", p.w.shape(), &[c, c])?;
        }
        Ok(CausalSelfAttention {
            c_attn,
            c_proj,
            n_head,
        })
    }

    /// `C`, the width of the residual stream.
    pub fn n_embd(&self) -> usize {
        self.c_attn.fan_in()
    }

    /// `C / n_head`.
    pub fn head_size(&self) -> usize {
        self.n_embd() / self.n_head
    }

    /// `head_size^-0.5`.
    pub fn scale(&self) -> F {
        F::count(self.head_size()).sqrt().recip()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> AttentionGrads<F> {
        AttentionGrads {
            c_attn: self.c_attn.zero_grads(),
            c_proj: self.c_proj.as_ref().map(Linear::zero_grads),
        }
    }

    /// A cache for batches of `b` sequences of `t` positions.
    pub fn cache(&self, b: usize, t: usize) -> AttentionCache<F> {
        let c = self.n_embd();
        AttentionCache {
            qkv: Array3::zeros((b, t, 3 * c)),
            att: Array4::zeros((b, self.n_head, t, t)),
            y: Array3::zeros((b, t, c)),
            dy: Array3::zeros((b, t, c)),
            dqkv: Array3::zeros((b, t, 3 * c)),
            datt: Array2::zeros((t, t)),
            transposed: Array2::zeros((self.head_size(), t)),
        }
    }

    /// `out = attention(x)`, a new array (and a new cache).
    pub fn forward(&self, x: &ArrayRef3<F>) -> Result<(Array3<F>, AttentionCache<F>)> {
        let (b, t, c) = x.dim();
        let mut cache = self.cache(b, t);
        let mut out = Array3::zeros((b, t, c));
        self.forward_into(x, &mut out, &mut cache)?;
        Ok((out, cache))
    }

    /// `out = attention(x)`, `x (B, T, C)` into `out (B, T, C)`, keeping
    /// `qkv`, `att` and `y` in `cache` (made by [`Self::cache`] for this
    /// `(B, T)`). Allocates nothing.
    pub fn forward_into(
        &self,
        x: &ArrayRef3<F>,
        out: &mut ArrayRef3<F>,
        cache: &mut AttentionCache<F>,
    ) -> Result<()> {
        let (b, t) = cache.dim();
        let c = self.n_embd();
        expect_shape("attention", "input x", x.shape(), &[b, t, c])?;
        expect_shape("attention", "output", out.shape(), &[b, t, c])?;
        expect_standard("attention", "input x", x)?;
        expect_standard("attention", "output", out)?;
        let (hs, scale) = (self.head_size(), self.scale());
        let AttentionCache {
            qkv,
            att,
            y,
            transposed: kt,
            ..
        } = cache;
        self.c_attn.forward_3d_into(x, qkv)?; // (B, T, 3C)
        y.fill(F::zero());
        for ((qkv, mut att), mut y) in qkv
            .axis_iter(Axis(0))
            .zip(att.axis_iter_mut(Axis(0)))
            .zip(y.axis_iter_mut(Axis(0)))
        {
            for (h, mut att) in att.axis_iter_mut(Axis(0)).enumerate() {
                let q = cols(qkv, h * hs, hs); // (T, hs)
                let k = cols(qkv, c + h * hs, hs);
                let v = cols(qkv, 2 * c + h * hs, hs);
                kt.assign(&k.t()); // (hs, T), contiguous
                att.fill(F::zero());
                matmul_acc(&mut att, &q, kt); // q @ kᵀ, (T, T)
                causal_softmax_in_place(&mut att, scale);
                matmul_acc(&mut cols_mut(y.view_mut(), h * hs, hs), &att, &v); // (T, hs)
            }
        }
        match &self.c_proj {
            Some(p) => p.forward_3d_into(y, out),
            None => {
                out.assign(y);
                Ok(())
            }
        }
    }
}

crate::layers::params::named_params! {
    impl<F> CausalSelfAttention<F> => AttentionGrads<F> {
        CausalSelfAttention { c_attn, c_proj, .. }, AttentionGrads { c_attn: g_attn, c_proj: g_proj } => {
            "c_attn": c_attn => g_attn,
            "c_proj": c_proj => g_proj,
        }
    }
}
