//! # Checkpoints: a trained model as a safetensors file
//!
//! The tensors are `f32`, so that `safetensors.torch.load_file` opens the
//! file in PyTorch, and carry the lectures' names:
//!
//! - the MLP (makemore part 4): `C`, `W1`, `b1`, `W2`, `b2`, `bngain`,
//!   `bnbias`, and BatchNorm's `bnmean_running`, `bnvar_running`;
//! - the WaveNet (part 5): `layers.<i>.<attribute>` as in the lecture's
//!   `Sequential` of layer classes: `layers.0.weight` (the embedding `(V, E)`),
//!   `layers.<i>.weight` `(fan_in, fan_out)` and `layers.<i>.bias` of a
//!   Linear, `layers.<i>.gamma`, `.beta`, `.running_mean`, `.running_var`
//!   `(1, H)` of a BatchNorm1d.
//!
//! The header's metadata holds the model kind (`model`: `mlp` or `wavenet`),
//! the vocabulary, the sizes, the step reached and the training settings,
//! which is all `eval`, `sample` and `--resume` need. Files of the first
//! format (MLPs only, before the WaveNet) still load.
//!
//! Every checkpoint, the GPT's too ([`crate::io::gpt_checkpoint`]), is
//! written by the one writer [`write()`] (values checked, atomic: temp file +
//! rename; a run holds the file's lock, [`crate::io::output`]) and read by
//! the one reader [`read()`]; the tensors
//! are the model's parameters and buffers by their walk's names
//! ([`crate::layers::params::NamedParams`]), and the optimiser's state beside
//! them. `tests/fixtures/` holds one file of each kind written before this
//! writer existed, and they load.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use rand::SeedableRng;

use crate::corpus::words::Vocab;
use crate::corpus::{DataKind, Fingerprint};
use crate::error::{Error, Result};
use crate::hyper::Hyper;
use crate::io::weights::{self, Tensor, take};
use crate::layers::params::NamedParams;
use crate::models::kind::ModelKind;
use crate::models::mlp::Mlp;
use crate::models::model::Network;
use crate::models::wavenet::WaveNet;
use crate::train::{OptimizerConfig, Schedule, TrainConfig};

/// What identifies a model file of this crate.
pub const FORMAT: &str = "backprop-ninja 2";

/// The first format: an MLP, with no `model` entry in the metadata.
pub const FORMAT_MLP_1: &str = "backprop-ninja mlp 1";

/// A model and everything needed to use it or go on training it.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub model: Network,
    pub vocab: Vocab,
    /// Steps trained so far.
    pub step: usize,
    pub config: TrainConfig,
    /// The corpus it was trained on: a path, or the embedded corpus.
    pub data: String,
    /// The corpus's word count and hash (`None` in files written before
    /// checkpoints stored them).
    pub fingerprint: Option<Fingerprint>,
}

/// A model's tensors: its parameters and buffers, by the names of its
/// walk ([`NamedParams`]).
fn named_tensors<M: NamedParams<f32>>(m: &M) -> Vec<(String, Tensor)> {
    m.named_params()
        .into_iter()
        .chain(m.named_buffers())
        .map(|(name, t)| (name, Tensor::new(t.as_standard_layout().into_owned())))
        .collect()
}

/// Reads every parameter and buffer of `m` from `tensors`, by name, each
/// of the shape `m` gives it.
fn read_tensors<M: NamedParams<f32>>(
    m: &mut M,
    tensors: &mut BTreeMap<String, Tensor>,
    path: &Path,
) -> Result<()> {
    let mut result = Ok(());
    let mut read = |name: &str, mut p: ndarray::ArrayViewMutD<'_, f32>| {
        if result.is_ok() {
            match take::<f32, ndarray::IxDyn>(tensors, name, p.shape(), path) {
                Ok(t) => p.assign(&t),
                Err(e) => result = Err(e),
            }
        }
    };
    m.walk_mut(&mut crate::layers::params::ParamPath::named(), &mut read);
    m.walk_buffers_mut(&mut crate::layers::params::ParamPath::named(), &mut read);
    result
}

