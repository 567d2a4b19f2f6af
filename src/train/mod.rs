//! # Exercise 4: training with a hand-written backward pass
//!
//! The lecture's loop: sample a batch of 32 examples, forward, backward,
//! `p -= lr · dp`; 200,000 steps. The MLP of part 4 runs `lr` 0.1, then 0.01
//! from step 100,000, and calibrates BatchNorm on the training set at the
//! end; the WaveNet of part 5 drops to 0.01 at step 150,000 and keeps its
//! running statistics. Any [`Model`] trains the same way.
//!
//! The batch of step `i` is drawn from its own random stream (`seed`,
//! stream `i`), so a run resumed from a checkpoint continues exactly as if it
//! had never stopped.

pub mod bigram;
pub mod budget;
pub mod diagnose;
pub mod eval;
pub mod generate;
pub mod gpt;
pub mod instances;
pub mod interrupt;
#[cfg(feature = "plots")]
pub mod plots;
pub mod rlhf;
pub mod sampling;

use std::time::{Duration, Instant};

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
pub use crate::corpus::words::sample_batch;
use crate::corpus::words::{Corpus, Examples, Vocab, split};
use crate::error::{Error, Result};
use crate::hyper::Hyper;
use crate::layers::adamw::AdamW;
use crate::layers::params::NamedParams;
use crate::models::adamw::AdamWState;
use crate::models::kind::ModelKind;
use crate::models::model::{Model, Trainable};
use crate::train::sampling::{Sampling, multinomial};

/// How a run's optimiser is set: SGD with its schedule (the MLP, the
/// WaveNet), or AdamW with its hyperparameters (the GPT).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    Sgd(Schedule),
    AdamW(AdamW),
}

/// The hyperparameters of a run, for every model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Train up to this step.
    pub steps: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerConfig,
    /// Clip the norm of all gradients together at this (makemore's
    /// Transformer: 1).
    pub clip: Option<f64>,
    /// Of the initialisation (the GPT's) and of the batches.
    pub seed: u64,
}

impl TrainConfig {
    /// The lecture's: 200,000 steps of 32, lr 0.1 then 0.01 from 100,000.
    pub const LECTURE: TrainConfig = TrainConfig {
        steps: 200_000,
        batch_size: 32,
        optimizer: OptimizerConfig::Sgd(Schedule::LECTURE),
        clip: None,
        seed: 2147483647,
    };

    /// The WaveNet lecture's (makemore part 5): the same, but lr 0.01 from
    /// step 150,000.
    pub const WAVENET: TrainConfig = TrainConfig {
        optimizer: OptimizerConfig::Sgd(Schedule::WAVENET),
        ..TrainConfig::LECTURE
    };

    /// The GPT lecture's `gpt.py` on the CPU: 5,000 steps of 16 windows,
    /// AdamW at PyTorch's defaults (lr 1e-3), `torch.manual_seed(1337)`.
    pub const GPT_LECTURE: TrainConfig = TrainConfig {
        steps: 5000,
        batch_size: 16,
        optimizer: OptimizerConfig::AdamW(AdamW::TORCH),
        clip: None,
        seed: 1337,
    };

    /// makemore's Transformer: batches of 32 names, AdamW lr 5e-4, betas
    /// 0.9/0.99, the gradient norm clipped at 1, seed 3407.
    pub const GPT_MAKEMORE: TrainConfig = TrainConfig {
        steps: 5000,
        batch_size: 32,
        optimizer: OptimizerConfig::AdamW(AdamW::MAKEMORE),
        clip: Some(1.0),
        seed: 3407,
    };

    /// The GPT lecture's progression of small models: batches of 32, lr
    /// 1e-3.
    pub const GPT_PROGRESSION: TrainConfig = TrainConfig {
        batch_size: 32,
        ..TrainConfig::GPT_LECTURE
    };

    /// The lecture's settings for a model kind: the WaveNet's, the GPT's
    /// on running text, and the MLP's for the word models trained with SGD
    /// (the MLP, the deep MLP, the bigram).
    pub fn lecture(kind: ModelKind) -> TrainConfig {
        match kind {
            ModelKind::WaveNet => TrainConfig::WAVENET,
            ModelKind::Gpt | ModelKind::Reward => TrainConfig::GPT_LECTURE,
            ModelKind::Mlp | ModelKind::Deep | ModelKind::Bigram => TrainConfig::LECTURE,
        }
    }

