//! # The hierarchical WaveNet of makemore part 5, assembled from the layers
//!
//! ```text
//! idx (B, 8) ─ Embedding ─ (B, 8, E)
//!   ─ FlattenConsecutive(2) ─ (B, 4, 2E) ─ Linear, no bias ─ BatchNorm1d ─ Tanh ─ (B, 4, H)
//!   ─ FlattenConsecutive(2) ─ (B, 2, 2H) ─ Linear, no bias ─ BatchNorm1d ─ Tanh ─ (B, 2, H)
//!   ─ FlattenConsecutive(2) ─ (B, 1, 2H) ─ Linear, no bias ─ BatchNorm1d ─ Tanh ─ (B, 1, H)
//!   ─ Linear ─ logits (B, 1, V) = (B, V) ─ CrossEntropy ─ loss
//! ```
//!
//! Characters are fused two at a time, level by level, like the dilated
//! convolutions of DeepMind's WaveNet: with a block of 8 characters, three
//! levels. The lecture's sizes are `n_embd` 24 and `n_hidden` 128, 76,579
//! parameters for 27 characters.
//!
//! The model is a [`Sequential`]; the training step writes into a
//! [`WaveNetWorkspace`] allocated once, and its backward pass is the [`Backprop`]
//! implementation's `sequential_backward`, which calls that implementation's
//! layer backward passes: `--impl exercises` trains with yours alone.
//!
//! As in the lecture, BatchNorm keeps running statistics with momentum 0.1
//! during training and evaluation uses them.

use ndarray::{Array2, Array3, ArrayRef2, Axis};
use ndarray_rand::rand_distr::{Distribution, StandardNormal};
use rand::Rng;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::float::randn;
use crate::hyper::Hyper;
use crate::layers::batchnorm::BatchNorm1d;
use crate::layers::cross_entropy::{self, CrossEntropyCache};
use crate::layers::embedding::Embedding;
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::Linear;
use crate::layers::params::{NamedParams, named_params};
use crate::layers::sequential::{Layer, LayerGrads, Sequential, SequentialCache};

/// A model made of a [`Sequential`] of layers and its sizes: the WaveNet
/// ([`WaveNet::lecture_init`]) and the deep MLP of part 3
/// ([`crate::models::deep::Deep`]) are two lists of layers in this one
/// container, trained, evaluated and sampled the same way.
#[derive(Clone, Debug, PartialEq)]
pub struct SequentialModel<F> {
    /// For the WaveNet, `block` is the context, a power of two:
    /// `log2(block)` levels.
    pub hyper: Hyper,
    pub net: Sequential<F>,
}

/// The WaveNet of makemore part 5: a [`SequentialModel`] whose layers
/// [`WaveNet::lecture_init`] lays out level by level.
pub type WaveNet<F> = SequentialModel<F>;

/// Every activation and gradient of one batch, allocated once.
#[derive(Clone, Debug)]
pub struct WaveNetWorkspace<F> {
    /// The input `idx (B, T)` and every layer's output.
    pub cache: SequentialCache<F>,
    /// `(B,)` the next characters
    pub targets: Vec<usize>,
    pub ce: CrossEntropyCache<F>,
    /// The gradient of each layer's output; the last is `dlogits (B, 1, V)`.
    pub douts: Vec<Array3<F>>,
}

impl<F: Float> WaveNetWorkspace<F> {
    /// The rows in a batch.
    pub fn batch(&self) -> usize {
        self.targets.len()
    }
}

/// The number of levels for a context of `block` characters: `log2(block)`.
pub fn levels(block: usize) -> Result<usize> {
    if block < 2 || !block.is_power_of_two() {
        return Err(Error::Config(format!(
            "the WaveNet fuses characters two at a time: block-size must be a power of two (2, 4, 8, …), got {block}"
        )));
    }
    Ok(block.trailing_zeros() as usize)
}

/// The lecture's `Linear(fan_in, fan_out)`: weights `randn / √fan_in`.
fn kaiming<F: Float>(fan_in: usize, fan_out: usize, rng: &mut impl Rng) -> Array2<F>
where
    StandardNormal: Distribution<F>,
{
    randn((fan_in, fan_out), rng) / F::lit((fan_in as f64).sqrt())
}

