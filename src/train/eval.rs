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
}

impl Evaluate for Network {
    fn eval_loss(&self, set: &EvalSet, room: &mut Room) -> Result<f64> {
        match self {
            Network::Mlp(m) => m.eval_loss(set, room),
            Network::WaveNet(w) => w.eval_loss(set, room),
            Network::Gpt(g) => g.eval_loss(set, room),
        }
    }
}

/// The losses of a model on two splits (the training split, then a
/// held-out one), every model the same way.
pub struct Evaluator {
    pub sets: [EvalSet; 2],
    room: Room,
}

impl Evaluator {
    /// Evaluates on `train` and `held_out` (val or test).
    pub fn new(train: EvalSet, held_out: EvalSet) -> Evaluator {
        Evaluator {
            sets: [train, held_out],
            room: Room::default(),
        }
    }

    /// The held-out split's name: `val` or `test`.
    pub fn held_out(&self) -> &'static str {
        self.sets[1].name
    }

    /// The mean loss over every counted target of each set, in order.
    pub fn losses<M: Evaluate + ?Sized>(&mut self, model: &M) -> Result<[f64; 2]> {
        Ok([
            model.eval_loss(&self.sets[0], &mut self.room)?,
            model.eval_loss(&self.sets[1], &mut self.room)?,
        ])
    }
}
