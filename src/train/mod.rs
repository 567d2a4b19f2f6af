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
pub mod gpt;
#[cfg(feature = "plots")]
pub mod plots;
pub mod sampling;

use std::time::Instant;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::corpus::words::{Corpus, Examples, Vocab, split};
use crate::error::{Error, Result};
use crate::hyper::Hyper;
use crate::models::model::{Model, ModelKind};
use crate::train::sampling::{Sampling, multinomial};

/// The hyperparameters of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    pub steps: usize,
    pub batch_size: usize,
    pub lr: f32,
    /// The learning rate from `lr_decay_step` on.
    pub lr_decayed: f32,
    pub lr_decay_step: usize,
    pub seed: u64,
}

impl TrainConfig {
    /// The lecture's: 200,000 steps of 32, lr 0.1 then 0.01 from 100,000.
    pub const LECTURE: TrainConfig = TrainConfig {
        steps: 200_000,
        batch_size: 32,
        lr: 0.1,
        lr_decayed: 0.01,
        lr_decay_step: 100_000,
        seed: 2147483647,
    };

    /// The WaveNet lecture's (makemore part 5): the same, but lr 0.01 from
    /// step 150,000.
    pub const WAVENET: TrainConfig = TrainConfig {
        lr_decay_step: 150_000,
        ..TrainConfig::LECTURE
    };

    /// The lecture's settings for a model kind.
    pub fn lecture(kind: ModelKind) -> TrainConfig {
        match kind {
            ModelKind::Mlp => TrainConfig::LECTURE,
            ModelKind::WaveNet => TrainConfig::WAVENET,
        }
    }

    /// Refuses settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        if self.batch_size < 2 {
            return Err(Error::Config(format!(
                "batch size {} is too small: BatchNorm's Bessel-corrected variance divides by n-1, so at least 2",
                self.batch_size
            )));
        }
        for (name, lr) in [("lr", self.lr), ("lr-decayed", self.lr_decayed)] {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(Error::Config(format!(
                    "{name} must be a positive number, got {lr}"
                )));
            }
        }
        Ok(())
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

/// One training step: batch `step` into the workspace, forward, backward,
/// update. Returns the batch loss.
pub fn train_step<B: Backprop, M: Model>(
    model: &mut M,
    grads: &mut M::Grads,
    ws: &mut M::Workspace,
    data: &Examples,
    cfg: &TrainConfig,
    step: usize,
) -> Result<f32> {
    let (idx, targets) = M::batch_mut(ws);
    sample_batch(idx, targets, data, cfg.seed, step);
    let loss = model.forward_backward::<B>(ws, grads)?;
    model.sgd_step(grads, cfg.lr_at(step));
    Ok(loss)
}

/// Fills `idx (B, T)` and `targets (B,)` with batch `step`: random examples
/// from stream `step`.
pub fn sample_batch(
    idx: &mut Array2<usize>,
    targets: &mut [usize],
    data: &Examples,
    seed: u64,
    step: usize,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step as u64);
    let block = data.x.ncols();
    let x = data.x.as_slice().expect("examples in standard layout");
    let idx = idx.as_slice_mut().expect("a standard-layout batch");
    for (row, target) in idx.chunks_exact_mut(block).zip(targets.iter_mut()) {
        let i = rng.random_range(0..data.len());
        row.copy_from_slice(&x[i * block..(i + 1) * block]);
        *target = data.y[i];
    }
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

/// Trains from `start` to `cfg.steps`, calling `on_step` after every step
/// and `checkpoint` every `checkpoint_every` steps.
///
/// Stops, before any checkpoint of the diverged model is written, with
/// [`Error::Diverged`] at the first loss that is not finite, and with
/// [`Error::DivergedFar`] when the loss stays over [`DIVERGED_FACTOR`] times
/// the run's first loss for [`DIVERGED_STRETCH`] steps, or is still there
/// at the last step. A checkpoint of step `k` is handed to `checkpoint`
/// only once the loss of step `k + 1`, the first computed with its
/// weights, is finite and not that high. Step numbers in errors are
/// 1-based, as in the progress lines.
pub fn train<B: Backprop, M: Model>(
    model: &mut M,
    data: &Examples,
    cfg: &TrainConfig,
    start: usize,
    checkpoint_every: usize,
    mut on_step: impl FnMut(Progress),
    mut checkpoint: impl FnMut(&M, usize) -> Result<()>,
) -> Result<f64> {
    cfg.validate()?;
    let mut ws = model.workspace(cfg.batch_size)?;
    let mut grads = model.zero_grads();
    let started = Instant::now();
    let mut watch = Divergence::default();
    let mut pending: Option<(M, usize)> = None;
    for step in start..cfg.steps {
        let loss = train_step::<B, M>(model, &mut grads, &mut ws, data, cfg, step)?;
        let done = step + 1;
        let far = watch.check(loss, done, cfg.steps)?;
        if let Some((kept, at)) = pending.take().filter(|_| !far) {
            // Its weights gave a sound loss: the checkpoint is good.
            checkpoint(&kept, at)?;
        }
        on_step(Progress {
            step: done,
            steps: cfg.steps,
            loss,
            lr: cfg.lr_at(step),
        });
        if checkpoint_every > 0 && done % checkpoint_every == 0 && done < cfg.steps && !far {
            pending = Some((model.clone(), done));
        }
    }
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

/// The lecture's sizes for a model kind.
pub fn hyper_for(kind: ModelKind, vocab: usize) -> Hyper {
    match kind {
        ModelKind::Mlp => lecture_hyper(vocab),
        ModelKind::WaveNet => wavenet_hyper(vocab),
    }
}
