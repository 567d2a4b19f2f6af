//! # Training a GPT (lecture 7, "Let's build GPT")
//!
//! The loop of the lecture's `gpt.py` is the trainer's one loop
//! ([`crate::train::fit`]), with the learner's backward passes: each step
//! draws batch `step` of the training split, runs the forward pass, the
//! backward pass of a [`crate::Backprop`] implementation, (for makemore's
//! Transformer) clips the gradient norm at 1, and takes an AdamW step
//! ([`crate::train::Optimizer::AdamW`]). Every `every` steps and at the end
//! the model is evaluated on fixed batches of both splits (the one
//! evaluation, [`crate::train::eval::Evaluator`]): the same examples at
//! every evaluation, so the losses compare across steps and across runs.
//! This file holds what is the GPT's own around the loop: the sampler (on
//! a KV cache, [`crate::models::kv_cache`]), the generation of many samples
//! at once ([`generate_batch`]) and the count of a step's operations.
//!
//! Three settings, in [`crate::train::TrainConfig`]: `GPT_LECTURE`, the
//! lecture's CPU-sized model on running text; `GPT_MAKEMORE`, makemore's
//! Transformer on names; `GPT_PROGRESSION`, the lecture's small models.
//! Nothing is allocated per step: one workspace, one set of gradients, the
//! AdamW moments. Batch `i` comes from random stream `i` of the seed, so a
//! resumed run draws exactly the batches of an uninterrupted one, and with
//! AdamW's moments and step count restored it continues bit for bit.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::corpus::codec::{self, Codec, Utf8Pieces};
use crate::corpus::words::Vocab;
use crate::error::{Error, Result};
use crate::models::gpt::{Arch, Gpt, GptBody, GptConfig, GptWorkspace};
use crate::models::kv_cache::KvCache;
use crate::tokenizer::codec::{from_record, is_tokenizer};
use crate::train::sampling::{Sampling, multinomial};

/// The matrix products of one training step of `config` on `b × t`
/// positions, in floating-point operations (a multiply-add is 2): the
/// forward pass, and twice that for the backward pass (the gradients of the
/// inputs and of the weights). Attention counts its full `T × T` scores, as
/// PyTorch computes them. Element-wise work is not counted.
pub fn flops(config: &GptConfig, b: usize, t: usize) -> StepFlops {
    let (c, v) = (config.n_embd as f64, config.vocab_size as f64);
    let n = (b * t) as f64;
    let linear = |fan_in: f64, fan_out: f64| 2.0 * n * fan_in * fan_out;
    let forward = match config.arch {
        Arch::Bigram => 0.0,
        arch => {
            let mlp = match arch {
                Arch::FeedForward | Arch::Blocks => linear(c, c),
                Arch::Residual | Arch::LayerNorm => linear(c, 4.0 * c) + linear(4.0 * c, c),
                _ => 0.0,
            };
            let proj = if arch >= Arch::Residual {
                linear(c, c)
            } else {
                0.0
            };
            // q·kᵀ and att·v: 2 · B · T · T · C each, whatever the heads.
            let attention = 2.0 * 2.0 * n * t as f64 * c;
            config.layers() as f64 * (linear(c, 3.0 * c) + proj + attention + mlp) + linear(c, v)
        }
    };
    StepFlops {
        forward,
        backward: 2.0 * forward,
    }
}

/// The floating-point operations of one step's matrix products.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepFlops {
    pub forward: f64,
    pub backward: f64,
}

// ---------------------------------------------------------------------------
// Sampling

/// Logits to a token: shaped by a [`Sampling`], a softmax, one draw. Its
/// buffers are allocated once.
struct Draw {
    sampling: Sampling,
    logits: Vec<f32>,
    probs: Vec<f64>,
}

impl Draw {
    fn new(vocab_size: usize) -> Draw {
        Draw {
            sampling: Sampling::default(),
            logits: vec![0.0; vocab_size],
            probs: vec![0.0; vocab_size],
        }
    }