/// Refuses a tensor holding NaN or an infinity, or a running variance
/// below zero, naming it and the first bad element.
fn check_values(tensors: &[(String, Tensor)], path: &Path) -> Result<()> {
    for (name, tensor) in tensors {
        let values = tensor.to_f64();
        let variance = name.ends_with("running_var") || name == "bnvar_running";
        let bad = values
            .iter()
            .enumerate()
            .find(|&(_, &v)| !v.is_finite() || (variance && v < 0.0));
        if let Some((i, v)) = bad {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!(
                    "tensor {name} holds {v} at element {i}{}",
                    if v.is_finite() {
                        ": a variance cannot be negative"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    Ok(())
}

/// A checkpoint as stored, read by [`read`]: the kind of model it holds
/// (`mlp`, `wavenet`, `gpt`), its tensors (the parameters, the buffers and
/// the optimiser's state, all finite) and its metadata.
#[derive(Clone, Debug)]
pub struct Stored {
    pub kind: String,
    pub tensors: BTreeMap<String, Tensor>,
    pub meta: BTreeMap<String, String>,
}

/// The one writer of every checkpoint: refuses (and writes nothing) if a
/// tensor holds NaN or an infinity, or a running variance is negative, so
/// that a diverged model never replaces a good file; names the format and
/// the kind of model (`mlp`, `wavenet`, `gpt`) in the metadata; and writes
/// the file atomically (temp file + rename). A training run holds the
/// file's lock from its first step to its last
/// ([`crate::io::output::Output::claim`]), so no other run writes it.
pub fn write(
    path: &Path,
    kind: &str,
    tensors: Vec<(String, Tensor)>,
    mut metadata: BTreeMap<String, String>,
) -> Result<()> {
    check_values(&tensors, path).map_err(|e| match e {
        Error::Checkpoint { path, detail } => Error::Checkpoint {
            path,
            detail: format!("not written: {detail}"),
        },
        other => other,
    })?;
    metadata.insert("format".into(), FORMAT.into());
    metadata.insert("model".into(), kind.into());
    weights::save(path, tensors, metadata)
}

/// The one reader of every checkpoint: refuses a file that is not a model
/// of this crate, and tensors that are not finite (or a negative running
/// variance), naming the file. Files of the first format (MLPs, before the
/// `model` entry) read as `mlp`.
pub fn read(path: &Path) -> Result<Stored> {
    let (tensors, meta) = weights::load(path)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let kind = match meta.get("format") {
        Some(f) if f == FORMAT_MLP_1 => ModelKind::Mlp.name().to_string(),
        Some(f) if f == FORMAT => meta.get("model").cloned().unwrap_or_default(),
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
    };
    let listed: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_values(&listed, path)?;
    Ok(Stored {
        kind,
        tensors,
        meta,
    })
}

/// Writes `ckpt` to `path` atomically. Refuses (and writes nothing) if a
/// tensor holds NaN or an infinity, so that a diverged model never replaces
/// a good file.
pub fn save(path: &Path, ckpt: &Checkpoint) -> Result<()> {
    let tensors = match &ckpt.model {
        Network::Mlp(m) => named_tensors(m),
        Network::WaveNet(w) => named_tensors(w),
    };
    let hyper = ckpt.model.hyper();
    let c = &ckpt.config;
    let s = c.sgd().ok_or_else(|| {
        Error::Config(format!(
            "a {} trains with SGD: its checkpoint has no room for AdamW's settings",
            ckpt.model.kind().name()
        ))
    })?;
    let metadata: BTreeMap<String, String> = [
        ("vocab", ckpt.vocab.as_string()),
        ("block_size", hyper.block.to_string()),
        ("n_embd", hyper.n_embd.to_string()),
        ("n_hidden", hyper.n_hidden.to_string()),
        ("step", ckpt.step.to_string()),
        ("steps", c.steps.to_string()),
        ("batch_size", c.batch_size.to_string()),
        ("lr", s.lr.to_string()),
        ("lr_decayed", s.lr_decayed.to_string()),
        ("lr_decay_step", s.lr_decay_step.to_string()),
        ("seed", c.seed.to_string()),
        ("data", ckpt.data.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain(ckpt.fingerprint.iter().flat_map(|f| {
        [
            ("data_words".to_string(), f.len.to_string()),
            ("data_fnv1a64".to_string(), format!("{:016x}", f.hash)),
        ]
    }))
    .collect();
    write(path, ckpt.model.kind().name(), tensors, metadata)
}

/// Reads a model written by [`save`], refusing files of another format or
/// with tensors whose shapes do not fit the sizes in their metadata.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let Stored {
        kind,
        mut tensors,
        meta,
    } = read(path)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let kind = ModelKind::from_name(&kind).ok_or_else(|| {
        fail(format!(
            "metadata \"model\" = {kind:?} is not a model this crate knows (mlp, wavenet)"
        ))
    })?;
    let vocab_str: String = get(&meta, "vocab", path)?;
    let vocab = Vocab::from_chars(&vocab_str)
        .ok_or_else(|| fail(format!("vocabulary {vocab_str:?} does not start with '.'")))?;
    let hyper = Hyper {
        vocab: vocab.len(),
        block: get(&meta, "block_size", path)?,
        n_embd: get(&meta, "n_embd", path)?,
        n_hidden: get(&meta, "n_hidden", path)?,
    };
    check_sizes(kind, hyper, &tensors, path)?;
    let model = match kind {
        ModelKind::Mlp => Network::Mlp(load_mlp(&mut tensors, hyper, path)?),
        ModelKind::WaveNet => Network::WaveNet(load_wavenet(&mut tensors, hyper, path)?),
        other => {
            return Err(fail(format!(
                "it holds a {}, not an MLP or a WaveNet",
                other.title()
            )));
        }
    };
    let config = TrainConfig {
        steps: get(&meta, "steps", path)?,
        batch_size: get(&meta, "batch_size", path)?,
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr: get(&meta, "lr", path)?,
            lr_decayed: get(&meta, "lr_decayed", path)?,
            lr_decay_step: get(&meta, "lr_decay_step", path)?,
        }),
        clip: None,
        seed: get(&meta, "seed", path)?,
    };
    let data: String = get(&meta, "data", path)?;
    let fingerprint = match (meta.get("data_words"), meta.get("data_fnv1a64")) {
        (None, None) => None,
        _ => Some(Fingerprint {
            kind: DataKind::Names,
            source: data.clone(),
            len: get(&meta, "data_words", path)?,
            hash: u64::from_str_radix(meta.get("data_fnv1a64").map_or("", String::as_str), 16)
                .map_err(|_| {
                    fail(format!(
                        "metadata \"data_fnv1a64\" = {:?} is not a 64-bit hexadecimal hash",
                        meta.get("data_fnv1a64")
                    ))
                })?,
        }),
    };
    Ok(Checkpoint {
        model,
        vocab,
        step: get(&meta, "step", path)?,
        config,
        data,
        fingerprint,
    })
}

/// The metadata entry `key` of the file `path`, parsed; an error naming the
/// file and the entry if it is missing or does not parse.
pub(crate) fn get<T: FromStr>(
    meta: &BTreeMap<String, String>,
    key: &str,
    path: &Path,
) -> Result<T> {
    let value = meta.get(key).ok_or_else(|| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!("metadata {key:?} is missing"),
    })?;
    value.parse().map_err(|_| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!("metadata {key:?} = {value:?} is not a valid value"),
    })
}

