//! # The models the trainer knows: the MLP, the WaveNet and the GPT
//!
//! [`Trainable`] is what the one training loop ([`crate::train::train`])
//! needs from a model: the MLP of makemore part 4 ([`Mlp`]), the WaveNet of
//! part 5 ([`WaveNet`]) and the GPT of lecture 7 ([`Gpt`]) implement it.
//! [`Model`] adds what the sampler and the evaluation of a word model need;
//! the MLP and the WaveNet implement it. A [`Network`] is any of the three,
//! or the reward model of State of GPT ([`RewardModel`]), as a checkpoint
//! holds it; its kind is a [`ModelKind`].

use ndarray::{Array2, ArrayRef2};

use crate::backprop::Backprop;
use crate::corpus::text::BatchSource;
use crate::corpus::words::{Examples, sample_batch};
use crate::error::Result;
use crate::hyper::Hyper;
use crate::layers::params::NamedParams;
use crate::models::gpt::{Gpt, GptGrads, GptWorkspace};
use crate::models::kind::ModelKind;
use crate::models::mlp::{self, Mlp};
use crate::models::reward::{EncodedPairs, RewardGrads, RewardModel, RewardWorkspace};
use crate::models::wavenet::{self, WaveNet};

/// What the training loop needs from a model trained in `f32`: a
/// workspace, a batch drawn into it, the forward and backward passes. Its
/// parameters and their gradients are its walk ([`NamedParams`]): the
/// optimiser, which belongs to the run ([`crate::train::Optimizer`]),
/// steps them.
pub trait Trainable: Clone + NamedParams<f32> {
    /// Activations and gradients of one batch, allocated once.
    type Workspace;
    /// What batches are drawn from: examples of words, or a
    /// [`BatchSource`] of windows or rows.
    type Data: ?Sized;
    /// Its name in messages: "MLP", "WaveNet", "GPT".
    const NAME: &'static str;

    /// Room for a batch of `batch` examples.
    fn workspace(&self, batch: usize) -> Result<Self::Workspace>;
    fn zero_grads(&self) -> Self::Grads;
    /// Fails with a clear error unless batches for this model can be
    /// drawn from `data`.
    fn check_data(&self, _data: &Self::Data) -> Result<()> {
        Ok(())
    }
    /// Batch `step` of `data` (random stream `step` of `seed`) into the
    /// workspace. Allocates nothing.
    fn fill_batch(
        ws: &mut Self::Workspace,
        data: &Self::Data,
        seed: u64,
        step: usize,
    ) -> Result<()>;
    /// The training-mode forward pass (with BatchNorm's running
    /// statistics updated); the batch loss.
    fn train_forward(&mut self, ws: &mut Self::Workspace) -> Result<f32>;
    /// The backward pass with `B`'s backward passes, into `grads`.
    fn train_backward<B: Backprop>(&mut self, ws: &mut Self::Workspace, grads: &mut Self::Grads);
    /// Forward, then backward; the batch loss.
    fn forward_backward<B: Backprop>(
        &mut self,
        ws: &mut Self::Workspace,
        grads: &mut Self::Grads,
    ) -> Result<f32> {
        let loss = self.train_forward(ws)?;
        self.train_backward::<B>(ws, grads);
        Ok(loss)
    }
}

/// What the sampler and the evaluation need from a word model (the MLP and
/// the WaveNet): contexts of `block` characters, one next character each.
pub trait Model: Trainable<Data = Examples> {
    fn hyper(&self) -> Hyper;
    /// What to do after the last step, before evaluating (the MLP calibrates
    /// BatchNorm on the training set, as in part 4; the WaveNet keeps its
    /// running statistics, as in part 5).
    fn finish_training(&mut self, x_train: &ArrayRef2<usize>) -> Result<()>;
    /// Which BatchNorm statistics evaluation uses, in words.
    fn eval_statistics(&self) -> &'static str;
    /// Eval-mode logits `(N, V)`.
    fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<f32>>;
    /// Eval-mode mean loss.
    fn loss(&self, x: &ArrayRef2<usize>, y: &[usize]) -> Result<f64>;
}

impl Trainable for Mlp<f32> {
    type Workspace = mlp::MlpWorkspace<f32>;
    type Data = Examples;
    const NAME: &'static str = "MLP";

