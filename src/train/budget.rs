//! # How much memory a run needs, known before it allocates any
//!
//! Sizes typed on the command line go straight into array shapes: a batch
//! of 10¹² rows, or an `n_hidden` of 2⁶⁴−1, would make the allocator abort
//! the process or ndarray panic on an overflowing shape. [`estimate`] adds
//! up what a run holds (parameters and their gradients, the batch's
//! activations and their gradients, the examples, and the evaluation's
//! activations and batches) in exact integer arithmetic, and [`check`]
//! refuses a run above [`LIMIT`] with the estimate, before anything is
//! allocated. One budget for every model: what a run is made of is a
//! [`Need`], a word model's or a GPT's.

use crate::error::{Error, Result};
use crate::hyper::Hyper;
use crate::models::gpt::GptConfig;
use crate::models::kind::ModelKind;

/// The most memory a run may need: 16 GiB. The lectures' runs need under
/// 1 GB (most of it the MLP's BatchNorm calibration on every example).
pub const LIMIT: u128 = 16 << 30;

/// What a run is made of, for the one budget.
#[derive(Clone, Copy, Debug)]
pub enum Need<'a> {
    /// A word model (`kind` with sizes `hyper`: the MLP, the WaveNet, the
    /// deep MLP counted as an MLP as wide as its hidden layers side by
    /// side) on batches of `batch`, with `examples` (context, next) pairs.
    Words {
        kind: ModelKind,
        hyper: Hyper,
        batch: usize,
        examples: usize,
    },
    /// A GPT of `config` trained on batches of `batch` rows, evaluated on
    /// batches of `eval_rows`, with `eval_batches` fixed evaluation batches
    /// (`--eval-batches`, or a checkpoint's) for each of `splits` splits.
    Gpt {
        config: &'a GptConfig,
        batch: usize,
        eval_rows: usize,
        eval_batches: usize,
        splits: usize,
    },
}

/// What `need` takes, in bytes; `None` if the number does not even fit in
/// 128 bits.
pub fn estimate(need: &Need) -> Option<u128> {
    match *need {
        Need::Words {
            kind,
            hyper,
            batch,
            examples,
        } => estimate_words(kind, hyper, batch, examples),
        Need::Gpt {
            config,
            batch,
            eval_rows,
            eval_batches,
            splits,
        } => estimate_gpt_eval(config, batch, eval_rows, eval_batches, splits),
    }
}

/// Refuses a run that needs more than [`LIMIT`], saying how much it needs
/// and which option to make smaller; what it needs, in bytes, otherwise.
pub fn check(need: &Need) -> Result<u128> {
    match *need {
        Need::Words {
            kind,
            hyper,
            batch,
            examples,
        } => check_words(kind, hyper, batch, examples),
        Need::Gpt {
            config,
            batch,
            eval_rows,
            eval_batches,
            splits,
        } => check_gpt_eval(config, batch, eval_rows, eval_batches, splits),
    }
}

/// What a run of `kind` with sizes `hyper`, batches of `batch`, and
/// `examples` (context, next) pairs in all needs, in bytes; `None` if the
/// number does not even fit in 128 bits. The WaveNet has its own count;
/// every other word model is counted as an MLP of its sizes (the deep MLP
/// as one as wide as its hidden layers side by side); a GPT is counted by
/// [`estimate_gpt`].
fn estimate_words(kind: ModelKind, hyper: Hyper, batch: usize, examples: usize) -> Option<u128> {
    let [v, t, e, h, b, n] = [
        hyper.vocab,
        hyper.block,
        hyper.n_embd,
        hyper.n_hidden,
        batch,
        examples,
    ]
    .map(|x| x as u128);
    let mul = |xs: &[u128]| xs.iter().try_fold(1u128, |acc, &x| acc.checked_mul(x));
    let sum = |xs: &[Option<u128>]| xs.iter().try_fold(0u128, |acc, &x| acc.checked_add(x?));
    let levels = u128::from(usize::BITS - hyper.block.leading_zeros());
    // f32 values per model: parameters; per example: activations; and the
    // values per example of a pass over all the training examples at once
    // (the MLP calibrates BatchNorm on them; f32 and f64 copies).
    let (params, per_example, all_rows) = match kind {
        ModelKind::Mlp
        | ModelKind::Deep
        | ModelKind::Bigram
        | ModelKind::Gpt
        | ModelKind::Reward => (
            sum(&[mul(&[v, e]), mul(&[t, e, h]), mul(&[h, v]), mul(&[h, 6])]),
            sum(&[mul(&[t, e]), mul(&[h, 8]), mul(&[v, 4])]),
            sum(&[mul(&[t, e]), mul(&[h, 3])]),
        ),
        // Every level's Linear is at most 2H·H (2E·H for the first); the
        // activations of the levels sum to less than twice the first's.
        ModelKind::WaveNet => (
            sum(&[
                mul(&[v, e]),
                mul(&[2, e, h]),
                mul(&[2, h, h, levels]),
                mul(&[h, v]),
                mul(&[h, 4, levels]),
            ]),
            sum(&[mul(&[t, e, 2]), mul(&[t, h, 6]), mul(&[v, 4])]),
            Some(0),
        ),
    };
    sum(&[
        // Parameters, gradients, and the copy a checkpoint takes.
        params.and_then(|p| p.checked_mul(3 * 4)),
        // The batch's activations and their gradients.
        per_example.and_then(|a| mul(&[a, b, 2 * 4])),
        // Contexts and targets, as usize.
        mul(&[n, t + 1, 8]),
        // Evaluation, in chunks of 10,000 examples, and calibration.
        per_example.and_then(|a| mul(&[a, n.min(10_000), 4])),
        all_rows.and_then(|a| mul(&[a, n, 4])),
    ])
}

