//! # The transformer block: communication, then computation
//!
//! Lecture 7 ("Let's build GPT"): a block lets the positions talk
//! (self-attention) and then lets each think on its own (the feed-forward
//! MLP). GPT-2 and makemore's Transformer write it pre-norm, with a residual
//! stream that each half adds to:
//!
//! ```text
//! x1  = x  + attn(ln_1(x))                        (B, T, C)
//! out = x1 + mlp(ln_2(x1))                        mlp(h) = c_proj(act(c_fc(h)))
//! ```
//!
//! The lecture gets there step by step, and [`Block`] covers every step:
//! the LayerNorms are optional (`ln_1`, `ln_2`), the residual connections
//! too (`residual: false` gives `x1 = attn(x)`, `out = mlp(x1)`), the MLP
//! may be absent or a single `Linear(C, C)` + ReLU without `c_proj`, and the
//! attention may lack its projection. The backward pass is yours to write in
//! `exercises/block.rs` (a composition of the layers' backward passes); the
//! derivation is in `solutions/block.rs`.

use ndarray::{Array3, ArrayRef3};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::attention::{AttentionCache, AttentionGrads, CausalSelfAttention};
use crate::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::{gelu, relu};

/// The MLP's non-linearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// The lecture's `nn.ReLU()`.
    Relu,
    /// GPT-2's and makemore's `nn.GELU(approximate='tanh')`.
    Gelu,
}

impl Activation {
    /// `relu` or `gelu`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Gelu => "gelu",
        }
    }

    /// The inverse of [`Activation::name`].
    pub fn from_name(name: &str) -> Option<Activation> {
        [Activation::Relu, Activation::Gelu]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

/// The feed-forward layer (makemore's `MLP`, the lecture's `FeedForward`):
/// `c_proj(act(c_fc(h)))`, or `act(c_fc(h))`
/// without `c_proj` (the lecture's first one).
#[derive(Clone, Debug, PartialEq)]
pub struct FeedForward<F> {
    /// `(C, H)` with bias; `H = 4C` in GPT-2
    pub c_fc: Linear<F>,
    pub act: Activation,
    /// `(H, C)` with bias; without it `H` must be `C`
    pub c_proj: Option<Linear<F>>,
}

/// The MLP's gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedForwardGrads<F> {
    pub c_fc: LinearGrads<F>,
    pub c_proj: Option<LinearGrads<F>>,
}

/// One block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block<F> {
    /// Before the attention (pre-norm), if any.
    pub ln_1: Option<LayerNorm<F>>,
    pub attn: CausalSelfAttention<F>,
    /// Before the MLP, if any.
    pub ln_2: Option<LayerNorm<F>>,
    pub mlp: Option<FeedForward<F>>,
    /// `x + f(x)` (true) or `f(x)` (false) around each half.
    pub residual: bool,
}

/// The gradients of a block's parameters, the same structure.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockGrads<F> {
    pub ln_1: Option<LayerNormGrads<F>>,
    pub attn: AttentionGrads<F>,
    pub ln_2: Option<LayerNormGrads<F>>,
    pub mlp: Option<FeedForwardGrads<F>>,
}

/// The MLP's activations and the scratch of its backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedForwardCache<F> {
    /// `(B, T, H)` `c_fc`'s output, the activation's input
    pub fc: Array3<F>,
    /// `(B, T, H)` the activation's output, `c_proj`'s input
    pub act: Array3<F>,
    /// scratch `(B, T, H)`: the gradient of `fc`
    pub dfc: Array3<F>,
    /// scratch `(B, T, H)`: the gradient of `act`
    pub dact: Array3<F>,
}

/// What the forward pass keeps, and the backward pass's scratch, allocated
/// once for a batch of `(B, T)`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockCache<F> {
    /// `ln_1`'s statistics and output `h1 (B, T, C)`, if there is an `ln_1`
    pub ln_1: Option<(LayerNormCache<F>, Array3<F>)>,
    pub attn: AttentionCache<F>,
    /// `(B, T, C)` the residual stream between the halves: `x + attn(h1)`
    pub x1: Array3<F>,
    /// `ln_2`'s statistics and output `h2 (B, T, C)`, if there is an `ln_2`
    pub ln_2: Option<(LayerNormCache<F>, Array3<F>)>,
    pub mlp: Option<FeedForwardCache<F>>,
    /// scratch `(B, T, C)`: the gradient of `x1`
    pub dx1: Array3<F>,
    /// scratch `(B, T, C)`: the gradient of `h2`, then of `h1`
    pub dh: Array3<F>,
}

impl<F: Float> FeedForward<F> {
    /// The hidden width `H`.
    pub fn hidden(&self) -> usize {
        self.c_fc.fan_out()
    }
}

impl<F: Float> Block<F> {
    /// A block from its parts, checking that their widths fit.
    pub fn new(
        ln_1: Option<LayerNorm<F>>,
        attn: CausalSelfAttention<F>,
        ln_2: Option<LayerNorm<F>>,
        mlp: Option<FeedForward<F>>,
        residual: bool,
    ) -> Result<Self> {
        let c = attn.n_embd();
        for ln in [&ln_1, &ln_2].into_iter().flatten() {
            expect_shape("block", "layernorm weight", ln.weight.shape(), &[c])?;
        }
        if let Some(mlp) = &mlp {
            expect_shape(
                "block",
                "mlp.c_fc.w",
                mlp.c_fc.w.shape(),
                &[c, mlp.hidden()],
            )?;
            match &mlp.c_proj {
                Some(p) => expect_shape("block", "mlp.c_proj.w", p.w.shape(), &[mlp.hidden(), c])?,
                None if mlp.hidden() != c => {
                    return Err(Error::Config(format!(
                        "block: an MLP without c_proj must keep the width {c}, not {}",
                        mlp.hidden()
                    )));
                }
                None => {}
            }
        }
        Ok(Block {
            ln_1,
            attn,
            ln_2,
            mlp,
            residual,
        })
    }

