//! # Sequential: layers one after the other
//!
//! The container of makemore part 5 ("building a WaveNet"), where the
//! lecture stops wiring layers by hand: the model is a list of layers, the
//! forward pass feeds each layer's output to the next, and the backward pass
//! (yours to write in `exercises/sequential.rs`, derived in
//! `solutions/sequential.rs`) runs the layers' backward passes in reverse.
//!
//! ```text
//! idx (B, T) ─ Embedding ─ (B, T, E) ─ layer 1 ─ … ─ layer n-1 ─ out (B, T', C')
//! ```
//!
//! The first layer is an [`Embedding`] (the input is character indices) and
//! every other layer sees and returns a 3-D array `(B, T, C)`: a
//! [`FlattenConsecutive`], a [`Linear`] or a [`BatchNorm1d`] on `(B, T, C)`,
//! or a `Tanh`. The forward pass keeps every layer's output (and each
//! BatchNorm's statistics) in a [`SequentialCache`] allocated once.

use ndarray::{Array2, Array3, ArrayRef2};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::embedding::{Embedding, EmbeddingGrads};
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::params::{NamedParams, named_params};

/// One layer of a [`Sequential`].
#[derive(Clone, Debug, PartialEq)]
pub enum Layer<F> {
    /// `(B, T)` indices → `(B, T, E)`; only as the first layer.
    Embedding(Embedding<F>),
    /// `(B, T, C)` → `(B, T/n, C·n)`.
    FlattenConsecutive(FlattenConsecutive),
    /// `(B, T, fan_in)` → `(B, T, fan_out)`.
    Linear(Linear<F>),
    /// `(B, T, H)` → `(B, T, H)`, statistics over axes 0 and 1.
    BatchNorm1d(BatchNorm1d<F>),
    /// `(B, T, C)` → `(B, T, C)`.
    Tanh,
}

/// The gradients of one layer's parameters (none for Flatten and Tanh).
#[derive(Clone, Debug, PartialEq)]
pub enum LayerGrads<F> {
    Embedding(EmbeddingGrads<F>),
    Linear(LinearGrads<F>),
    BatchNorm1d(BatchNormGrads<F>),
    None,
}

/// Layers applied one after the other; the first is an [`Embedding`].
#[derive(Clone, Debug, PartialEq)]
pub struct Sequential<F> {
    pub layers: Vec<Layer<F>>,
}

/// What the training-mode forward pass keeps, allocated once per batch size.
#[derive(Clone, Debug)]
pub struct SequentialCache<F> {
    /// `(B, T)`, the input: character indices
    pub idx: Array2<usize>,
    /// Each layer's output, `outs[i]` of layer `i`, `(B, T_i, C_i)`
    pub outs: Vec<Array3<F>>,
    /// Each BatchNorm layer's statistics and `xhat (B·T_i, H)`; `None` for other layers
    pub bn: Vec<Option<BatchNormCache<F>>>,
}

impl<F: Float> Layer<F> {
    /// The layer's name in messages: `linear`, `batchnorm`, ….
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Embedding(_) => "embedding",
            Layer::FlattenConsecutive(_) => "flatten_consecutive",
            Layer::Linear(_) => "linear",
            Layer::BatchNorm1d(_) => "batchnorm",
            Layer::Tanh => "tanh",
        }
    }

    /// Gradients of zero for this layer's parameters.
    pub fn zero_grads(&self) -> LayerGrads<F> {
        match self {
            Layer::Embedding(e) => LayerGrads::Embedding(e.zero_grads()),
            Layer::Linear(l) => LayerGrads::Linear(l.zero_grads()),
            Layer::BatchNorm1d(bn) => LayerGrads::BatchNorm1d(bn.zero_grads()),
            Layer::FlattenConsecutive(_) | Layer::Tanh => LayerGrads::None,
        }
    }

    /// The number of learnable numbers (running statistics are not).
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// The output shape for an input of shape `(b, t, c)` (for the
    /// embedding, `c` is ignored: its input is `(b, t)` indices).
    pub fn out_shape(&self, (b, t, c): (usize, usize, usize)) -> Result<(usize, usize, usize)> {
        let expect_channels = |layer, expected: usize| {
            if c == expected {
                Ok((b, t, c))
            } else {
                Err(Error::Shape {
                    layer,
                    detail: format!(
                        "input x has shape [{b}, {t}, {c}], expected [{b}, {t}, {expected}]"
                    ),
                })
            }
        };
        match self {
            Layer::Embedding(e) => Ok((b, t, e.dim())),
            Layer::FlattenConsecutive(f) => f.out_shape((b, t, c)),
            Layer::Linear(l) => expect_channels("linear", l.fan_in()).map(|_| (b, t, l.fan_out())),
            Layer::BatchNorm1d(bn) => expect_channels("batchnorm", bn.dim()),
            Layer::Tanh => Ok((b, t, c)),
        }
    }
}

