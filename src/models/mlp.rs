//! # The MLP that exercise 4 trains, assembled from the layers
//!
//! ```text
//! idx (B, T) ─ Embedding ─ emb (B, T, E) = embcat (B, T·E)
//!            ─ Linear ─ hprebn (B, H) ─ BatchNorm1d ─ hpreact (B, H)
//!            ─ Tanh ─ h (B, H) ─ Linear ─ logits (B, V) ─ CrossEntropy ─ loss
//! ```
//!
//! The forward pass writes into a [`MlpWorkspace`] allocated once, and the
//! backward pass calls a [`Backprop`] implementation's layer functions, which
//! accumulate into [`MlpGrads`]: a training step allocates nothing. With
//! `B = Solutions` these are the very functions `solutions/` derives; with
//! `B = Exercises`, yours.

use ndarray::{Array2, Array3, ArrayRef2, Axis};
use ndarray_rand::rand_distr::{Distribution, StandardNormal};
use rand::Rng;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::float::randn;
use crate::hyper::Hyper;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::cross_entropy::{self, CrossEntropyCache};
use crate::layers::embedding::{Embedding, EmbeddingGrads};
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::params::{NamedParams, named_params};

/// The momentum of BatchNorm's running statistics during training, as in
/// the lecture (`0.999 · running + 0.001 · batch`).
pub const RUNNING_MOMENTUM: f32 = 0.001;

/// The parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<F> {
    pub hyper: Hyper,
    /// `C (V, E)`
    pub emb: Embedding<F>,
    /// `W1 (T·E, H)`, `b1 (H,)`
    pub l1: Linear<F>,
    /// `bngain`, `bnbias (1, H)`, and the running statistics
    pub bn: BatchNorm1d<F>,
    /// `W2 (H, V)`, `b2 (V,)`
    pub l2: Linear<F>,
}

/// Their gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpGrads<F> {
    pub emb: EmbeddingGrads<F>,
    pub l1: LinearGrads<F>,
    pub bn: BatchNormGrads<F>,
    pub l2: LinearGrads<F>,
}

/// Every activation and gradient of one batch, allocated once.
#[derive(Clone, Debug)]
pub struct MlpWorkspace<F> {
    /// `(B, T)` the contexts
    pub idx: Array2<usize>,
    /// `(B,)` the next characters
    pub targets: Vec<usize>,
    /// `(B, T, E)`, seen as `embcat (B, T·E)`
    pub emb: Array3<F>,
    pub hprebn: Array2<F>,
    pub hpreact: Array2<F>,
    pub bn: BatchNormCache<F>,
    pub h: Array2<F>,
    pub logits: Array2<F>,
    pub ce: CrossEntropyCache<F>,
    pub dlogits: Array2<F>,
    pub dh: Array2<F>,
    pub dhpreact: Array2<F>,
    pub dhprebn: Array2<F>,
    pub demb: Array3<F>,
}

impl<F: Float> MlpWorkspace<F> {
    pub fn new(hyper: Hyper, batch: usize) -> Self {
        let Hyper {
            vocab,
            block,
            n_embd,
            n_hidden,
        } = hyper;
        let bh = || Array2::zeros((batch, n_hidden));
        MlpWorkspace {
            idx: Array2::zeros((batch, block)),
            targets: vec![0; batch],
            emb: Array3::zeros((batch, block, n_embd)),
            hprebn: bh(),
            hpreact: bh(),
            bn: BatchNormCache::new(batch, n_hidden),
            h: bh(),
            logits: Array2::zeros((batch, vocab)),
            ce: CrossEntropyCache::new(batch, vocab),
            dlogits: Array2::zeros((batch, vocab)),
            dh: bh(),
            dhpreact: bh(),
            dhprebn: bh(),
            demb: Array3::zeros((batch, block, n_embd)),
        }
    }

    /// The rows in a batch.
    pub fn batch(&self) -> usize {
        self.targets.len()
    }
}

/// `emb (B, T, E)` seen as `embcat (B, T·E)`: the same numbers.
fn flat<F: Float>(emb: &Array3<F>) -> ndarray::ArrayView2<'_, F> {
    let (b, t, e) = emb.dim();
    emb.view()
        .into_shape_with_order((b, t * e))
        .expect("a contiguous workspace")
}

impl<F: Float> Mlp<F>
where
    StandardNormal: Distribution<F>,
{
    /// The lecture's initialisation: `W1` scaled by `(5/3)/√(T·E)` for tanh,
    /// small random biases, `W2` scaled by 0.1 so the first loss is near
    /// `ln V`, and BatchNorm gain `1 ± 0.1`, bias `± 0.1`.
    pub fn lecture_init(hyper: Hyper, rng: &mut impl Rng) -> Result<Self> {
        hyper.validate()?;
        let Hyper {
            vocab,
            block,
            n_embd,
            n_hidden,
        } = hyper;
        let fan_in = block * n_embd;
        let w1_scale = F::lit((5.0 / 3.0) / (fan_in as f64).sqrt());
        let (small, one) = (F::lit(0.1), F::one());
        let c = randn((vocab, n_embd), rng);
        let w1 = randn((fan_in, n_hidden), rng) * w1_scale;
        let b1 = randn(n_hidden, rng) * small;
        let w2 = randn((n_hidden, vocab), rng) * small;
        let b2 = randn(vocab, rng) * small;
        let mut bn = BatchNorm1d::new(n_hidden);
        bn.momentum = F::lit(RUNNING_MOMENTUM as f64);
        bn.gain = randn((1, n_hidden), rng) * small + one;
        bn.bias = randn((1, n_hidden), rng) * small;
        Ok(Mlp {
            hyper,
            emb: Embedding::new(c),
            l1: Linear::new(w1, Some(b1))?,
            bn,
            l2: Linear::new(w2, Some(b2))?,
        })
    }
}

