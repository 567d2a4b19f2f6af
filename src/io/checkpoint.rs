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
//!   `(1, H)` of a BatchNorm1d;
//! - the GPT (lecture 7): makemore's names ([`crate::io::gpt_checkpoint`]).
//!
//! One [`Checkpoint`] holds any of them ([`Network`]), with the optimiser's
//! state (SGD's schedule, or AdamW's moments `adamw.m.<name>` and
//! `adamw.v.<name>` beside the parameters and its step count), the run's
//! settings, the vocabulary, the data's fingerprint and the step reached:
//! all `eval`, `sample` and `--resume` need. [`save`] and [`load`] are its
//! one save and load; the header's metadata names the model kind (`model`:
//! `mlp`, `wavenet` or `gpt`). Files of the first format (MLPs only, before
//! the WaveNet) still load, and so do the word models' files written before
//! one checkpoint held every model (their data's fingerprint under
//! `data_words`).
//!
//! Every checkpoint is written by the one writer [`write()`] (values
//! checked, atomic: temp file + rename; a run holds the file's lock,
//! [`crate::io::output`]) and read by the one reader [`read()`]; the tensors
//! are the model's parameters and buffers by their walk's names
//! ([`crate::layers::params::NamedParams`]), and the optimiser's state
//! beside them. `tests/fixtures/` holds one file of each kind written
//! before this writer existed, and they load.

use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;

use crate::corpus::codec::CodecId;
use crate::corpus::words::Vocab;
use crate::corpus::{DataKind, Fingerprint};
use crate::error::{Error, Result};
use crate::hyper::Hyper;
use crate::io::checksum::{self, Integrity};
use crate::io::gpt_checkpoint;
use crate::io::weights::{self, Tensor, get, take};
use crate::layers::adamw::AdamW;
use crate::layers::params::NamedParams;
use crate::models::adamw::AdamWState;
use crate::models::kind::ModelKind;
use crate::models::mlp::Mlp;
use crate::models::model::Network;
use crate::models::wavenet::WaveNet;
use crate::train::rlhf::RlRecord;
use crate::train::{Optimizer, OptimizerConfig, Schedule, TrainConfig};
use ndarray::IxDyn;

/// What identifies a model file of this crate.
pub const FORMAT: &str = "backprop-ninja 2";

/// The first format: an MLP, with no `model` entry in the metadata.
pub const FORMAT_MLP_1: &str = "backprop-ninja mlp 1";

/// A model of any kind and everything needed to use it or go on training
/// it: the one checkpoint of the crate.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub model: Network,
    /// The optimiser's state at `step`: SGD's schedule, or AdamW's
    /// moments and step count.
    pub optimizer: Optimizer,
    /// Steps trained so far.
    pub step: usize,
    /// The run's settings: steps, batch size, the optimiser's settings,
    /// clipping, seed.
    pub config: TrainConfig,
    /// The characters of the vocabulary, in token order.
    pub vocab: String,
    /// The data it was trained on: a path, or the embedded corpus.
    pub data: String,
    /// The data's kind, length and hash (`None` in word-model files written
    /// before checkpoints stored them).
    pub fingerprint: Option<Fingerprint>,
    /// A GPT's fixed evaluation batches per split; `None` for a word model,
    /// evaluated on the whole split.
    pub eval_batches: Option<usize>,
    /// The codec a GPT's text was encoded with (its fingerprint and
    /// description); `None` for a word model, and in files written before
    /// codecs, which hold character models.
    pub codec: Option<CodecId>,
    /// An RLHF run's settings and the models it runs against; `None` for
    /// every other run.
    pub rl: Option<RlRecord>,
}

impl Checkpoint {
    /// Running text or names (files without a fingerprint hold a word
    /// model, trained on names).
    pub fn data_kind(&self) -> DataKind {
        self.fingerprint
            .as_ref()
            .map_or(DataKind::Names, |f| f.kind)
    }

