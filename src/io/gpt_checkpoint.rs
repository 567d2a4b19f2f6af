//! # A GPT's checkpoint: the model, AdamW's state, the run (lecture 7)
//!
//! One safetensors file holds everything `sample` and `train --resume`
//! need:
//!
//! - the parameters, `f32`, with makemore's names
//!   (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, …,
//!   `lm_head.weight`); Linear weights are this crate's `(in, out)`, the
//!   transpose of PyTorch's `(out, in)`;
//! - AdamW's moments, `adamw.m.<name>` and `adamw.v.<name>`, and its step
//!   count in the metadata, so that a resumed run continues bit for bit;
//! - in the metadata (`model` = `gpt`): the configuration (sizes, step of
//!   the lecture, activation, biases, initialisation), the vocabulary, the
//!   run's settings, the step reached, and the data (running text or names,
//!   its path and fingerprint).
//!
//! Written and read by the one writer and reader of every checkpoint,
//! [`crate::io::checkpoint::write`] and [`crate::io::checkpoint::read`]
//! (atomic; a run holds the file's lock); a tensor holding NaN or an infinity is never written,
//! nor loaded.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::ArrayD;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::corpus::{DataKind, Fingerprint};
use crate::error::{Error, Result};
use crate::io::checkpoint::{self, Stored, get};
use crate::io::weights::{Tensor, take};
use crate::layers::adamw::AdamW;
use crate::layers::block::Activation;
use crate::layers::params::NamedParams;
use crate::models::adamw::AdamWState;
use crate::models::gpt::{Arch, Gpt, GptConfig, GptInit};
use crate::train::{OptimizerConfig, TrainConfig};

/// The model kind a GPT checkpoint names in its metadata.
pub const MODEL: &str = "gpt";

/// A GPT, its optimiser and its run.
#[derive(Clone, Debug, PartialEq)]
pub struct GptCheckpoint {
    pub model: Gpt<f32>,
    pub adamw: AdamWState<f32>,
    /// Steps trained so far.
    pub step: usize,
    pub run: TrainConfig,
    /// The characters of the vocabulary, in token order.
    pub vocab: String,
    pub data: Fingerprint,
    /// Fixed evaluation batches per split (of training rows, for names).
    pub eval_batches: usize,
}

/// The `model` entry of a checkpoint's metadata (`mlp`, `wavenet`, `gpt`),
/// or an error naming the file if it is not a model of this crate.
pub fn model_kind(path: &Path) -> Result<String> {
    Ok(checkpoint::read(path)?.kind)
}