    fn workspace(&self, batch: usize) -> Result<Self::Workspace> {
        Ok(mlp::MlpWorkspace::new(self.hyper, batch))
    }
    fn zero_grads(&self) -> Self::Grads {
        Mlp::zero_grads(self)
    }
    fn fill_batch(ws: &mut Self::Workspace, data: &Examples, seed: u64, step: usize) -> Result<()> {
        sample_batch(&mut ws.idx, &mut ws.targets, data, seed, step);
        Ok(())
    }
    fn train_forward(&mut self, ws: &mut Self::Workspace) -> Result<f32> {
        let loss = self.forward(ws)?;
        self.bn.update_running_stats(&ws.bn);
        Ok(loss)
    }
    fn train_backward<B: Backprop>(&mut self, ws: &mut Self::Workspace, grads: &mut Self::Grads) {
        self.backward::<B>(ws, grads);
    }
}

impl Model for Mlp<f32> {
    fn hyper(&self) -> Hyper {
        self.hyper
    }
    fn finish_training(&mut self, x_train: &ArrayRef2<usize>) -> Result<()> {
        self.calibrate_batchnorm(x_train)
    }
    fn eval_statistics(&self) -> &'static str {
        "BatchNorm calibrated on the training set"
    }
    fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<f32>> {
        Mlp::logits(self, x)
    }
    fn loss(&self, x: &ArrayRef2<usize>, y: &[usize]) -> Result<f64> {
        Mlp::loss(self, x, y)
    }
}

impl Trainable for WaveNet<f32> {
    type Workspace = wavenet::WaveNetWorkspace<f32>;
    type Data = Examples;
    const NAME: &'static str = "WaveNet";

    fn workspace(&self, batch: usize) -> Result<Self::Workspace> {
        WaveNet::workspace(self, batch)
    }
    fn zero_grads(&self) -> Self::Grads {
        WaveNet::zero_grads(self)
    }
    fn fill_batch(ws: &mut Self::Workspace, data: &Examples, seed: u64, step: usize) -> Result<()> {
        sample_batch(&mut ws.cache.idx, &mut ws.targets, data, seed, step);
        Ok(())
    }
    fn train_forward(&mut self, ws: &mut Self::Workspace) -> Result<f32> {
        let loss = self.forward(ws)?;
        self.update_running_stats(ws);
        Ok(loss)
    }
    fn train_backward<B: Backprop>(&mut self, ws: &mut Self::Workspace, grads: &mut Self::Grads) {
        self.backward::<B>(ws, grads);
    }
}

impl Model for WaveNet<f32> {
    fn hyper(&self) -> Hyper {
        self.hyper
    }
    fn finish_training(&mut self, _x_train: &ArrayRef2<usize>) -> Result<()> {
        Ok(())
    }
    fn eval_statistics(&self) -> &'static str {
        "BatchNorm running statistics"
    }
    fn logits(&self, x: &ArrayRef2<usize>) -> Result<Array2<f32>> {
        WaveNet::logits(self, x)
    }
    fn loss(&self, x: &ArrayRef2<usize>, y: &[usize]) -> Result<f64> {
        WaveNet::loss(self, x, y)
    }
}

/// The GPT trains on windows of text or rows of names, a batch `(B, T)` of
/// the model's block size.
impl Trainable for Gpt<f32> {
    type Workspace = GptWorkspace<f32>;
    type Data = dyn BatchSource;
    const NAME: &'static str = "GPT";

    fn workspace(&self, batch: usize) -> Result<Self::Workspace> {
        Gpt::workspace(self, batch, self.config.block_size)
    }
    fn zero_grads(&self) -> GptGrads<f32> {
        Gpt::zero_grads(self)
    }
    fn check_data(&self, data: &dyn BatchSource) -> Result<()> {
        data.check_block(self.config.block_size)
    }
    fn fill_batch(
        ws: &mut Self::Workspace,
        data: &dyn BatchSource,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        data.sample_into(&mut ws.idx, &mut ws.targets, seed, step)
    }
    fn train_forward(&mut self, ws: &mut Self::Workspace) -> Result<f32> {
        self.forward(ws)
    }
    fn train_backward<B: Backprop>(&mut self, ws: &mut Self::Workspace, grads: &mut GptGrads<f32>) {
        self.backward::<B>(ws, grads);
    }
}

/// The reward model trains on preference pairs, a batch of `B` pairs
/// (`2B` rows of the model's block size).
impl Trainable for RewardModel<f32> {
    type Workspace = RewardWorkspace<f32>;
    type Data = EncodedPairs;
    const NAME: &'static str = "reward model";