    /// The vocabulary of a word model (`.` first), or an error naming the
    /// file.
    pub fn word_vocab(&self, path: &Path) -> Result<Vocab> {
        Vocab::from_chars(&self.vocab).ok_or_else(|| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("vocabulary {:?} does not start with '.'", self.vocab),
        })
    }

    /// AdamW's state, if the run trains with AdamW.
    pub fn adamw(&self) -> Option<&AdamWState<f32>> {
        self.optimizer.adamw()
    }
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
/// the optimiser's state, all finite), its metadata, and whether its
/// tensors were verified against their checksums.
#[derive(Clone, Debug)]
pub struct Stored {
    pub kind: String,
    pub tensors: BTreeMap<String, Tensor>,
    pub meta: BTreeMap<String, String>,
    /// [`Integrity::Unverified`] for a file written before checkpoints
    /// carried checksums ([`crate::io::checksum`]).
    pub integrity: Integrity,
}

/// The one writer of every checkpoint: refuses (and writes nothing) if a
/// tensor holds NaN or an infinity, or a running variance is negative, so
/// that a diverged model never replaces a good file; names the format and
/// the kind of model (`mlp`, `wavenet`, `gpt`) and the checksum of every
/// tensor ([`checksum::stamp`]) in the metadata; and writes the file
/// atomically (temp file + rename). A training run holds the
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
    checksum::stamp(&tensors, &mut metadata);
    weights::save(path, tensors, metadata)
}

/// The one reader of every checkpoint: refuses a file that is not a model
/// of this crate, a tensor that does not match its checksum
/// ([`checksum::verify`]), and tensors that are not finite (or a negative
/// running variance), naming the file and the tensor. Files of the first
/// format (MLPs, before the `model` entry) read as `mlp`; files written
/// before checksums read [`Integrity::Unverified`].
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
    let integrity = checksum::verify(&tensors, &meta, path)?;
    let listed: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_values(&listed, path)?;
    Ok(Stored {
        kind,
        tensors,
        meta,
        integrity,
    })
}

/// The name of AdamW's first (`m`) or second (`v`) moment of parameter
/// `name` in a checkpoint.
pub fn moment_name(moment: &str, name: &str) -> String {
    format!("adamw.{moment}.{name}")
}

/// Writes `ckpt` to `path` atomically through [`write()`], for every kind of
/// model: its parameters and buffers by their walk's names, AdamW's moments
/// beside them (`adamw.m.<name>`, `adamw.v.<name>`), and in the metadata
/// its sizes, the optimiser's settings, the run, the vocabulary, the data's
/// fingerprint and the step. Refuses (and writes nothing) if a tensor holds
/// NaN or an infinity, so that a diverged model never replaces a good file.
pub fn save(path: &Path, ckpt: &Checkpoint) -> Result<()> {
    let not_written = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!("not written: {detail}"),
    };
    let mut tensors: Vec<(String, Tensor)> = ckpt
        .model
        .named_tensors()
        .into_iter()
        .map(|(name, t)| (name, Tensor::new(t)))
        .collect();
    let mut metadata: Vec<(&str, String)> = vec![("vocab", ckpt.vocab.clone())];
    match &ckpt.model {
        Network::Gpt(g) => metadata.extend(gpt_checkpoint::config_metadata(&g.config)),
        Network::Reward(r) => metadata.extend(gpt_checkpoint::config_metadata(&r.config)),
        Network::Mlp(Mlp { hyper: h, .. }) | Network::WaveNet(WaveNet { hyper: h, .. }) => {
            metadata.extend([
                ("block_size", h.block.to_string()),
                ("n_embd", h.n_embd.to_string()),
                ("n_hidden", h.n_hidden.to_string()),
            ]);
        }
    }
    let c = &ckpt.config;
    match &ckpt.optimizer {
        Optimizer::Sgd(s) => metadata.extend([
            ("lr", s.lr.to_string()),
            ("lr_decayed", s.lr_decayed.to_string()),
            ("lr_decay_step", s.lr_decay_step.to_string()),
        ]),
        Optimizer::AdamW(state) => {
            let checked = match &ckpt.model {
                Network::Mlp(m) => state.check(m),
                Network::WaveNet(w) => state.check(w),
                Network::Gpt(g) => state.check(g),
                Network::Reward(r) => state.check(r),
            };
            checked.map_err(|e| not_written(e.to_string()))?;
            for ((name, m), v) in state.names.iter().zip(&state.m).zip(&state.v) {
                tensors.push((moment_name("m", name), Tensor::new(m.clone())));
                tensors.push((moment_name("v", name), Tensor::new(v.clone())));
            }
            let a = c.adamw().unwrap_or(state.hyper);
            metadata.extend([
                ("adamw_t", state.t.to_string()),
                ("lr", a.lr.to_string()),
                ("beta1", a.beta1.to_string()),
                ("beta2", a.beta2.to_string()),
                ("eps", a.eps.to_string()),
                ("weight_decay", a.weight_decay.to_string()),
            ]);
        }
    }
    metadata.extend([
        ("step", ckpt.step.to_string()),
        ("steps", c.steps.to_string()),
        ("batch_size", c.batch_size.to_string()),
        (
            "clip",
            c.clip.map_or_else(|| "none".to_string(), |c| c.to_string()),
        ),
        ("seed", c.seed.to_string()),
        ("data", ckpt.data.clone()),
    ]);
    if let Some(f) = &ckpt.fingerprint {
        metadata.extend([
            ("data_kind", f.kind.name().to_string()),
            ("data_len", f.len.to_string()),
            ("data_fnv1a64", format!("{:016x}", f.hash)),
        ]);
    }
    if let Some(n) = ckpt.eval_batches {
        metadata.push(("eval_batches", n.to_string()));
    }
    if let Some(c) = &ckpt.codec {
        metadata.extend([
            ("codec", c.description.clone()),
            ("codec_fnv1a64", format!("{:016x}", c.fingerprint)),
        ]);
    }
    if let Some(rl) = &ckpt.rl {
        metadata.extend(rl.metadata());
    }
    let metadata = metadata
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    write(path, ckpt.model.kind().name(), tensors, metadata)
}