/// Writes `ckpt` to `path` atomically, refusing (and writing nothing) if a
/// tensor holds NaN or an infinity.
pub fn save(path: &Path, ckpt: &GptCheckpoint) -> Result<()> {
    ckpt.adamw
        .check(&ckpt.model)
        .map_err(|e| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("not written: {e}"),
        })?;
    let params = ckpt.model.named_params();
    let mut tensors = vec![];
    for ((name, p), (m, v)) in params.iter().zip(ckpt.adamw.m.iter().zip(&ckpt.adamw.v)) {
        for (full, array) in [
            (name.clone(), p.to_owned()),
            (format!("adamw.m.{name}"), m.clone()),
            (format!("adamw.v.{name}"), v.clone()),
        ] {
            tensors.push((full, Tensor::new(array)));
        }
    }
    let c = &ckpt.model.config;
    let r = &ckpt.run;
    let a = r.adamw().unwrap_or(ckpt.adamw.hyper);
    let d = &ckpt.data;
    let metadata: BTreeMap<String, String> = [
        ("vocab", ckpt.vocab.clone()),
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
        ("step", ckpt.step.to_string()),
        ("adamw_t", ckpt.adamw.t.to_string()),
        ("steps", r.steps.to_string()),
        ("batch_size", r.batch_size.to_string()),
        ("lr", a.lr.to_string()),
        ("beta1", a.beta1.to_string()),
        ("beta2", a.beta2.to_string()),
        ("eps", a.eps.to_string()),
        ("weight_decay", a.weight_decay.to_string()),
        (
            "clip",
            r.clip.map_or_else(|| "none".to_string(), |c| c.to_string()),
        ),
        ("seed", r.seed.to_string()),
        ("eval_batches", ckpt.eval_batches.to_string()),
        ("data_kind", d.kind.name().to_string()),
        ("data", d.source.clone()),
        ("data_len", d.len.to_string()),
        ("data_fnv1a64", format!("{:016x}", d.hash)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    checkpoint::write(path, MODEL, tensors, metadata)
}

/// Reads a GPT written by [`save`]: refuses another model kind (naming it),
/// missing or malformed metadata, tensors of the wrong shape, and values
/// that are not finite.
pub fn load(path: &Path) -> Result<GptCheckpoint> {
    let Stored {
        kind,
        mut tensors,
        meta,
        ..
    } = checkpoint::read(path)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    match (kind.as_str(), meta.get("model")) {
        (MODEL, _) => {}
        (_, Some(m)) => {
            return Err(fail(format!(
                "it holds a {m}, not a GPT: use it with `train {m}`"
            )));
        }
        (m, None) => {
            return Err(fail(format!(
                "it holds an {m}, not a GPT: use it with `train {m}`"
            )));
        }
    }
    let unknown = |key: &str, value: &str| {
        fail(format!(
            "metadata {key:?} = {value:?} is not a value this crate knows"
        ))
    };
    let arch_name: String = get(&meta, "arch", path)?;
    let arch = Arch::from_name(&arch_name).ok_or_else(|| unknown("arch", &arch_name))?;
    let act_name: String = get(&meta, "activation", path)?;
    let act = Activation::from_name(&act_name).ok_or_else(|| unknown("activation", &act_name))?;
    let init_name: String = get(&meta, "init", path)?;
    let init = GptInit::from_name(&init_name).ok_or_else(|| unknown("init", &init_name))?;
    let config = GptConfig {
        vocab_size: get(&meta, "vocab_size", path)?,
        block_size: get(&meta, "block_size", path)?,
        n_layer: get(&meta, "n_layer", path)?,
        n_head: get(&meta, "n_head", path)?,
        n_embd: get(&meta, "n_embd", path)?,
        arch,
        act,
        qkv_bias: get(&meta, "qkv_bias", path)?,
        lm_head_bias: get(&meta, "lm_head_bias", path)?,
        init,
    };
    config
        .validate()
        .map_err(|e| fail(format!("its configuration makes no model: {e}")))?;
    let vocab: String = get(&meta, "vocab", path)?;
    if vocab.chars().count() != config.vocab_size {
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
    let shapes = model.param_shapes();
    let mut take_finite = |name: &str, shape: &[usize]| -> Result<ArrayD<f32>> {
        let array: ArrayD<f32> = take(&mut tensors, name, shape, path)?;
        if let Some((i, x)) = array.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(fail(format!("tensor {name} holds {x} at element {i}")));
        }
        Ok(array)
    };
    let mut values = vec![];
    let (mut m, mut v) = (vec![], vec![]);
    for (name, shape) in &shapes {
        values.push(take_finite(name, shape)?);
        m.push(take_finite(&format!("adamw.m.{name}"), shape)?);
        v.push(take_finite(&format!("adamw.v.{name}"), shape)?);
    }
    if let Some(x) = v.iter().flat_map(|a| a.iter()).find(|x| **x < 0.0) {
        return Err(fail(format!(
            "an AdamW second moment is {x}: squares cannot be negative"
        )));
    }
    for ((_, mut p), value) in model.named_params_mut().into_iter().zip(values) {
        p.assign(&value);
    }
    if let Some(extra) = tensors.keys().next() {
        return Err(fail(format!(
            "tensor {extra} is not a parameter of this GPT ({} blocks, arch {})",
            config.layers(),
            config.arch.name()
        )));
    }
    let adamw = AdamW {
        lr: get(&meta, "lr", path)?,
        beta1: get(&meta, "beta1", path)?,
        beta2: get(&meta, "beta2", path)?,
        eps: get(&meta, "eps", path)?,
        weight_decay: get(&meta, "weight_decay", path)?,
    };
    let clip: String = get(&meta, "clip", path)?;
    let clip = match clip.as_str() {
        "none" => None,
        c => Some(
            c.parse::<f64>()
                .map_err(|_| fail(format!("metadata \"clip\" = {c:?} is not a number")))?,
        ),
    };
    let run = TrainConfig {
        steps: get(&meta, "steps", path)?,
        batch_size: get(&meta, "batch_size", path)?,
        optimizer: OptimizerConfig::AdamW(adamw),
        clip,
        seed: get(&meta, "seed", path)?,
    };
    let step: usize = get(&meta, "step", path)?;
    let t: usize = get(&meta, "adamw_t", path)?;
    if t != step {
        return Err(fail(format!(
            "AdamW has taken {t} steps but the model is at step {step}"
        )));
    }
    let kind = match get::<String>(&meta, "data_kind", path)?.as_str() {
        "text" => DataKind::Text,
        "names" => DataKind::Names,
        other => {
            return Err(fail(format!(
                "metadata \"data_kind\" = {other:?} is neither text nor names"
            )));
        }
    };
    let hash_hex: String = get(&meta, "data_fnv1a64", path)?;
    let data = Fingerprint {
        kind,
        source: get(&meta, "data", path)?,
        len: get(&meta, "data_len", path)?,
        hash: u64::from_str_radix(&hash_hex, 16).map_err(|_| {
            fail(format!(
                "metadata \"data_fnv1a64\" = {hash_hex:?} is not a 64-bit hexadecimal hash"
            ))
        })?,
    };
    Ok(GptCheckpoint {
        model,
        adamw: AdamWState {
            hyper: adamw,
            names: shapes.into_iter().map(|(n, _)| n).collect(),
            m,
            v,
            t,
        },
        step,
        run,
        vocab,
        data,
        eval_batches: get(&meta, "eval_batches", path)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::weights;
    use crate::models::gpt::GptConfig;

    fn checkpoint() -> GptCheckpoint {
        let config = GptConfig {
            n_layer: 2,
            n_embd: 8,
            n_head: 2,
            block_size: 6,
            ..GptConfig::lecture(5)
        };
        let model = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let mut adamw = AdamWState::new(AdamW::TORCH, &model).unwrap();
        adamw.t = 7;
        for (i, m) in adamw.m.iter_mut().enumerate() {
            m.fill(i as f32 * 0.5 - 1.0);
        }
        for (i, v) in adamw.v.iter_mut().enumerate() {
            v.fill(i as f32 * 0.25);
        }
        GptCheckpoint {
            model,
            adamw,
            step: 7,
            run: TrainConfig {
                steps: 20,
                ..TrainConfig::GPT_LECTURE
            },
            vocab: "\n abc".into(),
            data: Fingerprint {
                kind: DataKind::Text,
                source: "verse.txt".into(),
                len: 123,
                hash: 0xdead_beef,
            },
            eval_batches: 3,
        }
    }

    #[test]
    fn a_checkpoint_round_trips_with_its_optimiser() {
        let path = weights::test_dir("gpt-ckpt-roundtrip").join("g.safetensors");
        let ckpt = checkpoint();
        save(&path, &ckpt).unwrap();
        assert_eq!(load(&path).unwrap(), ckpt);
        assert_eq!(model_kind(&path).unwrap(), "gpt");
    }

    #[test]
    fn a_non_finite_tensor_is_never_written() {
        let path = weights::test_dir("gpt-ckpt-nan").join("g.safetensors");
        let mut ckpt = checkpoint();
        ckpt.adamw.v[3].as_slice_mut().unwrap()[0] = f32::NAN;
        let err = save(&path, &ckpt).unwrap_err().to_string();
        assert!(
            err.contains("not written") && err.contains("adamw.v."),
            "{err}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn another_model_kind_is_named() {
        let path = weights::test_dir("gpt-ckpt-kind").join("g.safetensors");
        let ckpt = checkpoint();
        save(&path, &ckpt).unwrap();
        let (tensors, mut meta) = weights::load(&path).unwrap();
        meta.insert("model".into(), "wavenet".into());
        weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("holds a wavenet, not a GPT"), "{err}");
    }
}