    /// A token drawn from `logits (V,)`, and its log-probability under the
    /// distribution it was drawn from (the logits shaped).
    fn draw<'a>(
        &mut self,
        logits: impl IntoIterator<Item = &'a f32>,
        rng: &mut ChaCha8Rng,
    ) -> (usize, f64) {
        for (x, &l) in self.logits.iter_mut().zip(logits) {
            *x = l;
        }
        self.sampling.apply(&mut self.logits);
        let max = self.logits.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x)) as f64;
        for (p, &x) in self.probs.iter_mut().zip(&self.logits) {
            *p = (x as f64 - max).exp();
        }
        let token = multinomial(&self.probs, rng);
        let sum: f64 = self.probs.iter().sum();
        (token, self.logits[token] as f64 - max - sum.ln())
    }
}

/// A sampler: a seeded generator, and the model's logits after a context,
/// shaped by a [`Sampling`] (temperature, top-k).
///
/// The logits come from a KV cache of one row ([`KvCache`]): a context
/// that extends the previous one by a token costs one position, and a
/// context that shares a beginning with it reuses that beginning. A
/// context longer than `block_size` slides its window, and then the full
/// forward pass runs on the window (a workspace of one row). Both give the
/// logits of [`Gpt::next_logits`] bit for bit, so the tokens drawn are
/// those of [`Sampler::without_cache`], which reruns the whole context for
/// every token.
///
/// A sampler serves one model: after the model's parameters change, call
/// [`Sampler::reset`] (what the cache holds was computed with the old ones).
pub struct Sampler {
    cache: KvCache<f32>,
    /// The tokens the cache holds, in order.
    cached: Vec<usize>,
    /// `(1, block_size)`: the full pass, for a window or without the cache.
    window: GptWorkspace<f32>,
    use_cache: bool,
    rng: ChaCha8Rng,
    draw: Draw,
}

impl Sampler {
    /// A sampler of `model` drawing from random stream 0 of `seed`.
    pub fn new(model: &Gpt<f32>, seed: u64) -> Result<Sampler> {
        let block = model.config.block_size;
        Ok(Sampler {
            cache: KvCache::new(model, 1)?,
            cached: Vec::with_capacity(block),
            window: model.workspace(1, block)?,
            use_cache: true,
            rng: ChaCha8Rng::seed_from_u64(seed),
            draw: Draw::new(model.config.vocab_size),
        })
    }

    /// The same sampler, its logits shaped by `sampling` (temperature, top-k).
    pub fn with_sampling(mut self, sampling: Sampling) -> Result<Sampler> {
        sampling.validate()?;
        self.draw.sampling = sampling;
        Ok(self)
    }

    /// The same sampler drawing from random stream `stream` of its seed
    /// (row `stream` of [`generate_batch`]), before any draw.
    pub fn with_stream(mut self, stream: u64) -> Sampler {
        self.rng.set_stream(stream);
        self
    }

    /// The same sampler without its KV cache: the full forward pass of the
    /// context's last `block_size` tokens for every token drawn, as the
    /// lecture's `generate` does. The same tokens, more slowly.
    pub fn without_cache(mut self) -> Sampler {
        self.use_cache = false;
        self
    }

    /// Forgets what the cache holds (after the model changed).
    pub fn reset(&mut self) {
        self.cache.clear();
        self.cached.clear();
    }

    /// The token drawn after `context` from the model's softmax.
    pub fn next(&mut self, model: &Gpt<f32>, context: &[usize]) -> Result<usize> {
        self.next_with_logprob(model, context)
            .map(|(token, _)| token)
    }

