//! # Conversations as training rows (*State of GPT*, supervised fine-tuning)
//!
//! Every rendered conversation becomes one row of the block size: padded
//! ([`pad`]), its inputs and targets built by the targets function of the
//! run (`sft_targets`, the learner's under `--impl exercises`), so that
//! the one trainer draws SFT batches as it draws names' rows: a random
//! row each, from the random stream of the step.

use ndarray::{Array2, ArrayRef2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::format::Rendered;
use crate::corpus::text::{Batch, BatchSource};
use crate::error::{Error, Result};
use crate::layers::sft_targets::{TargetsFn, pad, write_row};

/// The rows of a set of conversations.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRows {
    /// `(N, T)` inputs
    pub x: Array2<usize>,
    /// `(N, T)` targets, `-1` off the answers
    pub y: Array2<i64>,
}

impl ChatRows {
    /// The rows of `conversations`, `block` positions each, built by
    /// `targets`; an error if there are none, or one does not fit.
    pub fn build(conversations: &[Rendered], block: usize, targets: TargetsFn) -> Result<ChatRows> {
        if conversations.is_empty() {
            return Err(Error::Config(
                "the instruction set is empty: no conversations to fine-tune on".into(),
            ));
        }
        let n = conversations.len();
        let mut x = Array2::zeros((n, block));
        let mut y = Array2::zeros((n, block));
        for (i, r) in conversations.iter().enumerate() {
            let (ids, mask) = pad(&r.ids, &r.mask, block).map_err(|e| Error::Input {
                layer: "chat",
                detail: format!("conversation {} of {n}: {e}", i + 1),
            })?;
            write_row(targets, &ids, &mask, &mut x, &mut y, i)?;
        }
        Ok(ChatRows { x, y })
    }

    /// `N`.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `T`.
    pub fn block(&self) -> usize {
        self.x.ncols()
    }

    /// The rows `start..start + batch`, for an evaluation in order.
    pub fn chunk(&self, start: usize, batch: usize) -> Batch {
        let end = (start + batch).min(self.len());
        Batch {
            idx: self.x.slice(ndarray::s![start..end, ..]).to_owned(),
            targets: self.y.slice(ndarray::s![start..end, ..]).to_owned(),
        }
    }
}

impl BatchSource for ChatRows {
    fn check_block(&self, block: usize) -> Result<()> {
        if block != self.block() {
            return Err(Error::Config(format!(
                "the conversations are rows of {} positions; a model of block {block} does not fit them",
                self.block()
            )));
        }
        if self.is_empty() {
            return Err(Error::Config("no conversations to sample from".into()));
        }
        Ok(())
    }

    /// Row `b` is a random conversation's, drawn with replacement from
    /// stream `step` of `seed`.
    fn sample_into(
        &self,
        idx: &mut ArrayRef2<usize>,
        targets: &mut ArrayRef2<i64>,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        crate::error::expect_shape("chat", "targets", targets.shape(), idx.shape())?;
        self.check_block(idx.ncols())?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(step as u64);
        for (mut x, mut y) in idx
            .axis_iter_mut(Axis(0))
            .zip(targets.axis_iter_mut(Axis(0)))
        {
            let i = rng.random_range(0..self.len());
            x.assign(&self.x.row(i));
            y.assign(&self.y.row(i));
        }
        Ok(())
    }
}
