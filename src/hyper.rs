//! # The sizes of the course's networks
//!
//! One struct for the sizes every model and exercise reads: the vocabulary,
//! the context, the embedding and the hidden width. The batch size is not a
//! size of the network, and travels on its own.

use crate::error::{Error, Result};

/// The sizes of a character-level network: the lecture's `V`, `T` (block),
/// `E` (n_embd) and `H` (n_hidden).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hyper {
    /// `V`
    pub vocab: usize,
    /// `T`, characters of context
    pub block: usize,
    /// `E`
    pub n_embd: usize,
    /// `H`
    pub n_hidden: usize,
}

impl Hyper {
    /// Refuses sizes of zero.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("vocab", self.vocab),
            ("block-size", self.block),
            ("n-embd", self.n_embd),
            ("n-hidden", self.n_hidden),
        ] {
            if v == 0 {
                return Err(Error::Config(format!("{name} must be at least 1")));
            }
        }
        Ok(())
    }
}

impl Hyper {
    /// The network of *"becoming a backprop ninja"* (exercise 1): vocab 27,
    /// block 3, n_embd 10, n_hidden 64.
    pub const BACKPROP_NINJA: Hyper = Hyper {
        vocab: 27,
        block: 3,
        n_embd: 10,
        n_hidden: 64,
    };
}
