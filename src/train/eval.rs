//! # One evaluation for every model: fixed batches or the whole split
//!
//! A run is evaluated on two splits (the training split and a held-out
//! one) by one [`Evaluator`], whatever the model: an [`EvalSet`] is either
//! the whole of a split of word examples (the MLP and the WaveNet of
//! makemore parts 4 and 5, as the lectures' `split_loss` evaluates them)
//! or fixed batches drawn once from a split of text or names (the GPT of
//! lecture 7: the lecture's `estimate_loss` draws `eval_iters` batches at
//! each evaluation; here they are drawn once and reused, so the losses
//! compare across steps and across runs). Every model says how it is
//! evaluated on either form through [`Evaluate`]; the GPT's workspace is
//! allocated once, at the first evaluation.
//!
//! **Garbage never replaces a good model.** A run saves a checkpoint only
//! after [`Evaluator::checked`] has passed its evaluation through the
//! [`Watch`]: a loss that is not finite; a held-out loss more than
//! [`WORSE_BY`] nats above the best of the run so far (its first evaluation,
//! of the model it starts from, included); or, once the run has done
//! better than a uniform guess over the vocabulary (`ln V`), a held-out
//! loss above it again, stops the run with an error before anything is
//! written, and the output keeps its last good checkpoint. (A fresh model
//! starts near or a little above `ln V`, and the first steps of a short run
//! may stay there: that is not held against it, but it may never get worse
//! than its start by a nat.)

use crate::corpus::text::{Batch, BatchSource, IGNORE, NameRows, eval_batches};
use crate::corpus::words::Examples;
use crate::error::{Error, Result};
use crate::layers::sequence_cross_entropy;
use crate::models::gpt::{Gpt, GptWorkspace};
use crate::models::model::{Model, Network};

/// What one split is evaluated on.
#[derive(Clone, Debug, PartialEq)]
pub enum Split {
    /// Every example of a split of words (the MLP, the WaveNet).
    Whole(Examples),
    /// Fixed batches, all of one shape; rows of padding have every target
    /// [`IGNORE`] (the GPT).
    Batches(Vec<Batch>),
}

/// One split of an evaluation, by name.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalSet {
    /// `train`, `val` or `test`.
    pub name: &'static str,
    pub split: Split,
}

impl EvalSet {
    /// Every example of `examples`.
    pub fn whole(name: &'static str, examples: Examples) -> EvalSet {
        EvalSet {
            name,
            split: Split::Whole(examples),
        }
    }

    /// `count` batches of `batch` windows drawn once from `source` with
    /// `seed`.
    pub fn sampled(
        name: &'static str,
        source: &dyn BatchSource,
        batch: usize,
        block: usize,
        count: usize,
        seed: u64,
    ) -> Result<EvalSet> {
        Ok(EvalSet {
            name,
            split: Split::Batches(eval_batches(source, batch, block, count, seed)?),
        })
    }

    /// Every row of `rows`, in order, in batches of `batch` (the last one
    /// padded with rows whose targets are all ignored).
    pub fn every_row(name: &'static str, rows: &NameRows, batch: usize) -> Result<EvalSet> {
        if rows.is_empty() || batch == 0 {
            return Err(Error::Config(format!(
                "the {name} split has no rows to evaluate on"
            )));
        }
        let batches = (0..rows.len())
            .step_by(batch)
            .map(|start| {
                let chunk = rows.chunk(start, batch);
                let mut full = Batch::new(batch, rows.block());
                full.targets.fill(IGNORE);
                let n = chunk.batch_size();
                full.idx.slice_mut(ndarray::s![..n, ..]).assign(&chunk.idx);
                full.targets
                    .slice_mut(ndarray::s![..n, ..])
                    .assign(&chunk.targets);
                full
            })
            .collect();
        Ok(EvalSet {
            name,
            split: Split::Batches(batches),
        })
    }

    /// The targets that count.
    pub fn counted(&self) -> usize {
        match &self.split {
            Split::Whole(e) => e.y.len(),
            Split::Batches(b) => b.iter().map(Batch::counted).sum(),
        }
    }
}