impl<F: Float> Mlp<F> {
    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> MlpGrads<F> {
        MlpGrads {
            emb: self.emb.zero_grads(),
            l1: self.l1.zero_grads(),
            bn: self.bn.zero_grads(),
            l2: self.l2.zero_grads(),
        }
    }

    /// The number of parameters (the running statistics are not parameters).
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// Training-mode forward pass of the batch in `ws.idx`, `ws.targets`; the loss.
    pub fn forward(&self, ws: &mut MlpWorkspace<F>) -> Result<F> {
        self.emb.forward_into(&ws.idx, &mut ws.emb)?;
        self.l1.forward_into(&flat(&ws.emb), &mut ws.hprebn)?;
        self.bn
            .forward_train_into(&ws.hprebn, &mut ws.hpreact, &mut ws.bn)?;
        crate::layers::tanh::forward_into(&ws.hpreact, &mut ws.h)?;
        self.l2.forward_into(&ws.h, &mut ws.logits)?;
        cross_entropy::forward_into(&ws.logits, &ws.targets, &mut ws.ce)
    }

    /// Backward pass of the last [`Mlp::forward`], with `B`'s layer backward
    /// passes, accumulating into `grads`.
    pub fn backward<B: Backprop>(&self, ws: &mut MlpWorkspace<F>, grads: &mut MlpGrads<F>) {
        let zero = F::zero();
        for buffer in [
            &mut ws.dlogits,
            &mut ws.dh,
            &mut ws.dhpreact,
            &mut ws.dhprebn,
        ] {
            buffer.fill(zero);
        }
        ws.demb.fill(zero);
        B::cross_entropy_backward(&mut ws.dlogits, F::one(), &ws.ce, &ws.targets);
        B::linear_backward(&mut ws.dh, &mut grads.l2, &ws.dlogits, &ws.h, &self.l2);
        B::tanh_backward(&mut ws.dhpreact, &ws.dh, &ws.h);
        B::batchnorm_backward(
            &mut ws.dhprebn,
            &mut grads.bn,
            &ws.dhpreact,
            &ws.bn,
            &self.bn,
        );
        let (b, t, e) = ws.demb.dim();
        let mut dembcat = ws
            .demb
            .view_mut()
            .into_shape_with_order((b, t * e))
            .expect("a contiguous workspace");
        B::linear_backward(
            &mut dembcat,
            &mut grads.l1,
            &ws.dhprebn,
            &flat(&ws.emb),
            &self.l1,
        );
        B::embedding_backward(&mut grads.emb, &ws.demb, &ws.idx);
    }

    /// `hprebn` of many examples at once, in chunks.
    fn hprebn(&self, x: &ArrayRef2<usize>) -> Result<Array2<F>> {
        let emb = self.emb.forward(x)?;
        self.l1.forward(&flat(&emb))
    }

    /// As in the lecture, after training: set BatchNorm's running statistics
    /// to the mean and (Bessel-corrected) variance of `hprebn` over the
    /// whole training set.
    pub fn calibrate_batchnorm(&mut self, x_train: &ArrayRef2<usize>) -> Result<()> {
        let hprebn = self.hprebn(x_train)?;
        let n = hprebn.nrows();
        if n < 2 {
            return Err(Error::Config(
                "calibrating BatchNorm needs at least 2 training examples".into(),
            ));
        }
        let hprebn = hprebn.mapv(F::as_f64); // sum 10⁵ rows in f64
        let mean = hprebn
            .mean_axis(Axis(0))
            .expect("rows")
            .insert_axis(Axis(0));
        let var = hprebn.var_axis(Axis(0), 1.0).insert_axis(Axis(0));
        self.bn.running_mean = mean.mapv(F::lit);
        self.bn.running_var = var.mapv(F::lit);
        Ok(())
    }

    /// Eval-mode logits (BatchNorm with its running statistics), any batch size.
    pub fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<F>> {
        let hprebn = self.hprebn(x)?;
        let hpreact = self.bn.forward_eval(&hprebn)?;
        let h = crate::layers::tanh::forward(&hpreact);
        self.l2.forward(&h)
    }

    /// Eval-mode mean loss over examples, in chunks of 10,000.
    pub fn loss(&self, x: &ArrayRef2<usize>, y: &[usize]) -> Result<f64> {
        let mut total = 0.0;
        for start in (0..y.len()).step_by(10_000) {
            let end = (start + 10_000).min(y.len());
            let logits = self.logits(&x.slice(ndarray::s![start..end, ..]))?;
            let (loss, _) = cross_entropy::forward(&logits, &y[start..end])?;
            total += loss.as_f64() * (end - start) as f64;
        }
        Ok(total / y.len() as f64)
    }
}

// The lecture's names, as in its checkpoint: `C`, `W1`, `b1`, `bngain`,
// `bnbias`, `W2`, `b2`, and the buffers `bnmean_running`, `bnvar_running`.
named_params! {
    impl<F> Mlp<F> => MlpGrads<F> {
        Mlp { emb, l1, bn, l2, .. }, MlpGrads { emb: g_emb, l1: g1, bn: g_bn, l2: g2 } => {
            "C": emb.table => g_emb.dtable,
            "W1": l1.w => g1.dw,
            "b1": l1.b => g1.db,
            "bngain": bn.gain => g_bn.dgain,
            "bnbias": bn.bias => g_bn.dbias,
            "W2": l2.w => g2.dw,
            "b2": l2.b => g2.db,
            ; buffers:
            "bnmean_running": bn.running_mean,
            "bnvar_running": bn.running_var,
        }
    }
}