    /// [`Sampler::next`], and the token's log-probability under the
    /// distribution it was drawn from.
    pub fn next_with_logprob(
        &mut self,
        model: &Gpt<f32>,
        context: &[usize],
    ) -> Result<(usize, f64)> {
        if !self.use_cache || context.len() > model.config.block_size {
            let logits = model.next_logits(&mut self.window, context)?;
            return Ok(self.draw.draw(logits, &mut self.rng));
        }
        if context.is_empty() {
            return Err(Error::Config(
                "gpt: sampling needs a context of at least one token".into(),
            ));
        }
        // Keep what the cache holds of this context, but for its last
        // token, whose step gives the logits.
        let same = (self.cached.iter().zip(context))
            .take_while(|(a, b)| a == b)
            .count();
        let keep = same.min(context.len() - 1);
        self.cache.truncate(0, keep);
        self.cached.truncate(keep);
        for &token in &context[keep..context.len() - 1] {
            self.cache.step(model, &[(0, token)])?;
            self.cached.push(token);
        }
        let last = context[context.len() - 1];
        let logits = self.cache.step(model, &[(0, last)])?;
        self.cached.push(last);
        Ok(self.draw.draw(logits.row(0), &mut self.rng))
    }

    /// `count` tokens generated after `context`, each fed back (the
    /// lecture's `generate`: the context cropped to the last `block_size`).
    pub fn generate(
        &mut self,
        model: &Gpt<f32>,
        context: &[usize],
        count: usize,
    ) -> Result<Vec<usize>> {
        let mut all = context.to_vec();
        for _ in 0..count {
            let next = self.next(model, &all)?;
            all.push(next);
        }
        Ok(all.split_off(context.len()))
    }

    /// A name: tokens after the boundary token (`0`, the `.` of names
    /// read by characters) and `prefix` until the model draws the boundary
    /// again or the row is full (makemore's `generate`).
    pub fn name(&mut self, model: &Gpt<f32>, prefix: &[usize]) -> Result<Vec<usize>> {
        self.name_between(model, 0, prefix)
    }

    /// [`Sampler::name`] with `boundary` as the boundary token.
    pub fn name_between(
        &mut self,
        model: &Gpt<f32>,
        boundary: usize,
        prefix: &[usize],
    ) -> Result<Vec<usize>> {
        let mut all = vec![boundary];
        all.extend_from_slice(prefix);
        while all.len() < model.config.block_size {
            let next = self.next(model, &all)?;
            if next == boundary {
                break;
            }
            all.push(next);
        }
        Ok(all.split_off(1))
    }
}

/// What [`generate_batch`] drew after one prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// The tokens drawn, the stop token included when it was drawn.
    pub tokens: Vec<usize>,
    /// The log-probability of each of `tokens` under the distribution it
    /// was drawn from (the model's own at the default [`Sampling`]).
    pub logprobs: Vec<f64>,
    /// Whether the stop token ended it (else it reached `max_new` tokens).
    pub stopped: bool,
}

