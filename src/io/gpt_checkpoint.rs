//! # A GPT in a checkpoint (lecture 7): its configuration and its tensors
//!
//! The one checkpoint of every model ([`crate::io::checkpoint`]) holds a
//! GPT as any other model: its parameters by their walk's names, AdamW's
//! moments beside them, the run in the metadata. What is the GPT's own is
//! here: the parameters carry makemore's names
//! (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, …,
//! `lm_head.weight`; Linear weights are this crate's `(in, out)`, the
//! transpose of PyTorch's `(out, in)`), and its configuration (sizes, step
//! of the lecture, activation, biases, initialisation) is written to the
//! metadata by [`config_metadata`] and read back by [`read_model`]. The
//! reward model of State of GPT is a GPT's trunk with `reward_head.*` in
//! place of `lm_head.*`, with the GPT's metadata ([`read_reward`]).

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::IxDyn;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::chat::format::ChatFormat;
use crate::corpus::codec::Codec;
use crate::error::{Error, Result};
use crate::io::weights::{Tensor, get, take};
use crate::layers::block::Activation;
use crate::layers::params::NamedParams;
use crate::models::gpt::{Arch, Gpt, GptConfig, GptInit};
use crate::models::reward::RewardModel;
use crate::tokenizer::codec::is_tokenizer;
use crate::tokenizer::file;

/// A GPT's configuration as metadata entries.
pub fn config_metadata(c: &GptConfig) -> Vec<(&'static str, String)> {
    vec![
        ("vocab_size", c.vocab_size.to_string()),
        ("block_size", c.block_size.to_string()),
        ("n_layer", c.n_layer.to_string()),
        ("n_head", c.n_head.to_string()),
        ("n_embd", c.n_embd.to_string()),
        ("arch", c.arch.name().to_string()),
        ("activation", c.act.name().to_string()),
        ("qkv_bias", c.qkv_bias.to_string()),
        ("lm_head_bias", c.lm_head_bias.to_string()),
        ("init", c.init.name().to_string()),
    ]
}

/// The GPT the metadata describes, its parameters taken from `tensors` by
/// name: refuses an unknown or invalid configuration, a vocabulary of
/// another size, sizes far beyond what the tensors hold (before building
/// anything of those sizes) and tensors of the wrong shape.
pub fn read_model(
    tensors: &mut BTreeMap<String, Tensor>,
    meta: &BTreeMap<String, String>,
    vocab: &str,
    path: &Path,
) -> Result<Gpt<f32>> {
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let unknown = |key: &str, value: &str| {
        fail(format!(
            "metadata {key:?} = {value:?} is not a value this crate knows"
        ))
    };
    let arch_name: String = get(meta, "arch", path)?;
    let arch = Arch::from_name(&arch_name).ok_or_else(|| unknown("arch", &arch_name))?;
    let act_name: String = get(meta, "activation", path)?;
    let act = Activation::from_name(&act_name).ok_or_else(|| unknown("activation", &act_name))?;
    let init_name: String = get(meta, "init", path)?;
    let init = GptInit::from_name(&init_name).ok_or_else(|| unknown("init", &init_name))?;
    let config = GptConfig {
        vocab_size: get(meta, "vocab_size", path)?,
        block_size: get(meta, "block_size", path)?,
        n_layer: get(meta, "n_layer", path)?,
        n_head: get(meta, "n_head", path)?,
        n_embd: get(meta, "n_embd", path)?,
        arch,
        act,
        qkv_bias: get(meta, "qkv_bias", path)?,
        lm_head_bias: get(meta, "lm_head_bias", path)?,
        init,
    };
    config
        .validate()
        .map_err(|e| fail(format!("its configuration makes no model: {e}")))?;
    if is_tokenizer(vocab) {
        let tokens = file::parse(vocab.as_bytes(), path)?.vocab_size();
        if tokens != config.vocab_size {
            return Err(fail(format!(
                "its tokenizer has {tokens} ids, vocab_size says {}",
                config.vocab_size
            )));
        }
    } else if ChatFormat::is_record(vocab) {
        let tokens = ChatFormat::from_record(vocab, path)?.vocab_size();
        if tokens != config.vocab_size {
            return Err(fail(format!(
                "its chat format has {tokens} tokens, vocab_size says {}",
                config.vocab_size
            )));
        }
    } else if vocab.chars().count() != config.vocab_size {
        return Err(fail(format!(
            "its vocabulary {vocab:?} has {} characters, vocab_size says {}",
            vocab.chars().count(),
            config.vocab_size
        )));
    }
    // Refuse sizes that ask for far more values than the file holds before
    // building a model of those sizes.
    let stored: u128 = tensors
        .values()
        .map(|t| t.shape().iter().product::<usize>() as u128)
        .sum();
    let (v, t, c, l) = (
        config.vocab_size as u128,
        config.block_size as u128,
        config.n_embd as u128,
        config.layers() as u128,
    );
    let expected = v
        .checked_mul(c)
        .and_then(|n| n.checked_add(t.checked_mul(c)?))
        .and_then(|n| n.checked_add(l.checked_mul(c.checked_mul(c)?)?));
    if expected.is_none_or(|n| n > stored + 1024) {
        return Err(fail(format!(
            "the sizes in its metadata ({}) do not fit the {stored} values its tensors hold",
            config.sizes()
        )));
    }
    let mut model = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(0))?;
    take_params(&mut model, tensors, path)?;
    Ok(model)
}

/// The reward model the metadata describes (a GPT's configuration, the
/// trunk's tensors and `reward_head.*`), checked as [`read_model`] checks
/// a GPT.
pub fn read_reward(
    tensors: &mut BTreeMap<String, Tensor>,
    meta: &BTreeMap<String, String>,
    vocab: &str,
    path: &Path,
) -> Result<RewardModel<f32>> {
    // The GPT's reader builds the trunk; its lm_head, which a reward model
    // has not, is stood in for by zeros and dropped.
    let c: usize = get(meta, "n_embd", path)?;
    let v: usize = get(meta, "vocab_size", path)?;
    if c.checked_mul(v)
        .is_none_or(|n| n > crate::io::input::MAX_DATA as usize)
    {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("n_embd {c} and vocab_size {v} are beyond any model"),
        });
    }
    let lm_head_bias: bool = get(meta, "lm_head_bias", path)?;
    tensors.insert(
        "lm_head.weight".into(),
        Tensor::new(ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[c, v]))),
    );
    if lm_head_bias {
        tensors.insert(
            "lm_head.bias".into(),
            Tensor::new(ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[v]))),
        );
    }
    let gpt = read_model(tensors, meta, vocab, path)?;
    let mut model = RewardModel::from_gpt(gpt)?;
    let head: Vec<(String, Vec<usize>)> = (model.param_shapes().into_iter())
        .filter(|(name, _)| name.starts_with("reward_head."))
        .collect();
    for (name, shape) in &head {
        let value = take::<f32, IxDyn>(tensors, name, shape, path)?;
        model.set_param(name, &value)?;
    }
    Ok(model)
}

/// Every parameter of `model` taken from `tensors` by name, in its shape.
fn take_params<M: NamedParams<f32>>(
    model: &mut M,
    tensors: &mut BTreeMap<String, Tensor>,
    path: &Path,
) -> Result<()> {
    let shapes = model.param_shapes();
    let mut values = vec![];
    for (name, shape) in &shapes {
        values.push(take::<f32, IxDyn>(tensors, name, shape, path)?);
    }
    for ((_, mut p), value) in model.named_params_mut().into_iter().zip(values) {
        p.assign(&value);
    }
    Ok(())
}
