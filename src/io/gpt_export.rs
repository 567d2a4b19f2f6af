//! # The GPT's gradients for PyTorch (lecture 7)
//!
//! `check --model gpt --export FILE` writes a small GPT of
//! [`crate::models::gpt`] in float64, named as makemore's `state_dict`, with
//! its batch, loss, logits and every gradient as `grad.<name>`;
//! `scripts/verify_gpt_export.py` loads it into PyTorch and compares.
//! `check --model sft --export FILE` writes the same model with a batch of
//! conversations, its targets built by `B`'s `sft_targets` (State of GPT's
//! supervised fine-tuning: the loss on the answers alone), which the same
//! script checks.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{Array2, ArrayD, ArrayViewD, arr0};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::error::Result;
use crate::float::{Float, randn};
use crate::io::weights::{self, Tensor};
use crate::layers::block::Activation;
use crate::layers::params::NamedParams;
use crate::layers::sequence_cross_entropy::IGNORE;
use crate::models::gpt::{Gpt, GptConfig, GptWorkspace};
use crate::models::reward::RewardModel;

/// A parameter in PyTorch's layout: Linear weights (`.weight` of a 2-D
/// tensor other than an embedding table) transposed to `(out, in)`.
pub fn to_torch_layout<F: Float>(name: &str, p: &ArrayViewD<'_, F>) -> ArrayD<F> {
    let embedding = name.ends_with("wte.weight")
        || name.ends_with("wpe.weight")
        || name == "token_embedding_table.weight";
    if p.ndim() == 2 && !embedding {
        p.t().as_standard_layout().into_owned()
    } else {
        p.as_standard_layout().into_owned()
    }
}

/// The `format` entry of the GPT export's metadata.
pub const EXPORT_FORMAT: &str = "backprop-ninja gpt check export";

/// The small makemore GPT of the export: 2 layers, 2 heads, `n_embd` 8,
/// block 6, 11 characters, a batch of 3; LayerNorm parameters and biases
/// moved off their initial values so that their gradients are not special.
/// The targets end in ignored (`-1`) positions, as makemore's padding.
pub fn export_model(seed: u64) -> Result<(Gpt<f64>, GptWorkspace<f64>)> {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let config = GptConfig {
        n_layer: 2,
        n_head: 2,
        n_embd: 8,
        ..GptConfig::makemore(11, 6)
    };
    let mut model = Gpt::<f64>::new(config, rng)?;
    for (name, mut p) in model.named_params_mut() {
        if name.contains("ln_") || name.ends_with(".bias") {
            let r: ArrayD<f64> = randn(p.raw_dim(), rng) * 0.2;
            p += &r;
        }
    }
    let (b, t) = (3, 6);
    let mut ws = model.workspace(b, t)?;
    ws.idx = Array2::from_shape_fn((b, t), |_| rng.random_range(0..11));
    ws.targets = Array2::from_shape_fn((b, t), |(i, j)| {
        if j + i > t {
            IGNORE
        } else {
            rng.random_range(0..11)
        }
    });
    Ok((model, ws))
}

/// Writes, in float64, the small GPT of [`export_model`]: its parameters
/// named as makemore's `state_dict` (Linear weights `(out, in)`), the batch
/// `X`, `Y` (int64, `-1` ignored), the `loss`, and each parameter's gradient
/// by `B` as `grad.<name>`, the `logits (B, T, V)`, with metadata `n_layer`,
/// `n_head`, `n_embd`, `block_size`, `vocab_size` and `activation`
/// (`gelu_tanh`). Returns the loss.
pub fn export_check<B: Backprop>(path: &Path, seed: u64) -> Result<f64> {
    let (model, ws) = export_model(seed)?;
    write_check::<B>(path, model, ws)
}

/// The special tokens of [`sft_batch`]'s conversations, the last four ids
/// of the vocabulary as a chat format places them: `<|user_start|>`,
/// `<|user_end|>`, `<|assistant_start|>`, `<|assistant_end|>`.
const SFT_SPECIALS: [usize; 4] = [7, 8, 9, 10];

/// [`export_model`]'s GPT with a batch of three conversations of 7 ids
/// (`<|user_start|>` prompt `<|user_end|><|assistant_start|>` answer
/// `<|assistant_end|>`, then padding), their ordinary tokens drawn from
/// `0..7`, and the mask 1 on each answer and its end token: one whose
/// answer of 2 tokens fills the block, one with an empty answer (its end
/// token alone supervised), one with a padding position. The inputs and
/// targets are `B::sft_targets` of each conversation.
pub fn sft_batch<B: Backprop>(seed: u64) -> Result<(Gpt<f64>, GptWorkspace<f64>)> {
    let (model, mut ws) = export_model(seed)?;
    let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0x5f7);
    let [us, ue, st, end] = SFT_SPECIALS;
    let mut token = || rng.random_range(0..us);
    // (prompt length, answer length, padding): 7 ids each.
    let shapes = [(1, 2, 0), (2, 0, 1), (1, 1, 1)];
    let t = ws.idx.ncols();
    for (row, (prompt, answer, pad)) in shapes.into_iter().enumerate() {
        let mut ids = vec![us];
        ids.extend((0..prompt).map(|_| token()));
        ids.extend([ue, st]);
        let mut mask = vec![0u8; ids.len()];
        ids.extend((0..answer).map(|_| token()));
        ids.push(end);
        mask.resize(ids.len(), 1);
        ids.resize(ids.len() + pad, 0);
        mask.resize(ids.len(), 0);
        debug_assert_eq!(ids.len(), t + 1);
        let (idx, targets) = B::sft_targets(&ids, &mask);
        crate::error::expect_shape("sft_targets", "inputs", &[idx.len()], &[t])?;
        crate::error::expect_shape("sft_targets", "targets", &[targets.len()], &[t])?;
        for (j, (&i, &y)) in idx.iter().zip(&targets).enumerate() {
            ws.idx[[row, j]] = i;
            ws.targets[[row, j]] = y;
        }
    }
    Ok((model, ws))
}

