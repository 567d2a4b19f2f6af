//! # A base model made ready for the chat (*State of GPT*, supervised fine-tuning)
//!
//! A names GPT knows 27 tokens and rows of the longest name + 1; the chat
//! needs more tokens (the characters of the prompts, the four special
//! tokens) and longer rows. Fine-tuning starts from the base's weights
//! with the tables grown: new rows of the token embedding and new
//! positions drawn from `N(0, 0.02²)` (seeded), new `lm_head` columns at
//! zero, so that the base's own logits are unchanged at the start. The
//! base's tokens keep their ids ([`super::format::ChatFormat`] puts every
//! new token after them).

use ndarray::{Array1, Array2, Axis, concatenate};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::Normal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::models::gpt::{Gpt, GptBody};

/// The standard deviation of the new rows.
pub const NEW_ROW_STD: f64 = 0.02;

/// What [`extend`] grew, for the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grown {
    pub vocab: (usize, usize),
    pub block: (usize, usize),
}

/// `base` with `vocab_size` tokens and `block_size` positions (neither
/// smaller than the base's), the new rows drawn from `seed`.
pub fn extend(
    base: &Gpt<f32>,
    vocab_size: usize,
    block_size: usize,
    seed: u64,
) -> Result<(Gpt<f32>, Grown)> {
    let (v0, b0) = (base.config.vocab_size, base.config.block_size);
    if vocab_size < v0 || block_size < b0 {
        return Err(Error::Config(format!(
            "a model of {v0} tokens and block {b0} cannot shrink to {vocab_size} tokens and block {block_size}"
        )));
    }
    let mut model = base.clone();
    let GptBody::Transformer { emb, lm_head, .. } = &mut model.net else {
        return Err(Error::Config(
            "the base is the bigram table: fine-tuning needs a transformer (train gpt without --arch bigram)".into(),
        ));
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, NEW_ROW_STD).expect("a finite deviation");
    let c = emb.wte.ncols();
    let new_tok: Array2<f32> =
        Array2::<f64>::random_using((vocab_size - v0, c), normal, &mut rng).mapv(|x| x as f32);
    let new_pos: Array2<f32> =
        Array2::<f64>::random_using((block_size - b0, c), normal, &mut rng).mapv(|x| x as f32);
    emb.wte = concatenate![Axis(0), emb.wte, new_tok];
    emb.wpe = concatenate![Axis(0), emb.wpe, new_pos];
    lm_head.w = concatenate![Axis(1), lm_head.w, Array2::zeros((c, vocab_size - v0))];
    if let Some(b) = &mut lm_head.b {
        *b = concatenate![Axis(0), *b, Array1::zeros(vocab_size - v0)];
    }
    model.config.vocab_size = vocab_size;
    model.config.block_size = block_size;
    model.config.validate()?;
    Ok((
        model,
        Grown {
            vocab: (v0, vocab_size),
            block: (b0, block_size),
        },
    ))
}