/// Reads a checkpoint of any kind written by [`save`], or by this crate
/// before there was one checkpoint for every model (the word models' and
/// the GPT's metadata layouts are both read). Refuses files of another
/// format, missing or malformed metadata, tensors whose shapes do not fit
/// the sizes in the metadata, and tensors that belong to nothing.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let Stored {
        kind,
        mut tensors,
        meta,
        ..
    } = read(path)?;
    let fail = |detail: String| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    };
    let kind = ModelKind::from_name(&kind).ok_or_else(|| {
        fail(format!(
            "metadata \"model\" = {kind:?} is not a model this crate knows (mlp, wavenet, gpt, reward)"
        ))
    })?;
    let vocab: String = get(&meta, "vocab", path)?;
    let model = match kind {
        ModelKind::Gpt => Network::Gpt(gpt_checkpoint::read_model(
            &mut tensors,
            &meta,
            &vocab,
            path,
        )?),
        ModelKind::Reward => Network::Reward(gpt_checkpoint::read_reward(
            &mut tensors,
            &meta,
            &vocab,
            path,
        )?),
        _ => {
            let words = Vocab::from_chars(&vocab)
                .ok_or_else(|| fail(format!("vocabulary {vocab:?} does not start with '.'")))?;
            let hyper = Hyper {
                vocab: words.len(),
                block: get(&meta, "block_size", path)?,
                n_embd: get(&meta, "n_embd", path)?,
                n_hidden: get(&meta, "n_hidden", path)?,
            };
            check_sizes(kind, hyper, &tensors, path)?;
            match kind {
                ModelKind::Mlp => Network::Mlp(load_mlp(&mut tensors, hyper, path)?),
                _ => Network::WaveNet(load_wavenet(&mut tensors, hyper, path)?),
            }
        }
    };
    let step: usize = get(&meta, "step", path)?;
    let (optimizer, settings) =
        if matches!(kind, ModelKind::Gpt | ModelKind::Reward) || meta.contains_key("adamw_t") {
            let hyper = AdamW {
                lr: get(&meta, "lr", path)?,
                beta1: get(&meta, "beta1", path)?,
                beta2: get(&meta, "beta2", path)?,
                eps: get(&meta, "eps", path)?,
                weight_decay: get(&meta, "weight_decay", path)?,
            };
            let t: usize = get(&meta, "adamw_t", path)?;
            if t != step {
                return Err(fail(format!(
                    "AdamW has taken {t} steps but the model is at step {step}"
                )));
            }
            let shapes = match &model {
                Network::Mlp(m) => m.param_shapes(),
                Network::WaveNet(w) => w.param_shapes(),
                Network::Gpt(g) => g.param_shapes(),
                Network::Reward(r) => r.param_shapes(),
            };
            let (mut m, mut v) = (vec![], vec![]);
            for (name, shape) in &shapes {
                m.push(take(&mut tensors, &moment_name("m", name), shape, path)?);
                v.push(take::<f32, IxDyn>(
                    &mut tensors,
                    &moment_name("v", name),
                    shape,
                    path,
                )?);
            }
            if let Some(x) = v.iter().flat_map(|a| a.iter()).find(|x| **x < 0.0) {
                return Err(fail(format!(
                    "an AdamW second moment is {x}: squares cannot be negative"
                )));
            }
            let state = AdamWState {
                hyper,
                names: shapes.into_iter().map(|(n, _)| n).collect(),
                m,
                v,
                t,
            };
            (Optimizer::AdamW(state), OptimizerConfig::AdamW(hyper))
        } else {
            let s = Schedule {
                lr: get(&meta, "lr", path)?,
                lr_decayed: get(&meta, "lr_decayed", path)?,
                lr_decay_step: get(&meta, "lr_decay_step", path)?,
            };
            (Optimizer::Sgd(s), OptimizerConfig::Sgd(s))
        };
    if let Some(extra) = tensors.keys().next() {
        return Err(fail(format!(
            "tensor {extra} is not a parameter, a buffer or an optimiser's moment of this {}",
            kind.title()
        )));
    }
    let clip = match meta.get("clip").map(String::as_str) {
        None | Some("none") => None,
        Some(c) => Some(
            c.parse::<f64>()
                .map_err(|_| fail(format!("metadata \"clip\" = {c:?} is not a number")))?,
        ),
    };
    let config = TrainConfig {
        steps: get(&meta, "steps", path)?,
        batch_size: get(&meta, "batch_size", path)?,
        optimizer: settings,
        clip,
        seed: get(&meta, "seed", path)?,
    };
    let data: String = get(&meta, "data", path)?;
    let fingerprint = fingerprint(&meta, &data, path)?;
    if kind == ModelKind::Gpt && fingerprint.is_none() {
        return Err(fail("metadata \"data_len\" is missing".into()));
    }
    let eval_batches = match meta.contains_key("eval_batches") || kind == ModelKind::Gpt {
        true => Some(get(&meta, "eval_batches", path)?),
        false => None,
    };
    let codec = match meta.get("codec_fnv1a64") {
        None => None,
        Some(hex) => Some(CodecId {
            fingerprint: u64::from_str_radix(hex, 16).map_err(|_| {
                fail(format!(
                    "metadata \"codec_fnv1a64\" = {hex:?} is not a 64-bit hexadecimal number"
                ))
            })?,
            description: get(&meta, "codec", path)?,
        }),
    };
    let rl = RlRecord::from_metadata(&meta).map_err(fail)?;
    Ok(Checkpoint {
        model,
        optimizer,
        step,
        config,
        vocab,
        data,
        fingerprint,
        eval_batches,
        codec,
        rl,
    })
}

