//! # The deep tanh MLP of makemore part 3, to look inside
//!
//! The lecture before "backprop ninja" ("activations, gradients and
//! BatchNorm") trains a deeper MLP and watches its activations, gradients and
//! updates. Here it is built from this crate's layers, as a [`Sequential`]:
//!
//! ```text
//! idx (B, 3) ─ Embedding ─ (B, 3, 10) ─ FlattenConsecutive(3) ─ (B, 1, 30)
//!   ─ 5 × [Linear ─ (BatchNorm1d) ─ Tanh] ─ (B, 1, 100)
//!   ─ Linear ─ logits (B, 1, V) = (B, V) ─ CrossEntropy ─ loss
//! ```
//!
//! Its forward and backward passes are the [`SequentialModel`]'s ([`SequentialModel::forward`],
//! [`SequentialModel::backward`] on a different list of layers), so `--impl
//! exercises` trains it with your backward passes, and the trainer's
//! `crate::train::train_step` trains it. [`DeepInit`] and `batchnorm: false`
//! reproduce the lecture's pathologies; `crate::train::diagnose` trains while
//! recording the statistics of [`crate::models::diagnostics`] at chosen steps
//! and the update:data ratio of every weight at every step.

use ndarray::{Array1, Array2, ArrayRef2, Axis};
use rand::Rng;

use crate::backprop::Backprop;
use crate::corpus::words::{Examples, sample_batch};
use crate::error::{Error, Result};
use crate::float::randn;
use crate::hyper::Hyper;
use crate::layers::batchnorm::BatchNorm1d;
use crate::layers::embedding::Embedding;
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::Linear;
use crate::layers::params::{NamedParams, ParamPath, Visit, VisitMut, VisitPair, VisitPairMut};
use crate::layers::sequential::{Layer, LayerGrads, Sequential};
use crate::models::diagnostics::{self, Summary};
use crate::models::model::{Model, Trainable};
use crate::models::wavenet::{self, SequentialModel};

/// How the Linear layers' weights start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeepInit {
    /// Kaiming for tanh: `randn · (5/3) / √fan_in`, the last layer × 0.1.
    Lecture,
    /// `randn`, unit normal everywhere: pre-activations of std `√fan_in`,
    /// saturated tanh units and a huge first loss.
    Naive,
    /// Gain 0.5 instead of 5/3, the last layer × 0.1: activations shrink
    /// layer after layer without BatchNorm (the lecture's "too small" gain).
    Small,
}

impl DeepInit {
    /// `lecture`, `naive` or `small`, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DeepInit::Lecture => "lecture",
            DeepInit::Naive => "naive",
            DeepInit::Small => "small",
        }
    }

    /// The factor of `randn` for a hidden layer's weights, and for the last.
    fn scales(self, fan_in: usize) -> (f32, f32) {
        let kaiming = 1.0 / (fan_in as f32).sqrt();
        match self {
            DeepInit::Lecture => (5.0 / 3.0 * kaiming, 0.1 * kaiming),
            DeepInit::Naive => (1.0, 1.0),
            DeepInit::Small => (0.5 * kaiming, 0.1 * kaiming),
        }
    }
}

/// The shape of the stack and its switches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeepConfig {
    /// Hidden `Linear → (BatchNorm1d) → Tanh` blocks: 5 in the lecture.
    pub depth: usize,
    pub init: DeepInit,
    /// BatchNorm1d after each hidden Linear (which then has no bias).
    pub batchnorm: bool,
}

impl DeepConfig {
    /// The lecture's: 5 hidden layers, its init, BatchNorm.
    pub const LECTURE: DeepConfig = DeepConfig {
        depth: 5,
        init: DeepInit::Lecture,
        batchnorm: true,
    };
}

/// The lecture's sizes: block 3, n_embd 10, n_hidden 100.
pub fn deep_hyper(vocab: usize) -> Hyper {
    Hyper {
        vocab,
        block: 3,
        n_embd: 10,
        n_hidden: 100,
    }
}

/// The model: a [`SequentialModel`] (sizes and a [`Sequential`]) holding
/// the deep MLP's layers, and how it was built.
#[derive(Clone, Debug, PartialEq)]
pub struct Deep {
    pub config: DeepConfig,
    pub model: SequentialModel<f32>,
}

/// What one snapshot saw in one Tanh layer: its output and that output's
/// gradient (all `B·H` values kept, for the histograms).
#[derive(Clone, Debug, PartialEq)]
pub struct TanhStats {
    /// The index of the layer in the [`Sequential`].
    pub layer: usize,
    pub activation: Summary,
    pub gradient: Summary,
    /// `(B, 1, H)` flattened
    pub activations: Vec<f32>,
    pub gradients: Vec<f32>,
}

