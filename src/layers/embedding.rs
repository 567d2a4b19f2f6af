//! # Embedding: `out[b, t] = table[idx[b, t]]`
//!
//! The lookup table `C` of the lecture: each character index picks a row.
//! Its backward pass is yours to write in `exercises/embedding.rs`; the
//! derivation is in `solutions/embedding.rs`.
//!
//! Shapes: `table (V, E)`, `idx (B, T)` of indices below `V`, `out (B, T, E)`.

use ndarray::{Array2, Array3, ArrayRef2, ArrayRef3, Axis};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// The parameters: one row of `E` numbers for each of the `V` tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding<F> {
    /// `(V, E)`
    pub table: Array2<F>,
}

/// The gradient of the table, the same shape.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingGrads<F> {
    /// `(V, E)`
    pub dtable: Array2<F>,
}

impl<F: Float> Embedding<F> {
    pub fn new(table: Array2<F>) -> Self {
        Embedding { table }
    }

    /// The number of tokens, `V`.
    pub fn vocab_size(&self) -> usize {
        self.table.nrows()
    }

    /// The width of a row, `E`.
    pub fn dim(&self) -> usize {
        self.table.ncols()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> EmbeddingGrads<F> {
        EmbeddingGrads {
            dtable: Array2::zeros(self.table.raw_dim()),
        }
    }

    /// Checks that every index is inside the table, naming the first that is not.
    pub fn check_indices(&self, idx: &ArrayRef2<usize>) -> Result<()> {
        match idx.indexed_iter().find(|&(_, &i)| i >= self.vocab_size()) {
            None => Ok(()),
            Some(((b, t), &i)) => Err(Error::Input {
                layer: "embedding",
                detail: format!(
                    "index {i} at row {b}, position {t} is outside the table of {} rows",
                    self.vocab_size()
                ),
            }),
        }
    }

    /// `out[b, t] = table[idx[b, t]]`, a new array.
    pub fn forward(&self, idx: &ArrayRef2<usize>) -> Result<Array3<F>> {
        let (b, t) = idx.dim();
        let mut out = Array3::zeros((b, t, self.dim()));
        self.forward_into(idx, &mut out)?;
        Ok(out)
    }

    /// `out[b, t] = table[idx[b, t]]`, written into `out` (no allocation).
    pub fn forward_into(&self, idx: &ArrayRef2<usize>, out: &mut ArrayRef3<F>) -> Result<()> {
        let (b, t) = idx.dim();
        expect_shape("embedding", "output", out.shape(), &[b, t, self.dim()])?;
        self.check_indices(idx)?;
        for (mut row, &i) in out.lanes_mut(Axis(2)).into_iter().zip(idx.iter()) {
            row.assign(&self.table.row(i));
        }
        Ok(())
    }
}

crate::layers::params::named_params! {
    impl<F> Embedding<F> => EmbeddingGrads<F> {
        Embedding { table }, EmbeddingGrads { dtable } => {
            "weight": table => dtable,
        }
    }
}