/// What an evaluation keeps between calls: the GPT's workspace, allocated
/// at the first evaluation.
#[derive(Default)]
pub struct Room {
    gpt: Option<GptWorkspace<f32>>,
}

/// How a model is evaluated: its eval-mode mean loss over every counted
/// target of a set, or an error naming the set if the model is not
/// evaluated on that form of split.
pub trait Evaluate {
    fn eval_loss(&self, set: &EvalSet, room: &mut Room) -> Result<f64>;
    /// The size of its vocabulary (a uniform guess has loss `ln V`).
    fn vocab_size(&self) -> usize;
}

/// The word models: on the whole split, with the statistics
/// [`Model::eval_statistics`] names.
impl<M: Model> Evaluate for M {
    fn eval_loss(&self, set: &EvalSet, _room: &mut Room) -> Result<f64> {
        match &set.split {
            Split::Whole(e) => self.loss(&e.x, &e.y),
            Split::Batches(_) => Err(Error::Config(format!(
                "the {} split is batches of windows: a word model is evaluated on every example",
                set.name
            ))),
        }
    }
    fn vocab_size(&self) -> usize {
        self.hyper().vocab
    }
}

/// The GPT: on fixed batches, in one workspace of their shape.
impl Evaluate for Gpt<f32> {
    fn eval_loss(&self, set: &EvalSet, room: &mut Room) -> Result<f64> {
        let Split::Batches(batches) = &set.split else {
            return Err(Error::Config(format!(
                "the {} split is word examples: a GPT is evaluated on batches of rows",
                set.name
            )));
        };
        let shape = batches
            .first()
            .map(|b| b.idx.dim())
            .ok_or_else(|| Error::Config("no evaluation batches".into()))?;
        let ws = match &mut room.gpt {
            Some(ws) if ws.dim() == shape => ws,
            slot => slot.insert(self.workspace(shape.0, shape.1)?),
        };
        let (mut total, mut count) = (0.0f64, 0usize);
        for batch in batches {
            crate::error::expect_shape(
                "evaluation",
                set.name,
                batch.idx.shape(),
                &[shape.0, shape.1],
            )?;
            let n = sequence_cross_entropy::counted(&batch.targets);
            if n == 0 {
                continue;
            }
            ws.idx.assign(&batch.idx);
            ws.targets.assign(&batch.targets);
            let mean = self.forward(ws)?;
            total += mean as f64 * n as f64;
            count += n;
        }
        // The mean as the GPT reports it, in f32.
        Ok((total / count.max(1) as f64) as f32 as f64)
    }
    fn vocab_size(&self) -> usize {
        self.config.vocab_size
    }
}

impl Evaluate for Network {
    fn eval_loss(&self, set: &EvalSet, room: &mut Room) -> Result<f64> {
        match self {
            Network::Mlp(m) => m.eval_loss(set, room),
            Network::WaveNet(w) => w.eval_loss(set, room),
            Network::Gpt(g) => g.eval_loss(set, room),
            Network::Reward(_) => Err(Error::Config(format!(
                "a reward model is evaluated on preference pairs, not on the {} split: use `reward eval`",
                set.name
            ))),
        }
    }
    fn vocab_size(&self) -> usize {
        Network::vocab_size(self)
    }
}

/// Bits per byte of a mean loss of `nats_per_token` over `tokens` tokens
/// that stand for `bytes` bytes of UTF-8: the loss of the whole split in
/// bits (`nats · tokens / ln 2`) shared among its bytes. Models that cut
/// text into tokens differently (characters, byte pairs) compare on this
/// scale; for an ASCII text read by characters it is the loss in bits.
pub fn bits_per_byte(nats_per_token: f64, tokens: usize, bytes: usize) -> f64 {
    nats_per_token * tokens as f64 / bytes as f64 / std::f64::consts::LN_2
}

/// How far above the best held-out loss of a run so far an evaluation may
/// be, in nats (a factor of e ≈ 2.7 in perplexity), before the run is
/// stopped as diverged. Overfitting moves the held-out loss by tenths of a
/// nat; a learning rate too large moves it by whole nats.
pub const WORSE_BY: f64 = 1.0;