/// Writes [`sft_batch`]'s model, batch, loss and gradients by `B` as
/// [`export_check`] does: `verify_gpt_export.py` checks it. Returns the
/// loss.
pub fn export_sft_check<B: Backprop>(path: &Path, seed: u64) -> Result<f64> {
    let (model, ws) = sft_batch::<B>(seed)?;
    write_check::<B>(path, model, ws)
}

fn write_check<B: Backprop>(
    path: &Path,
    model: Gpt<f64>,
    mut ws: GptWorkspace<f64>,
) -> Result<f64> {
    let loss = model.forward(&mut ws)?;
    let mut grads = model.zero_grads();
    model.backward::<B>(&mut ws, &mut grads);
    let mut tensors = params_and_grads(&model, &grads);
    tensors.push(("X".into(), Tensor::new(ws.idx.mapv(|i| i as i64))));
    tensors.push(("Y".into(), Tensor::new(ws.targets.clone())));
    tensors.push(("loss".into(), Tensor::new(arr0(loss))));
    tensors.push(("logits".into(), Tensor::new(ws.logits.clone())));
    weights::save(path, tensors, metadata(EXPORT_FORMAT, &model.config))?;
    Ok(loss)
}

/// The `format` entry of the reward model's export.
pub const REWARD_EXPORT_FORMAT: &str = "backprop-ninja reward check export";

/// Writes, in float64, the reward model of the small GPT of
/// [`export_model`] (its trunk; a head `Linear(8, 1)` drawn at random, so
/// that the trunk's gradients are not zero): its parameters named as
/// makemore's `state_dict` (`reward_head.weight (1, 8)`,
/// `reward_head.bias (1,)`), 3 pairs as `X (6, 6)` (chosen rows, then
/// rejected) and `end (6,)` (int64), the rewards `r (6,)`, the Bradley–Terry
/// `loss`, and each parameter's gradient by `B` as `grad.<name>`, with the
/// GPT's metadata. Returns the loss.
pub fn export_reward_check<B: Backprop>(path: &Path, seed: u64) -> Result<f64> {
    let (gpt, _) = export_model(seed)?;
    let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let c = gpt.config;
    let mut model = RewardModel::from_gpt(gpt)?;
    model.head.w = randn((c.n_embd, 1), rng) * 0.5;
    model.head.b = Some(randn(1, rng) * 0.2);
    let (pairs, t) = (3, 6);
    let mut ws = model.workspace(pairs, t)?;
    ws.trunk.idx = Array2::from_shape_fn((2 * pairs, t), |_| rng.random_range(0..c.vocab_size));
    ws.end = (0..2 * pairs).map(|_| rng.random_range(1..t)).collect();
    let loss = model.forward(&mut ws)?;
    let mut grads = model.zero_grads();
    model.backward::<B>(&mut ws, &mut grads);
    let mut tensors = params_and_grads(&model, &grads);
    tensors.push(("X".into(), Tensor::new(ws.trunk.idx.mapv(|i| i as i64))));
    let end: ndarray::Array1<i64> = ws.end.iter().map(|&e| e as i64).collect();
    tensors.push(("end".into(), Tensor::new(end)));
    tensors.push(("r".into(), Tensor::new(ws.r.clone())));
    tensors.push(("loss".into(), Tensor::new(arr0(loss))));
    weights::save(path, tensors, metadata(REWARD_EXPORT_FORMAT, &c))?;
    Ok(loss)
}

/// Every parameter of `model` in PyTorch's layout, then its gradient in
/// `grads` as `grad.<name>`.
fn params_and_grads<M: NamedParams<f64>>(model: &M, grads: &M::Grads) -> Vec<(String, Tensor)> {
    let mut tensors: Vec<(String, Tensor)> = vec![];
    for (name, p) in model.named_params() {
        tensors.push((name.clone(), Tensor::new(to_torch_layout(&name, &p))));
    }
    for (name, g) in model.named_grads(grads) {
        tensors.push((
            format!("grad.{name}"),
            Tensor::new(to_torch_layout(&name, &g)),
        ));
    }
    tensors
}

/// An export's metadata: its `format`, the crate, and the sizes and
/// activation of the GPT `c`.
fn metadata(format: &str, c: &GptConfig) -> BTreeMap<String, String> {
    let activation = match c.act {
        Activation::Relu => "relu",
        Activation::Gelu => "gelu_tanh",
    };
    BTreeMap::from([
        ("format".to_string(), format.to_string()),
        (
            "crate".to_string(),
            concat!("backprop-ninja ", env!("CARGO_PKG_VERSION")).to_string(),
        ),
        ("n_layer".to_string(), c.n_layer.to_string()),
        ("n_head".to_string(), c.n_head.to_string()),
        ("n_embd".to_string(), c.n_embd.to_string()),
        ("block_size".to_string(), c.block_size.to_string()),
        ("vocab_size".to_string(), c.vocab_size.to_string()),
        ("activation".to_string(), activation.to_string()),
    ])
}