/// What one snapshot saw in one Linear layer's weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightStats {
    pub layer: usize,
    /// `(fan_in, fan_out)`
    pub shape: (usize, usize),
    pub grad: Summary,
    /// `std(dW) / std(W)`
    pub grad_to_data: f64,
}

/// Every statistic of one step, taken after the backward pass and before
/// the update.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub step: usize,
    pub tanh: Vec<TanhStats>,
    pub weights: Vec<WeightStats>,
    /// `(B, V)` the gradient of the loss with respect to the logits
    pub dlogits: Array2<f32>,
}

/// The WaveNet's workspace, plus what `crate::train::diagnose` asks the step to record.
#[derive(Clone, Debug)]
pub struct DeepWorkspace {
    pub inner: wavenet::WaveNetWorkspace<f32>,
    /// Take a [`Snapshot`] in the next step.
    pub take_snapshot: bool,
    /// Record `log10(update:data)` of each weight in the next step, whose
    /// learning rate is `lr`.
    pub record_updates: bool,
    /// The learning rate of the next step, for its update:data ratios.
    pub lr: f32,
    /// The last snapshot taken, its `step` field left to the caller.
    pub snapshot: Option<Snapshot>,
    /// The last step's `log10(update:data)`, one per Linear weight.
    pub updates: Vec<f64>,
}

impl Deep {
    /// The layers of `config` for a vocabulary of `vocab` characters.
    pub fn new(vocab: usize, config: DeepConfig, rng: &mut impl Rng) -> Result<Deep> {
        let hyper = deep_hyper(vocab);
        hyper.validate()?;
        if config.depth == 0 {
            return Err(Error::Config(
                "the deep MLP needs at least one hidden layer".into(),
            ));
        }
        let Hyper {
            block,
            n_embd,
            n_hidden,
            ..
        } = hyper;
        let mut layers = vec![
            Layer::Embedding(Embedding::new(randn((vocab, n_embd), rng))),
            Layer::FlattenConsecutive(FlattenConsecutive::new(block)?),
        ];
        let mut fan_in = n_embd * block;
        for _ in 0..config.depth {
            let w = randn((fan_in, n_hidden), rng) * config.init.scales(fan_in).0;
            if config.batchnorm {
                layers.push(Layer::Linear(Linear::new(w, None)?));
                layers.push(Layer::BatchNorm1d(BatchNorm1d::new(n_hidden)));
            } else {
                layers.push(Layer::Linear(Linear::new(
                    w,
                    Some(Array1::zeros(n_hidden)),
                )?));
            }
            layers.push(Layer::Tanh);
            fan_in = n_hidden;
        }
        let w = randn((n_hidden, vocab), rng) * config.init.scales(n_hidden).1;
        layers.push(Layer::Linear(Linear::new(w, Some(Array1::zeros(vocab)))?));
        Ok(Deep {
            config,
            model: SequentialModel {
                hyper,
                net: Sequential::new(layers)?,
            },
        })
    }

    /// The statistics of the batch in `ws`, after its backward pass.
    fn snapshot(&self, ws: &wavenet::WaveNetWorkspace<f32>, grads: &[LayerGrads<f32>]) -> Snapshot {
        let layers = &self.model.net.layers;
        let mut tanh = vec![];
        let mut weights = vec![];
        for (i, layer) in layers.iter().enumerate() {
            match (layer, &grads[i]) {
                (Layer::Tanh, _) => {
                    let (out, dout) = (&ws.cache.outs[i], &ws.douts[i]);
                    tanh.push(TanhStats {
                        layer: i,
                        activation: diagnostics::summarize(out.iter()),
                        gradient: diagnostics::summarize(dout.iter()),
                        activations: out.iter().copied().collect(),
                        gradients: dout.iter().copied().collect(),
                    });
                }
                (Layer::Linear(l), LayerGrads::Linear(g)) => weights.push(WeightStats {
                    layer: i,
                    shape: l.w.dim(),
                    grad: diagnostics::summarize(g.dw.iter()),
                    grad_to_data: diagnostics::grad_to_data(g.dw.iter(), l.w.iter()),
                }),
                _ => {}
            }
        }
        let dlogits = ws
            .douts
            .last()
            .expect("layers")
            .index_axis(Axis(1), 0)
            .to_owned();
        Snapshot {
            step: 0,
            tanh,
            weights,
            dlogits,
        }
    }

