//! # LayerNorm: each position normalised over its own channels
//!
//! Lecture 7 ("Let's build GPT"), where the transformer block gets its
//! pre-norm `x + attn(ln_1(x))`: unlike the BatchNorm of makemore parts 3
//! and 4, the statistics run over the last axis, one row at a time, so no
//! example depends on the others and nothing is kept for evaluation.
//!
//! ```text
//! μ_i  = 1/C Σ_c x[i,c]                     mean of row i         (N,)
//! σ²_i = 1/C Σ_c (x[i,c] - μ_i)²            biased variance (1/C) (N,)
//! r_i  = (σ²_i + ε)^-1/2                    rstd, ε = 1e-5         (N,)
//! x̂    = (x - μ)·r                          xhat                  (N, C)
//! out  = x̂ ⊙ weight + bias                  weight, bias (C,)     (N, C)
//! ```
//!
//! The variance is the biased one, as `torch.nn.LayerNorm` computes it. On
//! `(B, T, C)` the rows are the `B·T` positions ([`crate::layers::rows`]). The
//! backward pass (exercise 5 of the chapter) is yours to write in
//! `exercises/layernorm.rs`; the derivation is in `solutions/layernorm.rs`.

use ndarray::{Array1, Array2, ArrayRef1, ArrayRef2, ArrayRef3, Zip};

use crate::error::{Result, expect_shape};
use crate::float::Float;
use crate::layers::rows::{expect_standard, rows, rows_mut};

/// `ε`, added to the variance, as PyTorch's default.
pub const EPS: f64 = 1e-5;

/// The parameters: a gain and an offset per channel.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm<F> {
    /// `(C,)`, 1 at first
    pub weight: Array1<F>,
    /// `(C,)`, 0 at first
    pub bias: Array1<F>,
}

/// The gradients of the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNormGrads<F> {
    /// `(C,)`
    pub dweight: Array1<F>,
    /// `(C,)`
    pub dbias: Array1<F>,
}

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNormCache<F> {
    /// `(N, C)` the normalised input `x̂ = (x - μ)·r`
    pub xhat: Array2<F>,
    /// `(N,)` each row's `r = (σ² + ε)^-1/2`
    pub rstd: Array1<F>,
}

impl<F: Float> LayerNorm<F> {
    /// PyTorch's initialisation: weight 1, bias 0.
    pub fn new(channels: usize) -> Self {
        LayerNorm {
            weight: Array1::ones(channels),
            bias: Array1::zeros(channels),
        }
    }

    /// `C`.
    pub fn channels(&self) -> usize {
        self.weight.len()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> LayerNormGrads<F> {
        LayerNormGrads {
            dweight: Array1::zeros(self.channels()),
            dbias: Array1::zeros(self.channels()),
        }
    }

    /// Room for `rows` rows.
    pub fn cache(&self, rows: usize) -> LayerNormCache<F> {
        LayerNormCache {
            xhat: Array2::zeros((rows, self.channels())),
            rstd: Array1::zeros(rows),
        }
    }

    /// `out = x̂ ⊙ weight + bias`, each row of `x (N, C)` normalised on its
    /// own, written into `out` and `cache` (no allocation).
    pub fn forward_into(
        &self,
        x: &ArrayRef2<F>,
        out: &mut ArrayRef2<F>,
        cache: &mut LayerNormCache<F>,
    ) -> Result<()> {
        let (n, c) = (x.nrows(), self.channels());
        expect_shape("layernorm", "input x", x.shape(), &[n, c])?;
        expect_shape("layernorm", "bias", self.bias.shape(), &[c])?;
        expect_shape("layernorm", "output", out.shape(), &[n, c])?;
        expect_shape("layernorm", "cache xhat", cache.xhat.shape(), &[n, c])?;
        expect_shape("layernorm", "cache rstd", cache.rstd.shape(), &[n])?;
        self.normalize_rows(x, out, &mut cache.xhat, &mut cache.rstd);
        Ok(())
    }

    /// The arithmetic of [`LayerNorm::forward_into`], its shapes checked by
    /// the caller: `x`, `out`, `xhat (N, C)`, `rstd (N,)`. The KV cache
    /// (`crate::models::kv_cache`) calls it on the rows of one step.
    pub(crate) fn normalize_rows(
        &self,
        x: &ArrayRef2<F>,
        out: &mut ArrayRef2<F>,
        xhat: &mut ArrayRef2<F>,
        rstd: &mut ArrayRef1<F>,
    ) {
        let cf = F::count(self.channels());
        let eps = F::lit(EPS);
        Zip::from(x.rows())
            .and(out.rows_mut())
            .and(xhat.rows_mut())
            .and(rstd)
            .for_each(|x, mut out, mut xhat, rstd| {
                let mean = x.sum() / cf;
                let var = x.fold(F::zero(), |s, &v| s + (v - mean) * (v - mean)) / cf;
                let r = F::one() / (var + eps).sqrt();
                *rstd = r;
                Zip::from(&mut xhat)
                    .and(&mut out)
                    .and(&x)
                    .and(&self.weight)
                    .and(&self.bias)
                    .for_each(|xh, o, &x, &w, &b| {
                        *xh = (x - mean) * r;
                        *o = *xh * w + b;
                    });
            });
    }

    /// The same on `(B, T, C)`, the positions as rows (`cache` for `B·T` rows).
    pub fn forward_3d_into(
        &self,
        x: &ArrayRef3<F>,
        out: &mut ArrayRef3<F>,
        cache: &mut LayerNormCache<F>,
    ) -> Result<()> {
        expect_shape("layernorm", "output", out.shape(), x.shape())?;
        expect_standard("layernorm", "input x", x)?;
        expect_standard("layernorm", "output", out)?;
        self.forward_into(&rows(x), &mut rows_mut(out), cache)
    }

    /// `out` as a new array, with a new cache.
    pub fn forward(&self, x: &ArrayRef2<F>) -> Result<(Array2<F>, LayerNormCache<F>)> {
        let mut out = Array2::zeros(x.raw_dim());
        let mut cache = self.cache(x.nrows());
        self.forward_into(x, &mut out, &mut cache)?;
        Ok((out, cache))
    }
}

crate::layers::params::named_params! {
    impl<F> LayerNorm<F> => LayerNormGrads<F> {
        LayerNorm { weight, bias, .. }, LayerNormGrads { dweight, dbias } => {
            "weight": weight => dweight,
            "bias": bias => dbias,
        }
    }
}
