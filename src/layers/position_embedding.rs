//! # Token + position embedding: `x[b,t] = wte[idx[b,t]] + wpe[t]`
//!
//! Lecture 7 ("Let's build GPT"): self-attention sees a set, not a sequence,
//! so each position gets a learned vector of its own, added to its token's:
//!
//! ```text
//! idx (B, T) ─ wte (V, C) ─ tok (B, T, C)
//!                      + wpe[0..T] (T, C), broadcast over the batch
//!            = x (B, T, C)
//! ```
//!
//! (`transformer.wte` and `transformer.wpe` in makemore and GPT-2.) The
//! backward pass is yours to write in `exercises/position_embedding.rs`;
//! the derivation is in `solutions/position_embedding.rs`.

use ndarray::{Array2, Array3, ArrayRef2, ArrayRef3, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// The parameters: a row per token and a row per position.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionEmbedding<F> {
    /// `(V, C)` token embeddings
    pub wte: Array2<F>,
    /// `(block_size, C)` position embeddings
    pub wpe: Array2<F>,
}

/// The gradients of the two tables.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionEmbeddingGrads<F> {
    /// `(V, C)`
    pub dwte: Array2<F>,
    /// `(block_size, C)`
    pub dwpe: Array2<F>,
}

impl<F: Float> PositionEmbedding<F> {
    /// The two tables, of the same width.
    pub fn new(wte: Array2<F>, wpe: Array2<F>) -> Result<Self> {
        expect_shape(
            "position_embedding",
            "wpe",
            wpe.shape(),
            &[wpe.nrows(), wte.ncols()],
        )?;
        Ok(PositionEmbedding { wte, wpe })
    }

    /// `V`.
    pub fn vocab_size(&self) -> usize {
        self.wte.nrows()
    }

    /// The longest context, `block_size`.
    pub fn block_size(&self) -> usize {
        self.wpe.nrows()
    }

    /// `C`.
    pub fn dim(&self) -> usize {
        self.wte.ncols()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> PositionEmbeddingGrads<F> {
        PositionEmbeddingGrads {
            dwte: Array2::zeros(self.wte.raw_dim()),
            dwpe: Array2::zeros(self.wpe.raw_dim()),
        }
    }

    /// Checks that `T ≤ block_size` and that every index is a token.
    pub fn check_input(&self, idx: &ArrayRef2<usize>) -> Result<()> {
        let t = idx.ncols();
        if t > self.block_size() {
            return Err(Error::Input {
                layer: "position_embedding",
                detail: format!(
                    "a context of {t} positions is longer than the block size {}",
                    self.block_size()
                ),
            });
        }
        match idx.indexed_iter().find(|&(_, &i)| i >= self.vocab_size()) {
            None => Ok(()),
            Some(((b, t), &i)) => Err(Error::Input {
                layer: "position_embedding",
                detail: format!(
                    "index {i} at row {b}, position {t} is outside the table of {} tokens",
                    self.vocab_size()
                ),
            }),
        }
    }

    /// `x[b,t] = wte[idx[b,t]] + wpe[t]`, written into `out (B, T, C)`.
    pub fn forward_into(&self, idx: &ArrayRef2<usize>, out: &mut ArrayRef3<F>) -> Result<()> {
        let (b, t) = idx.dim();
        expect_shape(
            "position_embedding",
            "output",
            out.shape(),
            &[b, t, self.dim()],
        )?;
        self.check_input(idx)?;
        for (mut out, idx) in out.outer_iter_mut().zip(idx.rows()) {
            // one example: (T, C)
            for ((mut row, &i), pos) in out.outer_iter_mut().zip(&idx).zip(self.wpe.rows()) {
                Zip::from(&mut row)
                    .and(&self.wte.row(i))
                    .and(&pos)
                    .for_each(|o, &tok, &pos| *o = tok + pos);
            }
        }
        Ok(())
    }

    /// `x` as a new array.
    pub fn forward(&self, idx: &ArrayRef2<usize>) -> Result<Array3<F>> {
        let mut out = Array3::zeros((idx.nrows(), idx.ncols(), self.dim()));
        self.forward_into(idx, &mut out)?;
        Ok(out)
    }
}

crate::layers::params::named_params! {
    impl<F> PositionEmbedding<F> => PositionEmbeddingGrads<F> {
        PositionEmbedding { wte, wpe }, PositionEmbeddingGrads { dwte, dwpe } => {
            "wte.weight": wte => dwte,
            "wpe.weight": wpe => dwpe,
        }
    }
}