impl<F: Float> WaveNet<F>
where
    StandardNormal: Distribution<F>,
{
    /// The lecture's model and initialisation: embedding `randn`, each
    /// level's Linear `randn / √fan_in` without bias, BatchNorm gain 1 and
    /// bias 0 (momentum 0.1), and the last Linear scaled by 0.1 (bias 0), so
    /// that the first loss is near `ln V`.
    pub fn lecture_init(hyper: Hyper, rng: &mut impl Rng) -> Result<Self> {
        hyper.validate()?;
        let Hyper {
            vocab,
            block,
            n_embd,
            n_hidden,
        } = hyper;
        let mut layers = vec![Layer::Embedding(Embedding::new(randn(
            (vocab, n_embd),
            rng,
        )))];
        let mut width = n_embd;
        for _ in 0..levels(block)? {
            layers.extend([
                Layer::FlattenConsecutive(FlattenConsecutive::new(2)?),
                Layer::Linear(Linear::new(kaiming(2 * width, n_hidden, rng), None)?),
                Layer::BatchNorm1d(BatchNorm1d::new(n_hidden)),
                Layer::Tanh,
            ]);
            width = n_hidden;
        }
        let w_out = kaiming(n_hidden, vocab, rng) * F::lit(0.1);
        layers.push(Layer::Linear(Linear::new(
            w_out,
            Some(ndarray::Array1::zeros(vocab)),
        )?));
        Ok(SequentialModel {
            hyper,
            net: Sequential::new(layers)?,
        })
    }
}

impl<F: Float> SequentialModel<F> {
    /// Room for a batch of `batch` examples.
    pub fn workspace(&self, batch: usize) -> Result<WaveNetWorkspace<F>> {
        let cache = self.net.cache(batch, self.hyper.block)?;
        let douts = cache
            .outs
            .iter()
            .map(|o| Array3::zeros(o.raw_dim()))
            .collect();
        Ok(WaveNetWorkspace {
            cache,
            targets: vec![0; batch],
            ce: CrossEntropyCache::new(batch, self.hyper.vocab),
            douts,
        })
    }

    /// Gradients of zero, one per layer.
    pub fn zero_grads(&self) -> Vec<LayerGrads<F>> {
        self.net.zero_grads()
    }

    /// The number of parameters (the running statistics are not parameters).
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// Training-mode forward pass of the batch in `ws.cache.idx`,
    /// `ws.targets`; the loss.
    pub fn forward(&self, ws: &mut WaveNetWorkspace<F>) -> Result<F> {
        self.net.forward_train_into(&mut ws.cache)?;
        let logits = ws.cache.outs.last().expect("layers").index_axis(Axis(1), 0); // (B, V)
        cross_entropy::forward_into(&logits, &ws.targets, &mut ws.ce)
    }

    /// Backward pass of the last [`WaveNet::forward`], with `B`'s backward
    /// passes (the container's and the layers'), accumulating into `grads`.
    pub fn backward<B: Backprop>(&self, ws: &mut WaveNetWorkspace<F>, grads: &mut [LayerGrads<F>]) {
        for d in &mut ws.douts {
            d.fill(F::zero());
        }
        let mut dlogits = ws
            .douts
            .last_mut()
            .expect("layers")
            .index_axis_mut(Axis(1), 0); // (B, V)
        B::cross_entropy_backward(&mut dlogits, F::one(), &ws.ce, &ws.targets);
        B::sequential_backward::<B, F>(grads, &mut ws.douts, &ws.cache, &self.net);
    }

    /// Moves every BatchNorm's running statistics toward the last batch's.
    pub fn update_running_stats(&mut self, ws: &WaveNetWorkspace<F>) {
        self.net.update_running_stats(&ws.cache);
    }

    /// Eval-mode logits `(N, V)` (BatchNorm with its running statistics).
    pub fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<F>> {
        let out = self.net.forward_eval(x)?; // (N, 1, V)
        if out.len_of(Axis(1)) != 1 {
            return Err(Error::Shape {
                layer: "wavenet",
                detail: format!(
                    "the last layer's output has shape {:?}, expected [{}, 1, {}]: the levels must fuse the whole context",
                    out.shape(),
                    x.nrows(),
                    self.hyper.vocab
                ),
            });
        }
        Ok(out.index_axis_move(Axis(1), 0))
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

// Named as its checkpoint and the lecture: `layers.<i>.weight`, ….
named_params! {
    impl<F> SequentialModel<F> => Vec<LayerGrads<F>> {
        SequentialModel { net, .. }, g => { "": net => g }
    }
}
