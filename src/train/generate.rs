//! # One sampler for every model: names or text, by what it learned
//!
//! What `sample` and the end of a training run draw from a model of any
//! kind ([`Network`]), through one call, [`generate`]: names from the MLP
//! and the WaveNet of makemore parts 4 and 5 ([`crate::train::sample_with`]),
//! names or running text from the GPT of lecture 7
//! ([`crate::train::gpt::sample_names_streamed`], [`crate::train::gpt::sample_text_streamed`]).
//! The drawing of one token is each model's (a word model's context of
//! `block` characters, the GPT's window of up to `block_size`), and every
//! one of them shapes its logits the same way, with one [`Sampling`]
//! (temperature and top-k) and one [`crate::train::sampling::multinomial`].

use crate::corpus::DataKind;
use std::path::Path;

use crate::corpus::words::Vocab;
use crate::error::{Error, Result};
use crate::models::model::Network;
use crate::tokenizer::codec::from_record;
use crate::train::gpt::{sample_names_streamed, sample_text_streamed};
use crate::train::sample_with;
use crate::train::sampling::Sampling;

/// What to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `count` names (a model trained on names).
    Names { count: usize },
    /// `chars` tokens of running text (a GPT trained on a text): characters,
    /// or a tokenizer's tokens.
    Text { chars: usize },
}

/// Draws `request` from `model`, whose vocabulary is `vocab` (its
/// characters in token order) and whose data was `data`: each sample
/// starts with `prefix`; the first random stream is `seed`'s. Names come
/// one per string, text as one string.
pub fn generate(
    model: &Network,
    vocab: &str,
    data: DataKind,
    request: Request,
    prefix: &str,
    seed: u64,
    sampling: Sampling,
) -> Result<Vec<String>> {
    let mut samples: Vec<String> = vec![];
    let text = matches!(request, Request::Text { .. });
    generate_streamed(
        model,
        vocab,
        data,
        request,
        prefix,
        seed,
        sampling,
        |piece| {
            match samples.last_mut() {
                Some(all) if text => all.push_str(piece),
                _ => samples.push(piece.to_string()),
            }
            true
        },
    )?;
    Ok(samples)
}

/// [`generate`], handed to `emit` as it is drawn: each name whole, or the
/// text piece by piece (the prefix, then each character of the GPT's);
/// stops early when `emit` returns `false` (its reader is gone). The same
/// samples as [`generate`], bit for bit.
#[allow(clippy::too_many_arguments)]
pub fn generate_streamed(
    model: &Network,
    vocab: &str,
    data: DataKind,
    request: Request,
    prefix: &str,
    seed: u64,
    sampling: Sampling,
    mut emit: impl FnMut(&str) -> bool,
) -> Result<()> {
    // A word model draws its names, then hands them on one by one.
    let mut each = |names: Result<Vec<String>>| {
        for name in names? {
            if !emit(&name) {
                break;
            }
        }
        Ok(())
    };
    match (model, request) {
        (Network::Reward(_), _) => Err(Error::Config(
            "a reward model scores answers and draws nothing: use `reward score`".into(),
        )),
        (Network::Gpt(g), Request::Text { chars }) if data == DataKind::Text => {
            let codec = from_record(vocab, Path::new("the checkpoint's vocab"))?;
            sample_text_streamed(g, &codec, prefix, chars, seed, sampling, emit)
        }
        (Network::Gpt(g), Request::Names { count }) if data == DataKind::Names => {
            sample_names_streamed(g, vocab, prefix, count, seed, sampling, |name| emit(&name))
        }
        (Network::Mlp(m), Request::Names { count }) => each(sample_with(
            m,
            &words(vocab)?,
            count,
            prefix,
            seed,
            sampling,
        )),
        (Network::WaveNet(w), Request::Names { count }) => each(sample_with(
            w,
            &words(vocab)?,
            count,
            prefix,
            seed,
            sampling,
        )),
        (_, Request::Text { .. }) => Err(Error::Config(format!(
            "a {} trained on {} draws names, not text",
            model.kind().title(),
            data.name()
        ))),
        (_, Request::Names { .. }) => Err(Error::Config(format!(
            "a {} trained on {} draws text, not names",
            model.kind().title(),
            data.name()
        ))),
    }
}

/// A word model's vocabulary (`.` first).
fn words(vocab: &str) -> Result<Vocab> {
    Vocab::from_chars(vocab)
        .ok_or_else(|| Error::Config(format!("vocabulary {vocab:?} does not start with '.'")))
}