/// The data's fingerprint in either layout of the metadata: `data_kind`,
/// `data_len` and `data_fnv1a64` (every model since one checkpoint, and
/// the GPT's before), or `data_words` and `data_fnv1a64` (the word models'
/// before); `None` in files written before fingerprints.
fn fingerprint(
    meta: &BTreeMap<String, String>,
    source: &str,
    path: &Path,
) -> Result<Option<Fingerprint>> {
    let (kind, len) = match (meta.get("data_len"), meta.get("data_words")) {
        (Some(_), _) => {
            let kind = match get::<String>(meta, "data_kind", path)?.as_str() {
                "text" => DataKind::Text,
                "names" => DataKind::Names,
                other => {
                    return Err(Error::Checkpoint {
                        path: path.to_path_buf(),
                        detail: format!(
                            "metadata \"data_kind\" = {other:?} is neither text nor names"
                        ),
                    });
                }
            };
            (kind, get(meta, "data_len", path)?)
        }
        (None, Some(_)) => (DataKind::Names, get(meta, "data_words", path)?),
        (None, None) if meta.contains_key("data_fnv1a64") => {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: "metadata \"data_len\" is missing".into(),
            });
        }
        (None, None) => return Ok(None),
    };
    let hash_hex: String = get(meta, "data_fnv1a64", path)?;
    let hash = u64::from_str_radix(&hash_hex, 16).map_err(|_| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!(
            "metadata \"data_fnv1a64\" = {hash_hex:?} is not a 64-bit hexadecimal hash"
        ),
    })?;
    Ok(Some(Fingerprint {
        kind,
        source: source.to_string(),
        len,
        hash,
    }))
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