/// `bytes` in words: "3.2 GB", "12 MB".
pub fn human(bytes: u128) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit + 1 == units.len() && value >= 1000.0 {
        return format!("{value:.1e} {}", units[unit]);
    }
    format!("{value:.1} {}", units[unit])
}

/// Refuses a word model's run that needs more than [`LIMIT`], saying how
/// much it needs.
fn check_words(kind: ModelKind, hyper: Hyper, batch: usize, examples: usize) -> Result<u128> {
    let need = estimate_words(kind, hyper, batch, examples);
    match need {
        Some(bytes) if bytes <= LIMIT => Ok(bytes),
        _ => Err(Error::Config(format!(
            "`train {}` with vocabulary {}, block-size {}, n-embd {}, n-hidden {} and batch-size {batch} needs about {} of memory, over the limit of {}: choose smaller sizes",
            kind.name(),
            hyper.vocab,
            hyper.block,
            hyper.n_embd,
            hyper.n_hidden,
            need.map_or_else(|| "more than 10^38 bytes".to_string(), human),
            human(LIMIT)
        ))),
    }
}

/// What a GPT of `config` trained on batches of `batch` rows and evaluated
/// on batches of `eval_rows` needs, in bytes; `None` past 128 bits.
fn estimate_gpt(config: &GptConfig, batch: usize, eval_rows: usize) -> Option<u128> {
    let rows = batch.max(eval_rows) as u128;
    let (t, c, v, l, nh) = (
        config.block_size as u128,
        config.n_embd as u128,
        config.vocab_size as u128,
        config.layers().max(1) as u128,
        config.heads() as u128,
    );
    // Per block: about 24 values of C per position and two T × T maps per
    // head; logits and their gradient; every number twice (eval and train).
    let activations = rows
        .checked_mul(t)
        .and_then(|bt| bt.checked_mul(l.checked_mul(24 * c + 4 * nh * t)? + 4 * v + 4 * c))
        .and_then(|n| n.checked_mul(2 * 4));
    // The parameters, their gradients, AdamW's two moments, and a copy of
    // all but the gradients while a checkpoint is written.
    let parameters = (v + t)
        .checked_mul(c)
        .and_then(|n| n.checked_add(l.checked_mul(c.checked_mul(12 * c + 13)?)?))
        .and_then(|n| n.checked_add(c.checked_mul(v)?))
        .and_then(|n| n.checked_mul(7 * 4));
    activations?.checked_add(parameters?)
}

/// Refuses a GPT whose run would need more than [`LIMIT`], before anything
/// of that size is allocated.
fn check_gpt(config: &GptConfig, batch: usize, eval_rows: usize) -> Result<u128> {
    match estimate_gpt(config, batch, eval_rows) {
        Some(bytes) if bytes <= LIMIT => Ok(bytes),
        _ => Err(Error::Config(format!(
            "this GPT (n_embd {}, {} blocks, vocabulary {}) on batches of {batch} × {} positions would need more than 16 GiB: use smaller sizes",
            config.n_embd,
            config.layers().max(1),
            config.vocab_size,
            config.block_size
        ))),
    }
}

/// What a GPT run of [`estimate_gpt`] needs with, besides, `count` fixed
/// evaluation batches of `eval_rows` rows of the block's positions (indices
/// and targets, 8 bytes each) for each of `splits` splits; `None` past 128
/// bits.
fn estimate_gpt_eval(
    config: &GptConfig,
    batch: usize,
    eval_rows: usize,
    count: usize,
    splits: usize,
) -> Option<u128> {
    let sets = [count, eval_rows, config.block_size, splits]
        .iter()
        .try_fold(16u128, |acc, &x| acc.checked_mul(x as u128))?;
    estimate_gpt(config, batch, eval_rows)?.checked_add(sets)
}

/// Refuses a GPT run whose fixed evaluation batches (`--eval-batches`, or
/// a checkpoint's `eval_batches`) would take it over [`LIMIT`], before any
/// of them is drawn.
fn check_gpt_eval(
    config: &GptConfig,
    batch: usize,
    eval_rows: usize,
    count: usize,
    splits: usize,
) -> Result<u128> {
    check_gpt(config, batch, eval_rows)?;
    match estimate_gpt_eval(config, batch, eval_rows, count, splits) {
        Some(bytes) if bytes <= LIMIT => Ok(bytes),
        need => Err(Error::Config(format!(
            "{count} evaluation batches (--eval-batches, or a checkpoint's eval_batches) of {eval_rows} × {} positions per split need about {} of memory with the model, over the limit of {}: choose fewer with --eval-batches",
            config.block_size,
            need.map_or_else(|| "more than 10^38 bytes".to_string(), human),
            human(LIMIT)
        ))),
    }
}