    /// SGD's schedule, if the run is SGD's.
    pub fn sgd(&self) -> Option<Schedule> {
        match self.optimizer {
            OptimizerConfig::Sgd(s) => Some(s),
            OptimizerConfig::AdamW(_) => None,
        }
    }

    /// AdamW's hyperparameters, if the run is AdamW's.
    pub fn adamw(&self) -> Option<AdamW> {
        match self.optimizer {
            OptimizerConfig::AdamW(a) => Some(a),
            OptimizerConfig::Sgd(_) => None,
        }
    }

    /// Refuses settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        match self.optimizer {
            OptimizerConfig::Sgd(s) => {
                if self.batch_size < 2 {
                    return Err(Error::Config(format!(
                        "batch size {} is too small: BatchNorm's Bessel-corrected variance divides by n-1, so at least 2",
                        self.batch_size
                    )));
                }
                for (name, lr) in [("lr", s.lr), ("lr-decayed", s.lr_decayed)] {
                    if !(lr.is_finite() && lr > 0.0) {
                        return Err(Error::Config(format!(
                            "{name} must be a positive number, got {lr}"
                        )));
                    }
                }
                self.validate_clip()
            }
            OptimizerConfig::AdamW(a) => {
                if self.steps == 0 || self.batch_size == 0 {
                    return Err(Error::Config(format!(
                        "--steps and --batch-size must be at least 1, got {} and {}",
                        self.steps, self.batch_size
                    )));
                }
                if !(a.lr.is_finite() && a.lr > 0.0) {
                    return Err(Error::Config(format!(
                        "--lr must be a positive number, got {}",
                        a.lr
                    )));
                }
                self.validate_clip()?;
                a.validate()
            }
        }
    }

    fn validate_clip(&self) -> Result<()> {
        if let Some(c) = self.clip.filter(|c| !(c.is_finite() && *c > 0.0)) {
            return Err(Error::Config(format!(
                "--clip must be a positive number, got {c}"
            )));
        }
        Ok(())
    }

    /// The learning rate at `step`.
    pub fn lr_at(&self, step: usize) -> f32 {
        match self.optimizer {
            OptimizerConfig::Sgd(s) => s.lr_at(step),
            OptimizerConfig::AdamW(a) => a.lr as f32,
        }
    }

    /// The run's optimiser for `model`, from its first step: SGD with its
    /// schedule, or AdamW with zero moments.
    pub fn optimizer_for<M: NamedParams<f32>>(&self, model: &M) -> Result<Optimizer> {
        Ok(match self.optimizer {
            OptimizerConfig::Sgd(s) => Optimizer::Sgd(s),
            OptimizerConfig::AdamW(a) => Optimizer::AdamW(AdamWState::new(a, model)?),
        })
    }

    /// What the loop needs of this run, a checkpoint handed out every
    /// `every` steps.
    pub fn run(&self, every: usize) -> Run {
        Run {
            steps: self.steps,
            batch_size: self.batch_size,
            seed: self.seed,
            clip: self.clip,
            every,
        }
    }
}

/// A corpus's vocabulary and its train, val and test examples.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub vocab: Vocab,
    pub train: Examples,
    pub val: Examples,
    pub test: Examples,
}

impl Dataset {
    /// Splits `corpus` 80/10/10 after shuffling with `seed`, as in the lecture.
    pub fn new(corpus: &Corpus, block: usize, seed: u64) -> Result<Dataset> {
        Dataset::with_vocab(corpus, Vocab::from_words(&corpus.words), block, seed)
    }

    /// The same, with a given vocabulary (a checkpoint's).
    pub fn with_vocab(corpus: &Corpus, vocab: Vocab, block: usize, seed: u64) -> Result<Dataset> {
        let [train, val, test] = split(&corpus.words, seed);
        Ok(Dataset {
            train: Examples::build(&train, &vocab, block)?,
            val: Examples::build(&val, &vocab, block)?,
            test: Examples::build(&test, &vocab, block)?,
            vocab,
        })
    }
}

/// Where a run stands, for progress reports: every model's trainer
/// reports it after each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Steps done (1-based).
    pub step: usize,
    pub steps: usize,
    /// The step's batch loss.
    pub loss: f32,
    /// The step's learning rate (SGD's schedule, or AdamW's rate).
    pub lr: f32,
}

/// SGD's learning rate schedule: `lr`, then `lr_decayed` from step
/// `lr_decay_step` on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub lr: f32,
    pub lr_decayed: f32,
    pub lr_decay_step: usize,
}