    /// `log10(std(lr · dW) / std(W))` of each Linear weight.
    fn updates(&self, grads: &[LayerGrads<f32>], lr: f32) -> Vec<f64> {
        self.model
            .net
            .layers
            .iter()
            .zip(grads)
            .filter_map(|(layer, g)| match (layer, g) {
                (Layer::Linear(l), LayerGrads::Linear(g)) => Some(
                    diagnostics::log10_update_to_data(lr as f64, g.dw.iter(), l.w.iter()),
                ),
                _ => None,
            })
            .collect()
    }

    /// The names of the Linear weights, `layers[i] W (fan_in, fan_out)`, in
    /// the order of [`DeepWorkspace::updates`].
    pub fn weight_names(&self) -> Vec<String> {
        self.model
            .net
            .layers
            .iter()
            .enumerate()
            .filter_map(|(i, layer)| match layer {
                Layer::Linear(l) => Some(format!("layers[{i}] W {:?}", l.w.dim())),
                _ => None,
            })
            .collect()
    }
}

impl Trainable for Deep {
    type Workspace = DeepWorkspace;
    type Data = Examples;
    const NAME: &'static str = "deep MLP";

    fn workspace(&self, batch: usize) -> Result<DeepWorkspace> {
        Ok(DeepWorkspace {
            inner: self.model.workspace(batch)?,
            take_snapshot: false,
            record_updates: false,
            lr: 0.0,
            snapshot: None,
            updates: vec![],
        })
    }
    fn zero_grads(&self) -> Self::Grads {
        self.model.zero_grads()
    }
    fn fill_batch(ws: &mut DeepWorkspace, data: &Examples, seed: u64, step: usize) -> Result<()> {
        sample_batch(
            &mut ws.inner.cache.idx,
            &mut ws.inner.targets,
            data,
            seed,
            step,
        );
        Ok(())
    }
    fn train_forward(&mut self, ws: &mut DeepWorkspace) -> Result<f32> {
        let loss = self.model.forward(&mut ws.inner)?;
        self.model.update_running_stats(&ws.inner);
        Ok(loss)
    }
    fn train_backward<B: Backprop>(&mut self, ws: &mut DeepWorkspace, grads: &mut Self::Grads) {
        self.model.backward::<B>(&mut ws.inner, grads);
        if ws.take_snapshot {
            ws.snapshot = Some(self.snapshot(&ws.inner, grads));
        }
        if ws.record_updates {
            ws.updates = self.updates(grads, ws.lr);
        }
    }
}

impl Model for Deep {
    fn hyper(&self) -> Hyper {
        self.model.hyper
    }
    fn finish_training(&mut self, _x_train: &ArrayRef2<usize>) -> Result<()> {
        Ok(())
    }
    fn eval_statistics(&self) -> &'static str {
        if self.config.batchnorm {
            "BatchNorm running statistics"
        } else {
            "no BatchNorm"
        }
    }
    fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<f32>> {
        self.model.logits(x)
    }
    fn loss(&self, x: &ArrayRef2<usize>, y: &[usize]) -> Result<f64> {
        self.model.loss(x, y)
    }
}

/// The deep MLP's parameters are its Sequential's (`layers.<i>.weight`, …).
impl NamedParams<f32> for Deep {
    type Grads = Vec<LayerGrads<f32>>;

    fn walk<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, f32>) {
        self.model.walk(path, f)
    }
    fn walk_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, f32>) {
        self.model.walk_mut(path, f)
    }
    fn walk_grads<'b>(&self, grads: &'b Self::Grads, path: &mut ParamPath, f: Visit<'_, 'b, f32>) {
        self.model.walk_grads(grads, path, f)
    }
    fn walk_grads_mut<'b>(
        &self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitMut<'_, 'b, f32>,
    ) {
        self.model.walk_grads_mut(grads, path, f)
    }
    fn walk_zip<'a, 'b>(
        &'a mut self,
        grads: &'b Self::Grads,
        path: &mut ParamPath,
        f: VisitPair<'_, 'a, 'b, f32>,
    ) {
        self.model.walk_zip(grads, path, f)
    }
    fn walk_zip_mut<'a, 'b>(
        &'a mut self,
        grads: &'b mut Self::Grads,
        path: &mut ParamPath,
        f: VisitPairMut<'_, 'a, 'b, f32>,
    ) {
        self.model.walk_zip_mut(grads, path, f)
    }
    fn walk_buffers<'a>(&'a self, path: &mut ParamPath, f: Visit<'_, 'a, f32>) {
        self.model.walk_buffers(path, f)
    }
    fn walk_buffers_mut<'a>(&'a mut self, path: &mut ParamPath, f: VisitMut<'_, 'a, f32>) {
        self.model.walk_buffers_mut(path, f)
    }
}