/// Watches the evaluations of a run: the rule of "garbage never replaces
/// a good model" (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Watch {
    /// `ln V`: the loss of a uniform guess.
    uniform: f64,
    /// The best held-out loss so far, and its step (`None` before the
    /// first evaluation).
    best: Option<(f64, usize)>,
}

impl Watch {
    /// The watch of a model over a vocabulary of `vocab_size`.
    pub fn new(vocab_size: usize) -> Watch {
        Watch {
            uniform: (vocab_size.max(1) as f64).ln(),
            best: None,
        }
    }

    /// The best held-out loss so far, and its step.
    pub fn best(&self) -> Option<(f64, usize)> {
        self.best
    }

    /// Checks the losses of the evaluation at `step` (`names` their
    /// splits; the last is the held-out one): an error if one is not
    /// finite, or the held-out one is above the uniform bound or more than
    /// [`WORSE_BY`] above the best so far, or it is above `ln V` while
    /// the best so far is below.
    pub fn check(&mut self, step: usize, names: &[&'static str], losses: &[f64]) -> Result<()> {
        if let Some((i, &l)) = losses.iter().enumerate().find(|(_, l)| !l.is_finite()) {
            return Err(Error::Noted {
                error: Box::new(Error::Diverged { step, loss: l }),
                note: format!("the {} loss of the evaluation", names[i]),
            });
        }
        let (Some(&loss), Some(&split)) = (losses.last(), names.last()) else {
            return Ok(());
        };
        let Some((best, at)) = self.best else {
            self.best = Some((loss, step));
            return Ok(());
        };
        if loss > best + WORSE_BY {
            return Err(Error::Worse {
                step,
                split,
                loss,
                bound: best + WORSE_BY,
                rule: format!("the best so far (of step {at}) plus {WORSE_BY} nat"),
            });
        }
        if best < self.uniform && loss > self.uniform {
            return Err(Error::Worse {
                step,
                split,
                loss,
                bound: self.uniform,
                rule: format!(
                    "a uniform guess over the vocabulary (ln V), which the run had beaten at step {at}"
                ),
            });
        }
        if loss < best {
            self.best = Some((loss, step));
        }
        Ok(())
    }
}

/// The losses of a model on its splits (the training split, then a
/// held-out one; or the held-out one alone), every model the same way;
/// [`Evaluator::checked`] also watches them ([`Watch`]).
pub struct Evaluator {
    /// The last is the held-out split.
    pub sets: Vec<EvalSet>,
    room: Room,
    watch: Option<Watch>,
}

impl Evaluator {
    /// Evaluates on `train` and `held_out` (val or test).
    pub fn new(train: EvalSet, held_out: EvalSet) -> Evaluator {
        Evaluator {
            sets: vec![train, held_out],
            room: Room::default(),
            watch: None,
        }
    }

    /// Evaluates on `held_out` alone (a word model's run watches its
    /// validation loss, and prints its losses on every split at the end).
    pub fn held_out_only(held_out: EvalSet) -> Evaluator {
        Evaluator {
            sets: vec![held_out],
            room: Room::default(),
            watch: None,
        }
    }

    /// The losses of `model` at `step`, checked by the run's [`Watch`]
    /// (begun at the first call, over the model's vocabulary): the one
    /// check every run passes before it saves a checkpoint.
    pub fn checked<M: Evaluate + ?Sized>(&mut self, model: &M, step: usize) -> Result<Vec<f64>> {
        let losses = self.losses(model)?;
        let watch = self
            .watch
            .get_or_insert_with(|| Watch::new(model.vocab_size()));
        let names: Vec<&'static str> = self.sets.iter().map(|s| s.name).collect();
        watch.check(step, &names, &losses)?;
        Ok(losses)
    }

    /// The held-out split's name: `val` or `test`.
    pub fn held_out(&self) -> &'static str {
        self.sets.last().map_or("held-out", |s| s.name)
    }

    /// The mean loss over every counted target of each set, in order.
    pub fn losses<M: Evaluate + ?Sized>(&mut self, model: &M) -> Result<Vec<f64>> {
        let room = &mut self.room;
        self.sets
            .iter()
            .map(|set| model.eval_loss(set, room))
            .collect()
    }
}
