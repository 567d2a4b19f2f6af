//! # BatchNorm1d: normalise each feature over the batch, then scale and shift
//!
//! The lecture's batch normalisation layer, in training mode:
//!
//! ```text
//! mean    = x.mean(0)                          (1, H)
//! var     = ((x - mean)^2).sum(0) / (B - 1)    (1, H)   Bessel's correction
//! var_inv = (var + eps)^-1/2                   (1, H)
//! xhat    = (x - mean) * var_inv               (B, H)   "bnraw"
//! out     = gain * xhat + bias                 (B, H)
//! ```
//!
//! and in eval mode with running statistics instead of the batch's. Its
//! backward pass (exercise 3 of the lecture) is yours to write in
//! `exercises/batchnorm.rs`; the derivation is in `solutions/batchnorm.rs`.
//!
//! In the WaveNet of makemore part 5 the input is `(B, T, H)` and the
//! statistics run over axes 0 *and* 1 (the lecture's `x.mean((0, 1))`): every
//! position of every example is one more sample of each feature. That is the
//! 2-D layer on `(B·T, H)` rows, with `n = B·T` in the mean and `n - 1` in
//! Bessel's correction ([`BatchNorm1d::forward_train_3d`]).

use ndarray::{Array2, Array3, ArrayRef2, ArrayRef3, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::rows::{expect_standard, rows, rows_mut};

/// The layer: learnable gain and bias, and running statistics for eval mode.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm1d<F> {
    /// `(1, H)`, "bngain"
    pub gain: Array2<F>,
    /// `(1, H)`, "bnbias"
    pub bias: Array2<F>,
    /// `(1, H)`, used in eval mode
    pub running_mean: Array2<F>,
    /// `(1, H)`, used in eval mode (Bessel-corrected, as in training)
    pub running_var: Array2<F>,
    /// Weight of the newest batch in the running statistics.
    pub momentum: F,
    /// Added to the variance before the square root.
    pub eps: F,
}

/// The gradients of the learnable parameters, the same shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormGrads<F> {
    /// `(1, H)`
    pub dgain: Array2<F>,
    /// `(1, H)`
    pub dbias: Array2<F>,
}

/// What the training-mode forward pass keeps for the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormCache<F> {
    /// `(1, H)`, the batch mean ("bnmeani")
    pub mean: Array2<F>,
    /// `(1, H)`, the Bessel-corrected batch variance ("bnvar")
    pub var: Array2<F>,
    /// `(1, H)`, `(var + eps)^-1/2` ("bnvar_inv")
    pub var_inv: Array2<F>,
    /// `(B, H)`, the normalised input ("bnraw")
    pub xhat: Array2<F>,
}

impl<F: Float> BatchNormCache<F> {
    /// Room for a batch of `batch` rows of `dim` features.
    pub fn new(batch: usize, dim: usize) -> Self {
        BatchNormCache {
            mean: Array2::zeros((1, dim)),
            var: Array2::zeros((1, dim)),
            var_inv: Array2::zeros((1, dim)),
            xhat: Array2::zeros((batch, dim)),
        }
    }
}

impl<F: Float> BatchNorm1d<F> {
    /// Gain one, bias zero, running mean 0 and variance 1, eps 1e-5, momentum 0.1.
    pub fn new(dim: usize) -> Self {
        BatchNorm1d {
            gain: Array2::ones((1, dim)),
            bias: Array2::zeros((1, dim)),
            running_mean: Array2::zeros((1, dim)),
            running_var: Array2::ones((1, dim)),
            momentum: F::lit(0.1),
            eps: F::lit(1e-5),
        }
    }