impl Schedule {
    /// The MLP lecture's (makemore part 4): lr 0.1, then 0.01 from step
    /// 100,000.
    pub const LECTURE: Schedule = Schedule {
        lr: 0.1,
        lr_decayed: 0.01,
        lr_decay_step: 100_000,
    };

    /// The WaveNet lecture's (makemore part 5): lr 0.01 from step 150,000.
    pub const WAVENET: Schedule = Schedule {
        lr_decay_step: 150_000,
        ..Schedule::LECTURE
    };

    /// The lecture's schedule for a model kind: the WaveNet's, or the
    /// MLP's for every other (the GPT trains with AdamW, not a schedule).
    pub fn lecture(kind: ModelKind) -> Schedule {
        match kind {
            ModelKind::WaveNet => Schedule::WAVENET,
            _ => Schedule::LECTURE,
        }
    }

    /// The learning rate at `step`.
    pub fn lr_at(&self, step: usize) -> f32 {
        if step < self.lr_decay_step {
            self.lr
        } else {
            self.lr_decayed
        }
    }
}

/// The optimiser of a run, which steps any model's parameters through
/// their walk ([`NamedParams`]): SGD with its schedule (the MLP and the
/// WaveNet), or AdamW with its moments and step count (the GPT).
#[derive(Clone, Debug, PartialEq)]
pub enum Optimizer {
    Sgd(Schedule),
    AdamW(AdamWState<f32>),
}

impl Optimizer {
    /// The learning rate of step `step` (0-based).
    pub fn lr(&self, step: usize) -> f32 {
        match self {
            Optimizer::Sgd(s) => s.lr_at(step),
            Optimizer::AdamW(a) => a.hyper.lr as f32,
        }
    }

    /// Step `step` (0-based) of every parameter of `model` with its
    /// gradient. Allocates nothing.
    pub fn step<B: Backprop, M: NamedParams<f32>>(
        &mut self,
        model: &mut M,
        grads: &mut M::Grads,
        step: usize,
    ) {
        match self {
            Optimizer::Sgd(s) => model.sgd_step(grads, s.lr_at(step)),
            Optimizer::AdamW(a) => a.step::<B, M>(model, grads),
        }
    }

    /// AdamW's state, if the optimiser is AdamW.
    pub fn adamw(&self) -> Option<&AdamWState<f32>> {
        match self {
            Optimizer::AdamW(a) => Some(a),
            Optimizer::Sgd(_) => None,
        }
    }

    /// Fails unless the optimiser's state is at step `start` (AdamW counts
    /// its steps; SGD has no state).
    pub fn check_start(&self, start: usize) -> Result<()> {
        match self {
            Optimizer::AdamW(a) if a.t != start => Err(Error::Config(format!(
                "AdamW has taken {} steps, the run starts at step {start}",
                a.t
            ))),
            _ => Ok(()),
        }
    }
}

/// What the training loop needs of a run, whatever the model: how many
/// steps of how large a batch, the seed of the batches, the gradient
/// clipping, and how often to hand out a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Run {
    /// Train up to this step.
    pub steps: usize,
    pub batch_size: usize,
    /// Of the batches: batch `i` is random stream `i` of the seed.
    pub seed: u64,
    /// Clip the norm of all gradients together at this.
    pub clip: Option<f64>,
    /// Hand out a checkpoint every this many steps (0: never).
    pub every: usize,
}

/// Where the time of the training steps went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timing {
    /// Steps timed.
    pub steps: usize,
    pub batch: Duration,
    pub forward: Duration,
    pub backward: Duration,
    /// Gradient clipping and the optimiser's step.
    pub update: Duration,
}

impl Timing {
    /// All the phases together.
    pub fn total(&self) -> Duration {
        self.batch + self.forward + self.backward + self.update
    }

    /// Mean microseconds per step of a phase.
    pub fn per_step(&self, phase: Duration) -> f64 {
        phase.as_secs_f64() * 1e6 / self.steps.max(1) as f64
    }
}

