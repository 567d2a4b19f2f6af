//! # Checkpoints: a trained MLP as a safetensors file
//!
//! The tensors carry the lecture's names (`C`, `W1`, `b1`, `W2`, `b2`,
//! `bngain`, `bnbias`, and BatchNorm's `bnmean_running`, `bnvar_running`), in
//! `f32`, so that `safetensors.torch.load_file` opens the file in PyTorch.
//! The header's metadata holds the vocabulary, the sizes, the step reached
//! and the training settings, which is all `eval`, `sample` and `--resume`
//! need. Files are written atomically (temp file + rename).

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use crate::data::Vocab;
use crate::error::{Error, Result};
use crate::linear::Linear;
use crate::mlp::{Hyper, Mlp};
use crate::train::TrainConfig;
use crate::weights::{self, Tensor, take};

/// What identifies a model file of this crate.
pub const FORMAT: &str = "backprop-ninja mlp 1";

/// A model and everything needed to use it or go on training it.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub model: Mlp<f32>,
    pub vocab: Vocab,
    /// Steps trained so far.
    pub step: usize,
    pub config: TrainConfig,
    /// The corpus it was trained on: a path, or the embedded corpus.
    pub data: String,
}

/// Writes `ckpt` to `path` atomically.
pub fn save(path: &Path, ckpt: &Checkpoint) -> Result<()> {
    let m = &ckpt.model;
    let bias = |l: &Linear<f32>| l.b.clone().expect("the MLP's linear layers have biases");
    let tensors = vec![
        ("C".to_string(), Tensor::new(m.emb.table.clone())),
        ("W1".to_string(), Tensor::new(m.l1.w.clone())),
        ("b1".to_string(), Tensor::new(bias(&m.l1))),
        ("W2".to_string(), Tensor::new(m.l2.w.clone())),
        ("b2".to_string(), Tensor::new(bias(&m.l2))),
        ("bngain".to_string(), Tensor::new(m.bn.gain.clone())),
        ("bnbias".to_string(), Tensor::new(m.bn.bias.clone())),
        (
            "bnmean_running".to_string(),
            Tensor::new(m.bn.running_mean.clone()),
        ),
        (
            "bnvar_running".to_string(),
            Tensor::new(m.bn.running_var.clone()),
        ),
    ];
    let c = &ckpt.config;
    let metadata: BTreeMap<String, String> = [
        ("format", FORMAT.to_string()),
        ("vocab", ckpt.vocab.as_string()),
        ("block_size", m.hyper.block.to_string()),
        ("n_embd", m.hyper.n_embd.to_string()),
        ("n_hidden", m.hyper.n_hidden.to_string()),
        ("step", ckpt.step.to_string()),
        ("steps", c.steps.to_string()),
        ("batch_size", c.batch_size.to_string()),
        ("lr", c.lr.to_string()),
        ("lr_decayed", c.lr_decayed.to_string()),
        ("lr_decay_step", c.lr_decay_step.to_string()),
        ("seed", c.seed.to_string()),
        ("data", ckpt.data.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    weights::save(path, tensors, metadata)
}

/// Reads a model written by [`save`], refusing files of another format or
/// with tensors whose shapes do not fit the sizes in their metadata.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let (mut tensors, meta) = weights::load(path)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    match meta.get("format") {
        Some(f) if f == FORMAT => {}
        Some(f) => {
            return Err(fail(format!(
                "a {f:?} file, not a model of this crate ({FORMAT:?})"
            )));
        }
        None => {
            return Err(fail(format!(
                "a safetensors file, but not a model of this crate (no \"format\": {FORMAT:?} in its metadata)"
            )));
        }
    }
    fn get<T: FromStr>(meta: &BTreeMap<String, String>, key: &str, path: &Path) -> Result<T> {
        let value = meta.get(key).ok_or_else(|| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("metadata {key:?} is missing"),
        })?;
        value.parse().map_err(|_| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("metadata {key:?} = {value:?} is not a valid value"),
        })
    }
    let vocab_str: String = get(&meta, "vocab", path)?;
    let vocab = Vocab::from_chars(&vocab_str)
        .ok_or_else(|| fail(format!("vocabulary {vocab_str:?} does not start with '.'")))?;
    let hyper = Hyper {
        vocab: vocab.len(),
        block: get(&meta, "block_size", path)?,
        n_embd: get(&meta, "n_embd", path)?,
        n_hidden: get(&meta, "n_hidden", path)?,
    };
    let Hyper {
        vocab: v,
        block,
        n_embd: e,
        n_hidden: h,
    } = hyper;
    let mut bn = crate::batchnorm::BatchNorm1d::new(h);
    bn.gain = take(&mut tensors, "bngain", &[1, h], path)?;
    bn.bias = take(&mut tensors, "bnbias", &[1, h], path)?;
    bn.running_mean = take(&mut tensors, "bnmean_running", &[1, h], path)?;
    bn.running_var = take(&mut tensors, "bnvar_running", &[1, h], path)?;
    bn.momentum = crate::mlp::RUNNING_MOMENTUM;
    let model = Mlp {
        hyper,
        emb: crate::embedding::Embedding::new(take(&mut tensors, "C", &[v, e], path)?),
        l1: Linear::new(
            take(&mut tensors, "W1", &[block * e, h], path)?,
            Some(take(&mut tensors, "b1", &[h], path)?),
        )?,
        bn,
        l2: Linear::new(
            take(&mut tensors, "W2", &[h, v], path)?,
            Some(take(&mut tensors, "b2", &[v], path)?),
        )?,
    };
    let config = TrainConfig {
        steps: get(&meta, "steps", path)?,
        batch_size: get(&meta, "batch_size", path)?,
        lr: get(&meta, "lr", path)?,
        lr_decayed: get(&meta, "lr_decayed", path)?,
        lr_decay_step: get(&meta, "lr_decay_step", path)?,
        seed: get(&meta, "seed", path)?,
    };
    Ok(Checkpoint {
        model,
        vocab,
        step: get(&meta, "step", path)?,
        config,
        data: get(&meta, "data", path)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn tiny() -> Checkpoint {
        let hyper = Hyper {
            vocab: 5,
            block: 2,
            n_embd: 3,
            n_hidden: 4,
        };
        let model =
            Mlp::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).unwrap();
        Checkpoint {
            model,
            vocab: Vocab::from_chars(".abcd").unwrap(),
            step: 7,
            config: TrainConfig::LECTURE,
            data: "embedded".into(),
        }
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("backprop-ninja-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn a_checkpoint_round_trips() {
        let path = temp("round.safetensors");
        let ckpt = tiny();
        save(&path, &ckpt).unwrap();
        assert_eq!(load(&path).unwrap(), ckpt);
    }

    #[test]
    fn other_files_are_refused_saying_why() {
        let path = temp("other.safetensors");
        weights::save(
            &path,
            vec![("x".into(), Tensor::new(ndarray::Array1::<f32>::zeros(2)))],
            BTreeMap::new(),
        )
        .unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("not a model of this crate"), "{err}");

        let path = temp("shapes.safetensors");
        let mut ckpt = tiny();
        ckpt.model.hyper.n_hidden = 5; // metadata says 5, tensors have 4
        save(&path, &ckpt).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("tensor bngain has shape [1, 4], expected [1, 5]"),
            "{err}"
        );

        let path = temp("cut.safetensors");
        save(&path, &tiny()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("cut.safetensors"), "{err}");
    }
}