/// Up to `max_new` tokens after each of `prompts`, drawn together, one
/// position of every unfinished row per step of a shared [`KvCache`]; a
/// row ends when it draws `stop` (if given) or has `max_new` tokens.
/// Row `i` draws from random stream `i` of `seed`: what it draws depends
/// on its prompt alone, and is what one [`Sampler`] of that stream
/// ([`Sampler::with_stream`]) draws after the same prompt.
pub fn generate_batch(
    model: &Gpt<f32>,
    prompts: &[&[usize]],
    max_new: usize,
    stop: Option<usize>,
    sampling: Sampling,
    seed: u64,
) -> Result<Vec<Generation>> {
    sampling.validate()?;
    let GptConfig {
        vocab_size,
        block_size,
        ..
    } = model.config;
    for (i, prompt) in prompts.iter().enumerate() {
        if prompt.is_empty() {
            return Err(Error::Config(format!(
                "prompt {i} is empty: sampling needs a context of at least one token"
            )));
        }
        if let Some((j, t)) = prompt.iter().enumerate().find(|(_, t)| **t >= vocab_size) {
            return Err(Error::Config(format!(
                "prompt {i}: token {t} at position {j} is outside the vocabulary of {vocab_size}"
            )));
        }
    }
    if let Some(s) = stop.filter(|&s| s >= vocab_size) {
        return Err(Error::Config(format!(
            "the stop token {s} is outside the vocabulary of {vocab_size}"
        )));
    }
    let mut gens: Vec<Generation> = prompts
        .iter()
        .map(|_| Generation {
            tokens: Vec::with_capacity(max_new),
            logprobs: Vec::with_capacity(max_new),
            stopped: false,
        })
        .collect();
    if prompts.is_empty() || max_new == 0 {
        return Ok(gens);
    }
    let mut all: Vec<Vec<usize>> = prompts
        .iter()
        .map(|p| {
            let mut all = Vec::with_capacity(p.len() + max_new);
            all.extend_from_slice(p);
            all
        })
        .collect();
    let mut rngs: Vec<ChaCha8Rng> = (0..prompts.len())
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i as u64);
            rng
        })
        .collect();
    let mut cache = KvCache::new(model, prompts.len())?;
    let mut window = model.workspace(1, block_size)?;
    let mut draw = Draw::new(vocab_size);
    draw.sampling = sampling;
    let mut active: Vec<usize> = (0..prompts.len()).collect();
    let mut feed = Vec::with_capacity(prompts.len());
    let mut ends = Vec::with_capacity(prompts.len());
    let mut drawn = Vec::with_capacity(prompts.len());
    while !active.is_empty() {
        // Every row within the block feeds its next token; a row whose
        // tokens are all in the cache draws from the logits of its last.
        feed.clear();
        ends.clear();
        drawn.clear();
        for &r in &active {
            if all[r].len() <= block_size {
                feed.push((r, all[r][cache.len(r)]));
                ends.push(cache.len(r) + 1 == all[r].len());
            } else {
                let logits = model.next_logits(&mut window, &all[r])?;
                drawn.push((r, draw.draw(logits, &mut rngs[r])));
            }
        }
        if !feed.is_empty() {
            let logits = cache.step(model, &feed)?;
            for ((&(r, _), logits), _) in (feed.iter().zip(logits.rows()))
                .zip(&ends)
                .filter(|(_, end)| **end)
            {
                drawn.push((r, draw.draw(logits, &mut rngs[r])));
            }
        }
        for &(r, (token, logprob)) in &drawn {
            let g = &mut gens[r];
            g.tokens.push(token);
            g.logprobs.push(logprob);
            g.stopped = stop == Some(token);
            all[r].push(token);
        }
        active.retain(|&r| !gens[r].stopped && gens[r].tokens.len() < max_new);
    }
    Ok(gens)
}

/// `count` tokens (characters, or a tokenizer's tokens) generated after
/// `prefix`, the prefix included; an empty prefix starts from the codec's
/// [`Codec::start`]: token 0 for characters, as the lecture's `generate`
/// does (the smallest character: a newline in tiny Shakespeare). The
/// logits are shaped by `sampling` (temperature, top-k).
pub fn sample_text(
    model: &Gpt<f32>,
    vocab: &dyn Codec,
    prefix: &str,
    count: usize,
    seed: u64,
    sampling: Sampling,
) -> Result<String> {
    let mut text = String::new();
    sample_text_streamed(model, vocab, prefix, count, seed, sampling, |s| {
        text.push_str(s);
        true
    })?;
    Ok(text)
}

/// [`sample_text`], handed to `emit` as it is drawn: the prefix, then each
/// token's text (a character split across tokens once whole:
/// [`Utf8Pieces`]); stops early when `emit` returns `false` (its reader is gone).
pub fn sample_text_streamed(
    model: &Gpt<f32>,
    vocab: &dyn Codec,
    prefix: &str,
    count: usize,
    seed: u64,
    sampling: Sampling,
    mut emit: impl FnMut(&str) -> bool,
) -> Result<()> {
    let mut all = if prefix.is_empty() {
        vec![vocab.start() as usize]
    } else {
        encode_prefix(prefix, vocab)?
    };
    let mut sampler = Sampler::new(model, seed)?.with_sampling(sampling)?;
    if !emit(prefix) {
        return Ok(());
    }
    let mut pieces = Utf8Pieces::default();
    for _ in 0..count {
        let next = sampler.next(model, &all)?;
        all.push(next);
        let piece = pieces.push(&vocab.decode_bytes(&[codec::id(next)])?);
        if !piece.is_empty() && !emit(&piece) {
            return Ok(());
        }
    }
    let rest = pieces.finish();
    if !rest.is_empty() {
        emit(&rest);
    }
    Ok(())
}