/// One training step of any model: batch `step` into the workspace,
/// forward, backward with `B`, clipping, the optimiser's step. Returns the
/// batch loss; allocates nothing.
#[allow(clippy::too_many_arguments)] // the loop's state, passed as it is
pub fn train_step<B: Backprop, M: Trainable>(
    model: &mut M,
    opt: &mut Optimizer,
    grads: &mut M::Grads,
    ws: &mut M::Workspace,
    data: &M::Data,
    run: &Run,
    step: usize,
    timing: &mut Timing,
) -> Result<f32> {
    let t0 = Instant::now();
    M::fill_batch(ws, data, run.seed, step)?;
    let t1 = Instant::now();
    let loss = model.train_forward(ws)?;
    let t2 = Instant::now();
    model.train_backward::<B>(ws, grads);
    let t3 = Instant::now();
    if let Some(max) = run.clip {
        model.clip_grad_norm(grads, max);
    }
    opt.step::<B, M>(model, grads, step);
    let t4 = Instant::now();
    timing.steps += 1;
    timing.batch += t1 - t0;
    timing.forward += t2 - t1;
    timing.backward += t3 - t2;
    timing.update += t4 - t3;
    Ok(loss)
}

pub use crate::error::DIVERGED_FACTOR;

/// A run whose loss stays far above its start for this many steps in a row
/// has diverged.
pub const DIVERGED_STRETCH: usize = 100;

/// Watches a run's losses for divergence: a loss that is not finite, or
/// one that stays over [`DIVERGED_FACTOR`] times the run's first loss for
/// [`DIVERGED_STRETCH`] steps (or is still there at the last step).
#[derive(Clone, Copy, Debug, Default)]
pub struct Divergence {
    first: Option<f32>,
    far_since: Option<usize>,
}

impl Divergence {
    /// Checks the loss of step `done` (1-based) of `steps`: an error if the
    /// run has diverged; `true` while the loss is far above its start.
    pub fn check(&mut self, loss: f32, done: usize, steps: usize) -> Result<bool> {
        if !loss.is_finite() {
            return Err(Error::Diverged {
                step: done,
                loss: loss as f64,
            });
        }
        let first = *self.first.get_or_insert(loss);
        if loss <= DIVERGED_FACTOR * first {
            self.far_since = None;
            return Ok(false);
        }
        let since = *self.far_since.get_or_insert(done);
        if done + 1 - since >= DIVERGED_STRETCH || done == steps {
            return Err(Error::DivergedFar {
                step: done,
                loss: loss as f64,
                start: first as f64,
                since,
            });
        }
        Ok(true)
    }
}

/// The training loop of every model: trains from `start` to `run.steps`
/// with `opt`, calling `on_step` after every step and `checkpoint` (with the
/// model, the optimiser and the steps done) every `run.every` steps before
/// the last.
///
/// Stops, before any checkpoint of the diverged model is handed out, with
/// [`Error::Diverged`] at the first loss that is not finite, and with
/// [`Error::DivergedFar`] when the loss stays over [`DIVERGED_FACTOR`] times
/// the run's first loss for [`DIVERGED_STRETCH`] steps, or is still there
/// at the last step. A checkpoint of step `k` is handed to `checkpoint`
/// only once the loss of step `k + 1`, the first computed with its
/// weights, is finite and not that high. Step numbers in errors are
/// 1-based, as in the progress lines.
///
/// After each step before the last, a SIGINT or SIGTERM caught for the run
/// ([`interrupt::catch`]) ends it: the state after that step is handed to
/// `checkpoint` (unless the loss is far above its start) and the loop
/// stops with [`Error::Interrupted`].
pub fn fit<B: Backprop, M: Trainable>(
    model: &mut M,
    opt: &mut Optimizer,
    data: &M::Data,
    run: &Run,
    start: usize,
    mut on_step: impl FnMut(Progress),
    mut checkpoint: impl FnMut(&M, &Optimizer, usize) -> Result<()>,
) -> Result<Timing> {
    opt.check_start(start)?;
    model.check_data(data)?;
    let mut ws = model.workspace(run.batch_size)?;
    let mut grads = model.zero_grads();
    let mut timing = Timing::default();
    let mut watch = Divergence::default();
    let mut pending: Option<(M, Optimizer, usize)> = None;
    for step in start..run.steps {
        let lr = opt.lr(step);
        let loss = train_step::<B, M>(
            model,
            opt,
            &mut grads,
            &mut ws,
            data,
            run,
            step,
            &mut timing,
        )?;
        let done = step + 1;
        let far = watch.check(loss, done, run.steps)?;
        if let Some((kept, kept_opt, at)) = pending.take().filter(|_| !far) {
            // Its weights gave a sound loss: the checkpoint is good.
            checkpoint(&kept, &kept_opt, at)?;
        }
        on_step(Progress {
            step: done,
            steps: run.steps,
            loss,
            lr,
        });
        if let Some(signal) = interrupt::caught()
            && done < run.steps
        {
            // The step is done: its state is whole, and good unless the
            // loss is far above its start.
            if !far {
                checkpoint(model, opt, done)?;
            }
            return Err(Error::Interrupted {
                step: done,
                signal,
                saved: !far,
            });
        }
        if run.every > 0 && done % run.every == 0 && done < run.steps && !far {
            pending = Some((model.clone(), opt.clone(), done));
        }
    }
    Ok(timing)
}