    /// `C`.
    pub fn n_embd(&self) -> usize {
        self.attn.n_embd()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> BlockGrads<F> {
        BlockGrads {
            ln_1: self.ln_1.as_ref().map(LayerNorm::zero_grads),
            attn: self.attn.zero_grads(),
            ln_2: self.ln_2.as_ref().map(LayerNorm::zero_grads),
            mlp: self.mlp.as_ref().map(|m| FeedForwardGrads {
                c_fc: m.c_fc.zero_grads(),
                c_proj: m.c_proj.as_ref().map(Linear::zero_grads),
            }),
        }
    }

    /// A cache for batches of `b` sequences of `t` positions.
    pub fn cache(&self, b: usize, t: usize) -> BlockCache<F> {
        let c = self.n_embd();
        let norm = |ln: &LayerNorm<F>| (ln.cache(b * t), Array3::zeros((b, t, c)));
        let h = |m: &FeedForward<F>| Array3::zeros((b, t, m.hidden()));
        BlockCache {
            ln_1: self.ln_1.as_ref().map(norm),
            attn: self.attn.cache(b, t),
            x1: Array3::zeros((b, t, c)),
            ln_2: self.ln_2.as_ref().map(norm),
            mlp: self.mlp.as_ref().map(|m| FeedForwardCache {
                fc: h(m),
                act: h(m),
                dfc: h(m),
                dact: h(m),
            }),
            dx1: Array3::zeros((b, t, c)),
            dh: Array3::zeros((b, t, c)),
        }
    }

    /// `out = block(x)`, `x (B, T, C)` into `out (B, T, C)`, keeping what the
    /// backward pass needs in `cache` (made by [`Self::cache`] for this
    /// `(B, T)`). Allocates nothing.
    pub fn forward_into(
        &self,
        x: &ArrayRef3<F>,
        out: &mut ArrayRef3<F>,
        cache: &mut BlockCache<F>,
    ) -> Result<()> {
        expect_shape("block", "output", out.shape(), x.shape())?;
        let BlockCache {
            ln_1,
            attn,
            x1,
            ln_2,
            mlp,
            ..
        } = cache;
        // x1 = x + attn(ln_1(x))
        let h1: &ArrayRef3<F> = match (&self.ln_1, ln_1) {
            (Some(ln), Some((c, h1))) => {
                ln.forward_3d_into(x, h1, c)?;
                h1
            }
            (None, None) => x,
            _ => return Err(cache_mismatch()),
        };
        self.attn.forward_into(h1, x1, attn)?;
        if self.residual {
            **x1 += x;
        }
        // out = x1 + mlp(ln_2(x1))
        let Some(m) = &self.mlp else {
            out.assign(x1);
            return Ok(());
        };
        let Some(FeedForwardCache { fc, act, .. }) = mlp else {
            return Err(cache_mismatch());
        };
        let h2: &ArrayRef3<F> = match (&self.ln_2, ln_2) {
            (Some(ln), Some((c, h2))) => {
                ln.forward_3d_into(x1, h2, c)?;
                h2
            }
            (None, None) => x1,
            _ => return Err(cache_mismatch()),
        };
        m.c_fc.forward_3d_into(h2, fc)?;
        match m.act {
            Activation::Relu => relu::forward_into(fc, act)?,
            Activation::Gelu => gelu::forward_into(fc, act)?,
        }
        match &m.c_proj {
            Some(p) => p.forward_3d_into(act, out)?,
            None => out.assign(act),
        }
        if self.residual {
            *out += &**x1;
        }
        Ok(())
    }

    /// `out` as a new array, with a new cache.
    pub fn forward(&self, x: &ArrayRef3<F>) -> Result<(Array3<F>, BlockCache<F>)> {
        let (b, t, c) = x.dim();
        let mut cache = self.cache(b, t);
        let mut out = Array3::zeros((b, t, c));
        self.forward_into(x, &mut out, &mut cache)?;
        Ok((out, cache))
    }
}

fn cache_mismatch() -> Error {
    Error::Config("block: the cache was made for a block of another shape".into())
}

crate::layers::params::named_params! {
    impl<F> FeedForward<F> => FeedForwardGrads<F> {
        FeedForward { c_fc, c_proj, .. }, FeedForwardGrads { c_fc: g_fc, c_proj: g_proj } => {
            "c_fc": c_fc => g_fc,
            "c_proj": c_proj => g_proj,
        }
    }
}

// Named as in makemore's `state_dict` below `transformer.h.{i}.`:
// `ln_1.weight`, `ln_1.bias`, `attn.c_attn.weight`, (`attn.c_attn.bias`),
// (`attn.c_proj.*`), `ln_2.*`, `mlp.c_fc.*`, (`mlp.c_proj.*`): those the
// block has, in this order. Linear weights are ours, `(in, out)`;
// PyTorch's are transposed.
crate::layers::params::named_params! {
    impl<F> Block<F> => BlockGrads<F> {
        Block { ln_1, attn, ln_2, mlp, .. },
        BlockGrads { ln_1: g_ln_1, attn: g_attn, ln_2: g_ln_2, mlp: g_mlp } => {
            "ln_1": ln_1 => g_ln_1,
            "attn": attn => g_attn,
            "ln_2": ln_2 => g_ln_2,
            "mlp": mlp => g_mlp,
        }
    }
}