impl<F: Float> Sequential<F> {
    /// The layers, which must start with the one [`Embedding`].
    pub fn new(layers: Vec<Layer<F>>) -> Result<Self> {
        if !matches!(layers.first(), Some(Layer::Embedding(_))) {
            return Err(Error::Config(
                "a Sequential starts with an Embedding: its input is character indices".into(),
            ));
        }
        if let Some(i) = (1..layers.len()).find(|&i| matches!(layers[i], Layer::Embedding(_))) {
            return Err(Error::Config(format!(
                "layer {i} is a second Embedding; only the first layer can be one"
            )));
        }
        Ok(Sequential { layers })
    }

    /// Each layer's output shape for a batch of `batch` contexts of `block`
    /// characters, or the first layer that does not fit its input.
    pub fn shapes(&self, batch: usize, block: usize) -> Result<Vec<(usize, usize, usize)>> {
        let mut shape = (batch, block, 0);
        let mut shapes = vec![];
        for layer in &self.layers {
            shape = layer.out_shape(shape)?;
            shapes.push(shape);
        }
        Ok(shapes)
    }

    /// Room for the forward pass of `batch` contexts of `block` characters.
    pub fn cache(&self, batch: usize, block: usize) -> Result<SequentialCache<F>> {
        let shapes = self.shapes(batch, block)?;
        let bn = self
            .layers
            .iter()
            .zip(&shapes)
            .map(|(layer, &(b, t, h))| match layer {
                Layer::BatchNorm1d(_) => Some(BatchNormCache::new(b * t, h)),
                _ => None,
            })
            .collect();
        Ok(SequentialCache {
            idx: Array2::zeros((batch, block)),
            outs: shapes.into_iter().map(Array3::zeros).collect(),
            bn,
        })
    }

    /// Gradients of zero, one per layer.
    pub fn zero_grads(&self) -> Vec<LayerGrads<F>> {
        self.layers.iter().map(Layer::zero_grads).collect()
    }

    /// The number of parameters of all layers.
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// Training-mode forward pass of `cache.idx`, every layer's output
    /// written into `cache` (no allocation). The last is `cache.outs[n-1]`.
    pub fn forward_train_into(&self, cache: &mut SequentialCache<F>) -> Result<()> {
        let SequentialCache { idx, outs, bn } = cache;
        for (i, layer) in self.layers.iter().enumerate() {
            let (before, after) = outs.split_at_mut(i);
            let out = &mut after[0];
            let x = before.last(); // the layer's input, None for the embedding
            let x = || x.expect("every layer after the first has an input");
            match layer {
                Layer::Embedding(e) => e.forward_into(idx, out)?,
                Layer::FlattenConsecutive(f) => f.forward_into(x(), out)?,
                Layer::Linear(l) => l.forward_3d_into(x(), out)?,
                Layer::BatchNorm1d(b) => {
                    let cache = bn[i].as_mut().expect("a cache for each BatchNorm");
                    b.forward_train_3d_into(x(), out, cache)?
                }
                Layer::Tanh => crate::layers::tanh::forward_into(x(), out)?,
            }
        }
        Ok(())
    }

    /// Moves every BatchNorm's running statistics toward this batch's.
    pub fn update_running_stats(&mut self, cache: &SequentialCache<F>) {
        for (layer, bn_cache) in self.layers.iter_mut().zip(&cache.bn) {
            if let (Layer::BatchNorm1d(bn), Some(c)) = (layer, bn_cache) {
                bn.update_running_stats(c);
            }
        }
    }

    /// Eval-mode forward pass (BatchNorm with its running statistics) of any
    /// number of contexts, a new array.
    pub fn forward_eval(&self, idx: &ArrayRef2<usize>) -> Result<Array3<F>> {
        let Some(Layer::Embedding(emb)) = self.layers.first() else {
            unreachable!("Sequential::new checks the first layer")
        };
        let mut x = emb.forward(idx)?;
        for layer in &self.layers[1..] {
            x = match layer {
                Layer::Embedding(_) => unreachable!("Sequential::new checks for one embedding"),
                Layer::FlattenConsecutive(f) => f.forward(&x)?,
                Layer::Linear(l) => l.forward_3d(&x)?,
                Layer::BatchNorm1d(bn) => bn.forward_eval_3d(&x)?,
                Layer::Tanh => crate::layers::tanh::forward(&x),
            };
        }
        Ok(x)
    }
}

// Named as the lecture's `Sequential` of layer classes: `layers.0.weight`
// (the embedding), `layers.<i>.weight` and `.bias` of a Linear,
// `layers.<i>.gamma`, `.beta` (and the buffers `.running_mean`,
// `.running_var`) of a BatchNorm1d.
named_params! {
    impl<F> Layer<F> => LayerGrads<F> {
        Layer::Embedding(e), LayerGrads::Embedding(g) => { "": e => g }
        Layer::Linear(l), LayerGrads::Linear(g) => { "": l => g }
        Layer::BatchNorm1d(bn), LayerGrads::BatchNorm1d(g) => { "": bn => g }
        Layer::FlattenConsecutive(_) | Layer::Tanh, LayerGrads::None => {}
    }
}

named_params! {
    impl<F> Sequential<F> => Vec<LayerGrads<F>> {
        Sequential { layers }, g => { "layers": layers => g }
    }
}