/// Refuses sizes in the metadata that ask for far more values than the
/// file's tensors hold, before anything of those sizes is allocated (sizes
/// of 10¹⁸ in a damaged header must not abort). Near misses are left to
/// the tensor-by-tensor checks, whose messages name the tensor.
fn check_sizes(
    kind: ModelKind,
    hyper: Hyper,
    tensors: &BTreeMap<String, Tensor>,
    path: &Path,
) -> Result<()> {
    let stored: u128 = tensors
        .values()
        .map(|t| t.shape().iter().product::<usize>() as u128)
        .sum();
    let (v, t, e, h) = (
        hyper.vocab as u128,
        hyper.block as u128,
        hyper.n_embd as u128,
        hyper.n_hidden as u128,
    );
    let expected = match kind {
        // C, W1, b1, W2, b2, and BatchNorm's gain, bias, mean, variance.
        ModelKind::Mlp => t
            .checked_mul(e)
            .and_then(|te| te.checked_mul(h))
            .and_then(|w1| w1.checked_add(v.checked_mul(e)?))
            .and_then(|n| n.checked_add(h.checked_mul(v)?))
            .and_then(|n| n.checked_add(v.checked_add(h.checked_mul(5)?)?)),
        ModelKind::WaveNet => match crate::models::wavenet::levels(hyper.block) {
            Err(_) => None,
            // Embedding; per level a Linear (2E or 2H in, no bias) and a
            // BatchNorm of 4·H; the output Linear with bias.
            Ok(levels) => (v.checked_mul(e))
                .and_then(|n| n.checked_add(e.checked_mul(2)?.checked_mul(h)?))
                .and_then(|n| {
                    n.checked_add(
                        (h.checked_mul(2)?.checked_mul(h)?).checked_mul(levels as u128 - 1)?,
                    )
                })
                .and_then(|n| n.checked_add(h.checked_mul(4 * levels as u128)?))
                .and_then(|n| n.checked_add(h.checked_mul(v)?.checked_add(v)?)),
        },
        _ => None,
    };
    if expected.is_none_or(|n| n > 4 * stored + 1024) {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "the sizes in its metadata (vocabulary {}, block_size {}, n_embd {}, n_hidden {}) do not make a {} of the {stored} values its tensors hold",
                hyper.vocab,
                hyper.block,
                hyper.n_embd,
                hyper.n_hidden,
                kind.name()
            ),
        });
    }
    Ok(())
}

