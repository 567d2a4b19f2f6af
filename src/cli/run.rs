//! What every model's `train` shares: the options of [`Common`], flattened
//! into `train mlp`, `train wavenet` and `train gpt`; what `--resume` checks
//! ([`agree`]); what a failed run leaves ([`kept`]); and the kind of model
//! a checkpoint holds ([`held_model`]), noting a file without checksums.
//!
//! Each model's options struct is `Common<D>` and its own options. `D`
//! ([`Defaults`]) says, in `--help`, what the model's defaults are; the
//! options stay unset when not given, so that `--resume` can tell an option
//! that repeats or contradicts the checkpoint's setting from one left out.

use std::fmt::Display;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::checksum::Integrity;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::{Error, Result};

use super::implementation::Impl;
use super::output;

/// A model's defaults of the common options, as `--help` shows them: the
/// text after `[default: `.
pub trait Defaults {
    fn steps() -> String;
    fn batch_size() -> String;
    fn lr() -> String;
    fn seed() -> String;
    fn n_embd() -> String;
    fn block_size() -> String;
    fn eval_every() -> String;
}

/// The options of every model's `train`.
#[derive(clap::Args)]
pub struct Common<D: Defaults> {
    /// One word per line [default: the embedded corpus of 30,000 names; with
    /// --resume, the checkpoint's]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Whose backward passes to train with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("Train up to this step [default: {}; with --resume, the checkpoint's]", D::steps()))]
    pub steps: Option<usize>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("Examples per step [default: {}]", D::batch_size()))]
    pub batch_size: Option<usize>,
    #[arg(long, allow_hyphen_values = true,
        help = format!("The learning rate [default: {}]", D::lr()))]
    pub lr: Option<f32>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The size of a character's embedding [default: {}]", D::n_embd()))]
    pub n_embd: Option<usize>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The characters of context [default: {}]", D::block_size()))]
    pub block_size: Option<usize>,
    #[arg(long, value_parser = output::seed, allow_negative_numbers = true,
        help = format!("Seeds the parameters, the batches and the split [default: {}]", D::seed()))]
    pub seed: Option<u64>,
    /// Where to save the model (and checkpoints along the way). An existing
    /// file is replaced only if it is a checkpoint of this crate (or with
    /// --force); a device, FIFO, socket or symbolic link never is.
    #[arg(long, default_value = "model.safetensors")]
    pub out: PathBuf,
    /// Replace --out even if it is a regular file that is not a checkpoint
    /// of this crate.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true,
        help = format!("Print the loss and save a checkpoint every this many steps [default: {}]", D::eval_every()))]
    pub eval_every: Option<usize>,
    /// Continue the run saved in this file, with its settings and corpus: an
    /// option may repeat a setting of the checkpoint, not change it.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// With --resume: continue on a corpus other than the checkpoint's.
    #[arg(long, requires = "resume")]
    pub other_data: bool,
    /// How many names to sample at the end.
    #[arg(long, default_value_t = 20, value_parser = output::samples, allow_negative_numbers = true)]
    pub samples: usize,
    #[arg(skip)]
    pub defaults: PhantomData<D>,
}

/// `given` if it agrees with the checkpoint's `stored`, which it is by
/// default; refused, with both values, if it contradicts it.
pub fn agree<T: PartialEq + Display>(
    flag: &str,
    given: Option<T>,
    stored: T,
    ckpt: &Path,
) -> Result<T> {
    match given {
        Some(g) if g != stored => Err(Error::Config(format!(
            "--{flag} {g} contradicts the checkpoint {} ({flag} {stored}): --resume continues its run with its settings; leave --{flag} out",
            ckpt.display()
        ))),
        _ => Ok(stored),
    }
}

/// `error`, noted with what it leaves in `out`: the last good checkpoint
/// (of step `saved`), the checkpoint a run resumed into `out` from (of step
/// `start`), the file as it was, or nothing.
pub fn kept(
    out: &Path,
    error: Error,
    saved: Option<usize>,
    resumed_into_out: bool,
    start: usize,
    existed: bool,
) -> Error {
    let out = out.display();
    let note = match saved {
        Some(step) => format!("{out} keeps the last good checkpoint, of step {step}"),
        None if resumed_into_out => {
            format!("{out} keeps the checkpoint it resumed from, of step {start}")
        }
        None if existed => format!("{out} was left as it was"),
        None => format!("nothing was saved to {out}"),
    };
    Error::Noted {
        error: Box::new(error),
        note,
    }
}

/// `error`, from reading the data a checkpoint `ckpt` was trained on, said
/// in words a person can act on: a file no longer there (deleted or moved)
/// is named as such, and `option` is what gives the data instead.
pub fn data_of_checkpoint(error: Error, ckpt: &Path, option: &str) -> Error {
    if let Error::Io { path, source } = &error
        && source.kind() == std::io::ErrorKind::NotFound
    {
        return Error::Data {
            path: path.clone(),
            line: None,
            detail: format!(
                "the checkpoint {} was trained on this file, which is no longer there (deleted or moved): pass {option} with its new path (the data is checked against the checkpoint's fingerprint)",
                ckpt.display()
            ),
        };
    }
    Error::Noted {
        error: Box::new(error),
        note: format!(
            "the checkpoint {} was trained on it: pass {option} with its data",
            ckpt.display()
        ),
    }
}

/// The refusal of a checkpoint at `path` that holds another kind of model:
/// `train {asked}` cannot resume the `held` it holds (both subcommand names).
pub fn other_model(path: &Path, held: &str, asked: &str) -> Error {
    let shown = |name: &str| match name {
        "gpt" => "GPT".to_string(),
        name => name.to_string(),
    };
    Error::Checkpoint {
        path: path.to_path_buf(),
        detail: format!(
            "it holds a {}, not a {}: resume it with `train {held}`",
            shown(held),
            shown(asked)
        ),
    }
}

/// The kind of model the checkpoint `path` holds (`mlp`, `wavenet`,
/// `gpt`), or why it is refused (a tensor that does not match its checksum,
/// among others). A file written before checkpoints carried checksums is
/// read unverified, with a note on stderr.
pub fn held_model(path: &Path) -> Result<String> {
    let stored = checkpoint::read(path)?;
    if stored.integrity == Integrity::Unverified {
        eprintln!(
            "note: {} carries no checksums (written before checkpoints had them): its tensors could not be verified",
            path.display()
        );
    }
    Ok(stored.kind)
}

/// The checkpoint `path`, of any kind, for `eval` and `sample`: noted if it
/// carries no checksums ([`held_model`]).
pub fn loaded(path: &Path) -> Result<Checkpoint> {
    held_model(path)?;
    checkpoint::load(path)
}

/// The checkpoint `train {asked}` resumes from `path`, refused (naming both
/// subcommands) if it holds a GPT and a word model is asked for, or the
/// other way round (between the MLP and the WaveNet, the run's plan says
/// which settings contradict the checkpoint).
pub fn resume_checkpoint(path: &Path, asked: ModelKind) -> Result<Checkpoint> {
    let held = held_model(path)?;
    let gpt = ModelKind::Gpt.name();
    if (held == gpt) != (asked == ModelKind::Gpt) {
        return Err(other_model(path, &held, asked.name()));
    }
    checkpoint::load(path)
}