    fn workspace(&self, batch: usize) -> Result<Self::Workspace> {
        RewardModel::workspace(self, batch, self.config.block_size)
    }
    fn zero_grads(&self) -> RewardGrads<f32> {
        RewardModel::zero_grads(self)
    }
    fn check_data(&self, data: &EncodedPairs) -> Result<()> {
        data.check(self.config.block_size, self.config.vocab_size)
    }
    fn fill_batch(
        ws: &mut Self::Workspace,
        data: &EncodedPairs,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        data.sample_into(ws, seed, step)
    }
    fn train_forward(&mut self, ws: &mut Self::Workspace) -> Result<f32> {
        self.forward(ws)
    }
    fn train_backward<B: Backprop>(
        &mut self,
        ws: &mut Self::Workspace,
        grads: &mut RewardGrads<f32>,
    ) {
        self.backward::<B>(ws, grads);
    }
}

/// A trained model of any kind `train` trains, as a checkpoint holds it.
/// Code that runs per step takes the model inside (generic over
/// [`Trainable`]); the enum is matched once, outside the loop.
#[allow(clippy::large_enum_variant)] // one per checkpoint, never in a loop
#[derive(Clone, Debug, PartialEq)]
pub enum Network {
    Mlp(Mlp<f32>),
    WaveNet(WaveNet<f32>),
    Gpt(Gpt<f32>),
    Reward(RewardModel<f32>),
}

impl Network {
    pub fn kind(&self) -> ModelKind {
        match self {
            Network::Mlp(_) => ModelKind::Mlp,
            Network::WaveNet(_) => ModelKind::WaveNet,
            Network::Gpt(_) => ModelKind::Gpt,
            Network::Reward(_) => ModelKind::Reward,
        }
    }

    /// A word model's sizes; `None` for a GPT, whose sizes are its
    /// [`crate::models::gpt::GptConfig`].
    pub fn hyper(&self) -> Option<Hyper> {
        match self {
            Network::Mlp(m) => Some(m.hyper),
            Network::WaveNet(w) => Some(w.hyper),
            Network::Gpt(_) | Network::Reward(_) => None,
        }
    }

    /// The size of its vocabulary.
    pub fn vocab_size(&self) -> usize {
        match self {
            Network::Mlp(m) => m.hyper.vocab,
            Network::WaveNet(w) => w.hyper.vocab,
            Network::Gpt(g) => g.config.vocab_size,
            Network::Reward(r) => r.config.vocab_size,
        }
    }

    /// Its parameters and buffers, by the names of its walk.
    pub fn named_tensors(&self) -> Vec<(String, ndarray::ArrayD<f32>)> {
        fn of<M: NamedParams<f32>>(m: &M) -> Vec<(String, ndarray::ArrayD<f32>)> {
            m.named_params()
                .into_iter()
                .chain(m.named_buffers())
                .map(|(name, t)| (name, t.as_standard_layout().into_owned()))
                .collect()
        }
        match self {
            Network::Mlp(m) => of(m),
            Network::WaveNet(w) => of(w),
            Network::Gpt(g) => of(g),
            Network::Reward(r) => of(r),
        }
    }
}

impl From<Mlp<f32>> for Network {
    fn from(m: Mlp<f32>) -> Network {
        Network::Mlp(m)
    }
}

impl From<WaveNet<f32>> for Network {
    fn from(w: WaveNet<f32>) -> Network {
        Network::WaveNet(w)
    }
}

impl From<RewardModel<f32>> for Network {
    fn from(r: RewardModel<f32>) -> Network {
        Network::Reward(r)
    }
}

impl From<Gpt<f32>> for Network {
    fn from(g: Gpt<f32>) -> Network {
        Network::Gpt(g)
    }
}

// ---- Visiting a network by kind ----

/// Something to do with a model of any kind, for [`Network::with`]: a word
/// model (the MLP, the WaveNet) goes to [`WithModel::run`], the GPT, whose
/// data is text or names, to [`WithModel::run_gpt`], the reward model to
/// [`WithModel::run_reward`].
pub trait WithModel {
    type Output;
    fn run<M: Model + Into<Network>>(self, model: M) -> Self::Output;
    fn run_gpt(self, model: Gpt<f32>) -> Self::Output;
    fn run_reward(self, model: RewardModel<f32>) -> Self::Output;
}

impl Network {
    /// Hands the model inside to `job`.
    pub fn with<W: WithModel>(self, job: W) -> W::Output {
        match self {
            Network::Mlp(m) => job.run(m),
            Network::WaveNet(w) => job.run(w),
            Network::Gpt(g) => job.run_gpt(g),
            Network::Reward(r) => job.run_reward(r),
        }
    }
}