/// The MLP of `hyper` from its tensors.
fn load_mlp(tensors: &mut BTreeMap<String, Tensor>, hyper: Hyper, path: &Path) -> Result<Mlp<f32>> {
    let mut m =
        Mlp::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).map_err(|e| {
            Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!("its sizes do not make an MLP: {e}"),
            }
        })?;
    read_tensors(&mut m, tensors, path)?;
    Ok(m)
}

/// The WaveNet of `hyper` from its tensors: the lecture's layers, every
/// parameter and running statistic read from the file.
fn load_wavenet(
    tensors: &mut BTreeMap<String, Tensor>,
    hyper: Hyper,
    path: &Path,
) -> Result<WaveNet<f32>> {
    let mut w = WaveNet::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0))
        .map_err(|e| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("its sizes do not make a WaveNet: {e}"),
        })?;
    read_tensors(&mut w, tensors, path)?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::sequential::Layer;
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
            model: model.into(),
            vocab: Vocab::from_chars(".abcd").unwrap(),
            step: 7,
            config: TrainConfig::LECTURE,
            data: "embedded".into(),
            fingerprint: None,
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
    fn a_wavenet_checkpoint_round_trips() {
        let hyper = Hyper {
            vocab: 5,
            block: 4,
            n_embd: 3,
            n_hidden: 6,
        };
        let mut model =
            WaveNet::lecture_init(hyper, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2)).unwrap();
        if let Layer::BatchNorm1d(bn) = &mut model.net.layers[3] {
            bn.running_mean.fill(0.25); // not the initial value
        }
        let ckpt = Checkpoint {
            model: model.into(),
            config: TrainConfig::WAVENET,
            ..tiny()
        };
        let path = temp("wavenet.safetensors");
        save(&path, &ckpt).unwrap();
        assert_eq!(load(&path).unwrap(), ckpt);
        let (tensors, meta) = weights::load(&path).unwrap();
        assert_eq!(meta["model"], "wavenet");
        assert_eq!(tensors["layers.0.weight"].shape(), [5, 3]);
        assert_eq!(tensors["layers.2.weight"].shape(), [6, 6]);
        assert_eq!(tensors["layers.3.running_mean"].shape(), [1, 6]);
        assert_eq!(tensors["layers.9.bias"].shape(), [5]);
        assert!(
            !tensors.contains_key("layers.2.bias"),
            "no bias before BatchNorm"
        );
    }

    #[test]
    fn non_finite_tensors_are_never_written_and_fingerprints_round_trip() {
        let path = temp("nan.safetensors");
        let mut ckpt = tiny();
        ckpt.fingerprint = Some(Fingerprint {
            kind: DataKind::Names,
            source: "embedded".into(),
            len: 12,
            hash: 0xdead_beef,
        });
        save(&path, &ckpt).unwrap();
        assert_eq!(load(&path).unwrap(), ckpt);
        let before = std::fs::read(&path).unwrap();
        let Network::Mlp(m) = &mut ckpt.model else {
            unreachable!()
        };
        m.bn.running_var[[0, 2]] = f32::INFINITY;
        let err = save(&path, &ckpt).unwrap_err().to_string();
        assert!(
            err.contains("not written: tensor bnvar_running holds inf at element 2"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the good file is kept"
        );
    }

    #[test]
    fn absurd_sizes_in_the_metadata_are_refused_before_allocating() {
        let path = temp("sizes.safetensors");
        save(&path, &tiny()).unwrap();
        for (key, value) in [
            ("n_hidden", "1000000000000000000"),
            ("block_size", "4611686018427387904"),
        ] {
            let (tensors, mut meta) = weights::load(&path).unwrap();
            meta.insert(key.into(), value.into());
            meta.insert("model".into(), "wavenet".into());
            weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
            let err = load(&path).unwrap_err().to_string();
            assert!(err.contains("do not make a wavenet"), "{err}");
            save(&path, &tiny()).unwrap();
        }
    }

    #[test]
    fn a_file_of_the_first_format_is_an_mlp() {
        let path = temp("first-format.safetensors");
        save(&path, &tiny()).unwrap();
        let (tensors, mut meta) = weights::load(&path).unwrap();
        meta.insert("format".into(), FORMAT_MLP_1.into());
        meta.remove("model");
        weights::save(&path, tensors.into_iter().collect(), meta).unwrap();
        assert_eq!(load(&path).unwrap(), tiny());
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
        let Network::Mlp(m) = &mut ckpt.model else {
            unreachable!()
        };
        m.hyper.n_hidden = 5; // metadata says 5, tensors have 4
        save(&path, &ckpt).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("tensor W1 has shape [6, 4], expected [6, 5]"),
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