/// Trains a word model (the MLP, the WaveNet) with SGD and `cfg`'s
/// schedule through [`fit`], from `start` to `cfg.steps`, handing a
/// checkpoint every `checkpoint_every` steps; the seconds it took.
pub fn train<B: Backprop, M: Trainable<Data = Examples>>(
    model: &mut M,
    data: &Examples,
    cfg: &TrainConfig,
    start: usize,
    checkpoint_every: usize,
    on_step: impl FnMut(Progress),
    mut checkpoint: impl FnMut(&M, usize) -> Result<()>,
) -> Result<f64> {
    cfg.validate()?;
    let started = Instant::now();
    fit::<B, M>(
        model,
        &mut cfg.optimizer_for(model)?,
        data,
        &cfg.run(checkpoint_every),
        start,
        on_step,
        |m, _, step| checkpoint(m, step),
    )?;
    Ok(started.elapsed().as_secs_f64())
}

/// Draws `count` words from the model, each starting with `prefix`.
pub fn sample(
    model: &impl Model,
    vocab: &Vocab,
    count: usize,
    prefix: &str,
    seed: u64,
) -> Result<Vec<String>> {
    sample_with(model, vocab, count, prefix, seed, Sampling::default())
}

/// [`sample`], the logits shaped by `sampling` (temperature, top-k).
pub fn sample_with(
    model: &impl Model,
    vocab: &Vocab,
    count: usize,
    prefix: &str,
    seed: u64,
    sampling: Sampling,
) -> Result<Vec<String>> {
    sampling.validate()?;
    let block = model.hyper().block;
    let mut start = vec![0usize; block];
    for c in prefix.chars() {
        let ix = vocab.index(c).filter(|&i| i != 0).ok_or_else(|| {
            Error::Config(format!(
                "the prefix character {c:?} is not in the model's vocabulary {:?}",
                &vocab.as_string()[1..]
            ))
        })?;
        start.remove(0);
        start.push(ix);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut words = vec![];
    for _ in 0..count {
        let mut context = start.clone();
        let mut word = prefix.to_string();
        loop {
            let x = Array2::from_shape_vec((1, block), context.clone()).expect("one context");
            let mut logits = model.logits(&x)?;
            sampling.apply(logits.as_slice_mut().expect("one row of logits"));
            let (_, cache) = crate::layers::cross_entropy::forward(&logits, &[0])?;
            let ix = multinomial(cache.probs.row(0).as_slice().expect("a row"), &mut rng);
            if ix == 0 || word.chars().count() >= 64 {
                break;
            }
            word.push(vocab.char(ix));
            context.remove(0);
            context.push(ix);
        }
        words.push(word);
    }
    Ok(words)
}

/// The seed `sample` draws with by default: the lecture's generator seed
/// `2147483647` plus 10, as makemore's sampling cell seeds its generator
/// (`torch.Generator().manual_seed(2147483647 + 10)`), so that sampling
/// does not replay the random numbers that initialised the weights.
pub const SAMPLE_SEED: u64 = 2147483647 + 10;

/// The lecture's network sizes for training, with the vocabulary of the data.
pub fn lecture_hyper(vocab: usize) -> Hyper {
    Hyper {
        vocab,
        block: 3,
        n_embd: 10,
        n_hidden: 200,
    }
}

/// The WaveNet lecture's sizes (makemore part 5): block 8, n_embd 24,
/// n_hidden 128.
pub fn wavenet_hyper(vocab: usize) -> Hyper {
    Hyper {
        vocab,
        block: 8,
        n_embd: 24,
        n_hidden: 128,
    }
}

/// The lecture's sizes for a word model kind: the WaveNet's, or the
/// MLP's for every other (a GPT's sizes are its [`crate::models::gpt::GptConfig`]).
pub fn hyper_for(kind: ModelKind, vocab: usize) -> Hyper {
    match kind {
        ModelKind::WaveNet => wavenet_hyper(vocab),
        _ => lecture_hyper(vocab),
    }
}