    /// The number of features, `H`.
    pub fn dim(&self) -> usize {
        self.gain.ncols()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> BatchNormGrads<F> {
        BatchNormGrads {
            dgain: Array2::zeros(self.gain.raw_dim()),
            dbias: Array2::zeros(self.bias.raw_dim()),
        }
    }

    fn check(&self, x: &ArrayRef2<F>, out: &ArrayRef2<F>) -> Result<()> {
        expect_shape("batchnorm", "input x", x.shape(), &[x.nrows(), self.dim()])?;
        expect_shape("batchnorm", "output", out.shape(), x.shape())
    }

    /// Training mode, a new output and cache.
    pub fn forward_train(&self, x: &ArrayRef2<F>) -> Result<(Array2<F>, BatchNormCache<F>)> {
        let mut out = Array2::zeros(x.raw_dim());
        let mut cache = BatchNormCache::new(x.nrows(), self.dim());
        self.forward_train_into(x, &mut out, &mut cache)?;
        Ok((out, cache))
    }

    /// Training mode: normalise with the batch's own statistics, written into
    /// `out` and `cache` (no allocation). The running statistics do not move:
    /// call [`BatchNorm1d::update_running_stats`] for that.
    pub fn forward_train_into(
        &self,
        x: &ArrayRef2<F>,
        out: &mut ArrayRef2<F>,
        cache: &mut BatchNormCache<F>,
    ) -> Result<()> {
        self.check(x, out)?;
        expect_shape("batchnorm", "cache xhat", cache.xhat.shape(), x.shape())?;
        let n = x.nrows();
        if n < 2 {
            return Err(Error::Input {
                layer: "batchnorm",
                detail: format!(
                    "a training batch needs at least 2 rows for the Bessel-corrected variance (1/(n-1)), got {n}"
                ),
            });
        }
        let BatchNormCache {
            mean,
            var,
            var_inv,
            xhat,
        } = cache;
        mean.fill(F::zero());
        var.fill(F::zero());
        for row in x.rows() {
            *mean += &row;
        }
        *mean /= F::count(n); // (1, H)
        for row in x.rows() {
            Zip::from(var.row_mut(0))
                .and(&row)
                .and(mean.row(0))
                .for_each(|v, &x, &m| *v += (x - m) * (x - m));
        }
        *var /= F::count(n - 1); // (1, H), Bessel
        let eps = self.eps;
        Zip::from(&mut *var_inv)
            .and(&*var)
            .for_each(|vi, &v| *vi = F::one() / (v + eps).sqrt()); // (var + eps)^-1/2
        Zip::from(&mut *xhat)
            .and(x)
            .and_broadcast(&*mean)
            .and_broadcast(&*var_inv)
            .for_each(|xh, &x, &m, &vi| *xh = (x - m) * vi); // (B, H)
        Zip::from(out)
            .and(&*xhat)
            .and_broadcast(&self.gain)
            .and_broadcast(&self.bias)
            .for_each(|o, &xh, &g, &b| *o = g * xh + b);
        Ok(())
    }

    /// Moves the running statistics toward this batch's by `momentum`.
    pub fn update_running_stats(&mut self, cache: &BatchNormCache<F>) {
        let m = self.momentum;
        Zip::from(&mut self.running_mean)
            .and(&cache.mean)
            .for_each(|r, &x| *r = (F::one() - m) * *r + m * x);
        Zip::from(&mut self.running_var)
            .and(&cache.var)
            .for_each(|r, &x| *r = (F::one() - m) * *r + m * x);
    }

    /// Eval mode: normalise with the running statistics, a new array.
    pub fn forward_eval(&self, x: &ArrayRef2<F>) -> Result<Array2<F>> {
        let mut out = Array2::zeros(x.raw_dim());
        self.forward_eval_into(x, &mut out)?;
        Ok(out)
    }

    /// Eval mode, written into `out`. Any batch size, even one row.
    pub fn forward_eval_into(&self, x: &ArrayRef2<F>, out: &mut ArrayRef2<F>) -> Result<()> {
        self.check(x, out)?;
        let eps = self.eps;
        Zip::from(out)
            .and(x)
            .and_broadcast(&self.running_mean)
            .and_broadcast(&self.running_var)
            .and_broadcast(&self.gain)
            .and_broadcast(&self.bias)
            .for_each(|o, &x, &m, &v, &g, &b| *o = g * (x - m) / (v + eps).sqrt() + b);
        Ok(())
    }
}

/// On `(B, T, H)` input (makemore part 5): statistics over axes 0 and 1.
impl<F: Float> BatchNorm1d<F> {
    fn check_3d(&self, x: &ArrayRef3<F>, out: &ArrayRef3<F>) -> Result<()> {
        let (b, t, _) = x.dim();
        expect_shape("batchnorm", "input x", x.shape(), &[b, t, self.dim()])?;
        expect_shape("batchnorm", "output", out.shape(), x.shape())?;
        expect_standard("batchnorm", "input x", x)?;
        expect_standard("batchnorm", "output", out)
    }

    /// Training mode on `(B, T, H)`, a new output and cache (`xhat (B·T, H)`).
    pub fn forward_train_3d(&self, x: &ArrayRef3<F>) -> Result<(Array3<F>, BatchNormCache<F>)> {
        let (b, t, _) = x.dim();
        let mut out = Array3::zeros(x.raw_dim());
        let mut cache = BatchNormCache::new(b * t, self.dim());
        self.forward_train_3d_into(x, &mut out, &mut cache)?;
        Ok((out, cache))
    }

    /// Training mode on `(B, T, H)`: mean and Bessel-corrected variance of
    /// each feature over all `n = B·T` positions (axes 0 and 1), written into
    /// `out` and `cache`, whose `xhat` is `(B·T, H)`.
    pub fn forward_train_3d_into(
        &self,
        x: &ArrayRef3<F>,
        out: &mut ArrayRef3<F>,
        cache: &mut BatchNormCache<F>,
    ) -> Result<()> {
        self.check_3d(x, out)?;
        self.forward_train_into(&rows(x), &mut rows_mut(out), cache)
    }

    /// Eval mode on `(B, T, H)`, with the running statistics, a new array.
    pub fn forward_eval_3d(&self, x: &ArrayRef3<F>) -> Result<Array3<F>> {
        let mut out = Array3::zeros(x.raw_dim());
        self.forward_eval_3d_into(x, &mut out)?;
        Ok(out)
    }

    /// Eval mode on `(B, T, H)`, written into `out`.
    pub fn forward_eval_3d_into(&self, x: &ArrayRef3<F>, out: &mut ArrayRef3<F>) -> Result<()> {
        self.check_3d(x, out)?;
        self.forward_eval_into(&rows(x), &mut rows_mut(out))
    }
}

// The lecture's `BatchNorm1d` attributes: `gamma`, `beta`, and the buffers
// `running_mean`, `running_var`.
crate::layers::params::named_params! {
    impl<F> BatchNorm1d<F> => BatchNormGrads<F> {
        BatchNorm1d { gain, bias, running_mean, running_var, .. }, BatchNormGrads { dgain, dbias } => {
            "gamma": gain => dgain,
            "beta": bias => dbias,
            ; buffers:
            "running_mean": running_mean,
            "running_var": running_var,
        }
    }
}