/// `count` names, each starting with `prefix`, the logits shaped by
/// `sampling` (temperature, top-k).
pub fn sample_names(
    model: &Gpt<f32>,
    vocab: &str,
    prefix: &str,
    count: usize,
    seed: u64,
    sampling: Sampling,
) -> Result<Vec<String>> {
    let mut names = vec![];
    sample_names_streamed(model, vocab, prefix, count, seed, sampling, |name| {
        names.push(name);
        true
    })?;
    Ok(names)
}

/// [`sample_names`], each name handed to `emit` as it is drawn; stops
/// early when `emit` returns `false` (its reader is gone).
pub fn sample_names_streamed(
    model: &Gpt<f32>,
    vocab: &str,
    prefix: &str,
    count: usize,
    seed: u64,
    sampling: Sampling,
    mut emit: impl FnMut(String) -> bool,
) -> Result<()> {
    let codec: Box<dyn Codec> = if is_tokenizer(vocab) {
        from_record(vocab, Path::new("the checkpoint's vocab"))?
    } else {
        Box::new(Vocab::from_chars(vocab).ok_or_else(|| {
            Error::Config(format!(
                "the vocabulary of names {vocab:?} does not start with '.'"
            ))
        })?)
    };
    let vocab: &dyn Codec = &codec;
    let boundary = vocab.start() as usize;
    let context = encode_prefix(prefix, vocab)?;
    if context.contains(&boundary) {
        return Err(Error::Config(format!(
            "the prefix {prefix:?}: {} ends a name, it cannot be in a prefix",
            if is_tokenizer(&vocab.record()?) {
                "a line end"
            } else {
                "'.'"
            }
        )));
    }
    if context.len() + 1 >= model.config.block_size {
        return Err(Error::Config(format!(
            "the prefix {prefix:?} leaves no room in rows of {} positions",
            model.config.block_size
        )));
    }
    let mut sampler = Sampler::new(model, seed)?.with_sampling(sampling)?;
    for _ in 0..count {
        let tokens = sampler.name_between(model, boundary, &context)?;
        let ids: Vec<u32> = tokens.iter().map(|&t| codec::id(t)).collect();
        if !emit(vocab.decode(&ids)?) {
            break;
        }
    }
    Ok(())
}

/// The tokens of `prefix`, or an error naming the first character the
/// codec cannot encode.
fn encode_prefix(prefix: &str, codec: &dyn Codec) -> Result<Vec<usize>> {
    if let Ok(ids) = codec.encode(prefix) {
        return Ok(ids.into_iter().map(|i| i as usize).collect());
    }
    let every: Vec<u32> = (0..codec.vocab_size()).map(codec::id).collect();
    let vocab = codec.decode(&every).unwrap_or_else(|_| codec.describe());
    let (i, c) = (prefix.chars().enumerate())
        .find(|(_, c)| codec.encode(&c.to_string()).is_err())
        .unwrap_or((0, ' '));
    Err(Error::Config(format!(
        "the prefix {prefix:?}: character {c:?} (character {}) is not in the model's vocabulary {vocab:?}",
        i + 1
    )))
}

/// The model's parameter count in the lecture's report form.
pub fn describe(model: &Gpt<f32>) -> String {
    let c = &model.config;
    match &model.net {
        GptBody::Bigram(_) => format!("the bigram table ({} parameters)", model.num_params()),
        GptBody::Transformer { h, .. } => format!(
            "{} parameters: {} block{} of {} head{}, n_embd {}, block {}, {}{}",
            model.num_params(),
            h.len(),
            if h.len() == 1 { "" } else { "s" },
            c.heads(),
            if c.heads() == 1 { "" } else { "s" },
            c.n_embd,
            c.block_size,
            c.arch.name(),
            if c.arch >= Arch::Residual {
                format!(", {}", c.act.name())
            } else {
                String::new()
            },
        ),
    }
}
