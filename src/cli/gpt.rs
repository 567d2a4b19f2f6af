//! `train gpt`: its options ([`GptArgs`]), and lecture 7's GPT on running
//! text, makemore's Transformer on names, and the lecture's progression
//! (`--arch`).
//!
//! Three settings, chosen by the data and `--arch`:
//!
//! | | data | model | run |
//! |---|---|---|---|
//! | text | `--text FILE` | [`GptConfig::lecture`] | [`TrainConfig::GPT_LECTURE`] |
//! | progression | `--text FILE --arch STEP` | [`GptConfig::progression`] | [`TrainConfig::GPT_PROGRESSION`] |
//! | names | `--data FILE` or the embedded names | [`GptConfig::makemore`] | [`TrainConfig::GPT_MAKEMORE`] |
//!
//! `--tokenizer FILE` reads the text or the names as a byte-pair
//! tokenizer's tokens instead of characters (the codec chosen in
//! `load_text` and `load_names`; the checkpoint keeps the tokenizer,
//! `backprop_ninja::tokenizer::codec`).
//! Any size or setting can be changed by its flag. The run is the one
//! runner's ([`super::run::train`]); this file is the GPT's [`Recipe`]:
//! its settings (with `--resume`, the checkpoint's, which a flag may repeat
//! but not contradict), its data (checked by its fingerprint), its fixed
//! evaluation batches, and what it prints; `eval` and `sample` of a GPT's
//! checkpoint.

use std::ops::Deref;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::codec::{self, Codec, CodecId};
use backprop_ninja::corpus::fnv1a64;
use backprop_ninja::corpus::text::{BatchSource, CharVocab, NameData, TextCorpus};
use backprop_ninja::corpus::words::Vocab;
use backprop_ninja::corpus::{DataKind, Fingerprint};
use backprop_ninja::io::checkpoint::Checkpoint;
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig, GptInit};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::Network;
use backprop_ninja::registry::Exercise;
use backprop_ninja::tokenizer::Tokenizer;
use backprop_ninja::tokenizer::codec::{from_record, is_tokenizer};
use backprop_ninja::tokenizer::file;
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::eval::{EvalSet, Evaluator, bits_per_byte};
use backprop_ninja::train::generate::Request;
use backprop_ninja::train::gpt as trainer;
use backprop_ninja::train::{Optimizer, OptimizerConfig, SAMPLE_SEED, Timing, TrainConfig};
use backprop_ninja::{Backprop, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::implementation::Impl;
use super::output::{self, ByName, say};
use super::run::{Begin, Common, Defaults, Plan, Planned, Recipe, agree, data_of_checkpoint};

/// Evaluate every this many steps, by default.
pub const EVAL_EVERY: usize = 500;

/// Fixed evaluation batches per split of running text (the lecture's
/// `eval_iters`).
pub const EVAL_BATCHES_TEXT: usize = 200;

/// Rows per evaluation batch of names, and batches of training rows
/// (makemore evaluates 10 batches of 100).
pub const EVAL_ROWS_NAMES: usize = 100;
pub const EVAL_BATCHES_NAMES: usize = 10;

/// The evaluation batches are drawn with the run's seed plus this, so they
/// are not the first training batches.
pub const EVAL_SEED_OFFSET: u64 = 1;

/// Characters generated at the end of a run on text, and by `sample`, by
/// default.
pub const CHARS: usize = 500;

/// `train gpt`: the common options, with the GPT's defaults, and the GPT's
/// own.
#[derive(clap::Args)]
pub struct GptArgs {
    #[command(flatten)]
    pub common: Common<GptDefaults>,
    /// A text file to train on, character by character (the lecture's tiny
    /// Shakespeare); the first 90% trains, the last 10% validates [default:
    /// names, from --data or the embedded corpus]
    #[arg(long, conflicts_with = "data")]
    pub text: Option<PathBuf>,
    /// Read the text (or the names) as this tokenizer's tokens (a `.model`
    /// file of `tokenizer train`), not characters; the vocabulary is the
    /// tokenizer's, and the checkpoint keeps it [default: characters; with
    /// --resume, the checkpoint's]
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// A step of the lecture's progression, on its small model (batch 32,
    /// block 8, n_embd 32, 4 heads, 3 blocks) [default: the full model at the
    /// notebook's size]
    #[arg(long, value_parser = ByName { names: arch_names, parse: parse_arch })]
    pub arch: Option<Arch>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("Attention heads per block [default: {}]", per_setting(|c, _| c.n_head)))]
    pub n_head: Option<usize>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("Blocks [default: {}]", per_setting(|c, _| c.n_layer)))]
    pub n_layer: Option<usize>,
    #[arg(long, value_parser = ByName { names: init_names, parse: parse_init },
        help = format!("How the parameters start: torch (PyTorch's defaults, the lecture's) or normal02 (makemore's N(0, 0.02²) weights, zero biases) [default: {}]", per_setting(|c, _| c.init.name())))]
    pub init: Option<GptInit>,
    #[arg(long, allow_hyphen_values = true,
        help = format!("Clip the gradients' norm at this; 0 for no clipping [default: {}]", per_setting(|_, r| r.clip.map_or("none".to_string(), |c| c.to_string()))))]
    pub clip: Option<f64>,
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true,
        help = format!("Fixed evaluation batches per split [default: {EVAL_BATCHES_TEXT} of the training batch size on text (the lecture's eval_iters); on names {EVAL_BATCHES_NAMES} batches of {EVAL_ROWS_NAMES} training rows, and every test name]"))]
    pub eval_batches: Option<usize>,
    #[arg(long, value_parser = output::chars, allow_negative_numbers = true,
        help = format!("On text: how many characters (tokens, with --tokenizer) to generate at the end [default: {CHARS}]"))]
    pub chars: Option<usize>,
}

/// The common options read as the GPT's own: `args.steps` is
/// `args.common.steps`.
impl Deref for GptArgs {
    type Target = Common<GptDefaults>;
    fn deref(&self) -> &Common<GptDefaults> {
        &self.common
    }
}

/// AdamW's settings of a GPT run (every GPT run is AdamW's).
fn adamw(run: &TrainConfig) -> AdamW {
    run.adamw().expect("a GPT run trains with AdamW")
}

/// `train gpt`'s defaults, which depend on the data: `f` of the model and
/// the run on text, with `--arch`, and on names; one value if they agree.
fn per_setting<T: PartialEq + std::fmt::Display>(
    f: impl Fn(&GptConfig, &TrainConfig) -> T,
) -> String {
    // Any vocabulary and block: the sizes shown do not depend on them.
    let names = GptConfig::makemore(27, 16);
    let settings = [
        (
            "on text",
            f(&GptConfig::lecture(65), &TrainConfig::GPT_LECTURE),
        ),
        (
            "on text with --arch",
            f(
                &GptConfig::progression(65, Arch::Bigram),
                &TrainConfig::GPT_PROGRESSION,
            ),
        ),
        ("on names", f(&names, &TrainConfig::GPT_MAKEMORE)),
    ];
    if settings.iter().all(|(_, v)| *v == settings[0].1) {
        return settings[0].1.to_string();
    }
    let parts: Vec<String> = settings
        .iter()
        .map(|(setting, v)| format!("{v} {setting}"))
        .collect();
    parts.join(", ")
}

/// `train gpt`'s defaults of the common options.
pub struct GptDefaults;

impl Defaults for GptDefaults {
    fn steps() -> String {
        per_setting(|_, r| r.steps)
    }
    fn batch_size() -> String {
        per_setting(|_, r| r.batch_size)
    }
    fn lr() -> String {
        format!("AdamW's {}", per_setting(|_, r| adamw(r).lr))
    }
    fn seed() -> String {
        per_setting(|_, r| r.seed)
    }
    fn n_embd() -> String {
        per_setting(|c, _| c.n_embd)
    }
    fn block_size() -> String {
        format!(
            "{} on text, {} on text with --arch, the longest name + 1 on names",
            GptConfig::lecture(65).block_size,
            GptConfig::progression(65, Arch::Bigram).block_size
        )
    }
    fn eval_every() -> String {
        EVAL_EVERY.to_string()
    }
}

/// The names of the lecture's steps, for `--help`.
fn arch_names() -> Vec<&'static str> {
    Arch::ALL.iter().map(|a| a.name()).collect()
}

/// The initialisations' names, for `--help`.
fn init_names() -> Vec<&'static str> {
    [GptInit::Torch, GptInit::Normal02]
        .iter()
        .map(|i| i.name())
        .collect()
}

/// An initialisation, by name.
fn parse_init(s: &str) -> std::result::Result<GptInit, String> {
    GptInit::from_name(s)
        .ok_or_else(|| format!("{s:?} is not an initialisation: torch or normal02"))
}

/// A step of the lecture's progression, by name.
fn parse_arch(s: &str) -> std::result::Result<Arch, String> {
    Arch::from_name(s).ok_or_else(|| {
        format!(
            "{s:?} is not a step of the lecture: one of {}",
            arch_names().join(", ")
        )
    })
}

/// The data of a run, loaded.
pub enum Data {
    /// A running text, encoded by the run's codec.
    Text(TextCorpus<Box<dyn Codec>>, Fingerprint),
    /// Names, a row each, encoded by the run's codec.
    Names(NameData<Box<dyn Codec>>, Fingerprint),
}

impl Data {
    fn id(&self) -> &Fingerprint {
        match self {
            Data::Text(_, id) | Data::Names(_, id) => id,
        }
    }

    /// The codec as a checkpoint's `vocab` holds it: the characters in
    /// token order (`.` first for names), or a tokenizer's `.model` text.
    fn vocab(&self) -> Result<String> {
        self.codec().record()
    }

    /// The fixed evaluation batches per split, by default: the lecture's
    /// `eval_iters` on text, makemore's on names.
    fn eval_batches(&self) -> usize {
        match self {
            Data::Text(..) => EVAL_BATCHES_TEXT,
            Data::Names(..) => EVAL_BATCHES_NAMES,
        }
    }

    /// The held-out split the run reports: `val` of a text, `test` of
    /// names.
    fn held_out(&self) -> &'static str {
        match self {
            Data::Text(..) => "val",
            Data::Names(..) => "test",
        }
    }

    /// What encodes its text (or its names) as tokens.
    fn codec(&self) -> &dyn Codec {
        match self {
            Data::Text(c, _) => &c.vocab,
            Data::Names(n, _) => &n.vocab,
        }
    }

    /// Bits per byte of a loss of `nats` per token on the held-out split:
    /// the tokens its evaluation counts, over the bytes they stand for.
    fn bits_per_byte(&self, nats: f64) -> Result<f64> {
        let (tokens, bytes) = match self {
            Data::Text(c, _) => (c.val.len(), c.val.bytes),
            Data::Names(n, _) => n.test.tokens_and_bytes(&n.vocab)?,
        };
        Ok(bits_per_byte(nats, tokens, bytes))
    }

    fn train(&self) -> &(dyn BatchSource + 'static) {
        match self {
            Data::Text(c, _) => &c.train,
            Data::Names(n, _) => &n.train,
        }
    }

    /// Fails unless the vocabulary is the checkpoint `path`'s `vocab`.
    fn check_vocab(&self, vocab: &str, path: &Path) -> Result<()> {
        let here = self.vocab()?;
        if here == vocab {
            return Ok(());
        }
        Err(Error::Data {
            path: PathBuf::from(&self.id().source),
            line: None,
            detail: format!(
                "its vocabulary {here:?} is not the checkpoint {}'s {vocab:?}",
                path.display(),
            ),
        })
    }

    fn describe(&self) -> String {
        match self {
            Data::Text(c, id) if is_tokenizer(&self.vocab().unwrap_or_default()) => {
                let tokens = c.train.len() + c.val.len();
                format!(
                    "{}, {} characters, {}, {}/{} train/val tokens, {:.3} bytes per token",
                    id.source,
                    id.len,
                    c.vocab.describe(),
                    c.train.len(),
                    c.val.len(),
                    (c.train.bytes + c.val.bytes) as f64 / tokens.max(1) as f64
                )
            }
            Data::Text(c, id) => format!(
                "{}, {} characters, vocabulary of {}, {}/{} train/val characters",
                id.source,
                id.len,
                c.vocab.vocab_size(),
                c.train.len(),
                c.val.len()
            ),
            Data::Names(n, id) if is_tokenizer(&self.vocab().unwrap_or_default()) => format!(
                "{}, {} names, {}, block {} (the longest name's tokens + 1), {}/{} train/test names",
                id.source,
                id.len,
                n.vocab.describe(),
                n.block,
                n.train.len(),
                n.test.len()
            ),
            Data::Names(n, id) => format!(
                "{}, {} names, vocabulary of {} ({}), block {} (the longest name + 1), {}/{} train/test names",
                id.source,
                id.len,
                n.vocab.vocab_size(),
                self.vocab().unwrap_or_default(),
                n.block,
                n.train.len(),
                n.test.len()
            ),
        }
    }
}

/// The running text `path`, encoded by `codec`, or by default by its
/// characters, as in the lecture.
fn load_text(path: &Path, codec: Option<Box<dyn Codec>>) -> Result<Data> {
    let text = backprop_ninja::corpus::text::read_text(path)?;
    let codec = codec.unwrap_or_else(|| Box::new(CharVocab::from_text(&text)));
    let corpus = TextCorpus::encoded(&text, codec, path)?;
    let id = Fingerprint {
        kind: DataKind::Text,
        source: path.display().to_string(),
        len: text.chars().count(),
        hash: fnv1a64(text.bytes()),
    };
    Ok(Data::Text(corpus, id))
}

/// `tokenizer` as the codec of a run with `implementation`: its chunks
/// encoded by the learner's `bpe_encode` under `--impl exercises`.
fn bpe_codec(tokenizer: Tokenizer, implementation: Impl) -> Result<Box<dyn Codec>> {
    match implementation {
        Impl::Solutions => Ok(Box::new(tokenizer)),
        Impl::Exercises => learners_codec(tokenizer),
    }
}

/// The learner's functions, in the command built with their crate.
#[cfg(learner)]
type Learner = exercises::Exercises;

/// `tokenizer` encoding with the learner's `bpe_encode`.
#[cfg(learner)]
fn learners_codec(tokenizer: Tokenizer) -> Result<Box<dyn Codec>> {
    use backprop_ninja::tokenizer::bpe::IDENTITY;
    use backprop_ninja::tokenizer::codec::EncodedBy;
    super::implementation::ready_for::<Learner>(&[Exercise::BpeEncode])?;
    if *tokenizer.byte_ids() != IDENTITY {
        return Err(Error::Config(
            "--impl exercises: this tokenizer gives the bytes other ids than 0..256, which exercises/bpe.rs assumes".into(),
        ));
    }
    Ok(Box::new(EncodedBy {
        tokenizer,
        encode_chunk: <Learner as Backprop>::bpe_encode,
    }))
}

/// `--impl exercises` runs in the command built with the learner's crate,
/// never here.
#[cfg(not(learner))]
fn learners_codec(_: Tokenizer) -> Result<Box<dyn Codec>> {
    Err(Error::Config(
        "--impl exercises runs in the command built with the learner's crate (backprop-ninja-exercises)".into(),
    ))
}

/// The codec `--tokenizer` names, if given.
fn tokenizer_arg(args: &GptArgs) -> Result<Option<Box<dyn Codec>>> {
    args.tokenizer
        .as_deref()
        .map(|path| bpe_codec(file::load(path)?, args.implementation))
        .transpose()
}

/// The codec of a resumed run: `--tokenizer`'s, else the checkpoint's
/// tokenizer (its `vocab`), else none (the data's characters).
fn resumed_codec(args: &GptArgs, vocab: &str, path: &Path) -> Result<Option<Box<dyn Codec>>> {
    Ok(match tokenizer_arg(args)? {
        Some(codec) => Some(codec),
        None if is_tokenizer(vocab) => Some(bpe_codec(
            file::parse(vocab.as_bytes(), path)?,
            args.implementation,
        )?),
        None => None,
    })
}

/// The checkpoint's tokenizer, if it was trained with one.
fn stored_codec(vocab: &str, path: &Path) -> Result<Option<Box<dyn Codec>>> {
    match is_tokenizer(vocab) {
        true => Ok(Some(from_record(vocab, path)?)),
        false => Ok(None),
    }
}

/// Checks the data's codec against the checkpoint `path`'s: its codec
/// record, then its `vocab` (a tokenizer's first: its `vocab` is the whole
/// `.model` text).
fn check_codec(data: &Data, vocab: &str, stored: Option<&CodecId>, path: &Path) -> Result<()> {
    if is_tokenizer(vocab) || is_tokenizer(&data.vocab()?) {
        codec::check(stored, data.codec(), path)?;
        if data.vocab()? != vocab {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!(
                    "it was trained with another tokenizer than {}",
                    data.codec().describe()
                ),
            });
        }
        return Ok(());
    }
    data.check_vocab(vocab, path)?;
    codec::check(stored, data.codec(), path)
}

/// The names of `path` (or the embedded ones), encoded by `codec`, or by
/// default by their characters (`.` first), as makemore reads them.
fn load_names(path: Option<&Path>, seed: u64, codec: Option<Box<dyn Codec>>) -> Result<Data> {
    let corpus = super::bigram::load_corpus(path)?;
    let id = corpus.fingerprint();
    let codec = codec.unwrap_or_else(|| Box::new(Vocab::from_words(&corpus.words)));
    Ok(Data::Names(NameData::encoded(&corpus, seed, codec)?, id))
}

/// A fresh run: the setting's model and run, with those the options give.
fn fresh(args: &GptArgs) -> Result<Planned<GptArgs>> {
    let (defaults, mut config, data) = match (&args.text, args.arch) {
        (Some(text), arch) => {
            let data = load_text(text, tokenizer_arg(args)?)?;
            let vocab = data.codec().vocab_size();
            match arch {
                None => (TrainConfig::GPT_LECTURE, GptConfig::lecture(vocab), data),
                Some(arch) => (
                    TrainConfig::GPT_PROGRESSION,
                    GptConfig::progression(vocab, arch),
                    data,
                ),
            }
        }
        (None, arch) => {
            let seed = args.seed.unwrap_or(TrainConfig::GPT_MAKEMORE.seed);
            let data = load_names(args.data.as_deref(), seed, tokenizer_arg(args)?)?;
            let Data::Names(names, _) = &data else {
                unreachable!("names were loaded")
            };
            let config = GptConfig::makemore(names.vocab.vocab_size(), names.block);
            (
                TrainConfig::GPT_MAKEMORE,
                config.with_arch(arch.unwrap_or(config.arch)),
                data,
            )
        }
    };
    config.block_size = args.block_size.unwrap_or(config.block_size);
    config.n_embd = args.n_embd.unwrap_or(config.n_embd);
    config.n_head = args.n_head.unwrap_or(config.n_head);
    config.n_layer = args.n_layer.unwrap_or(config.n_layer);
    config.init = args.init.unwrap_or(config.init);
    let run = TrainConfig {
        steps: args.steps.unwrap_or(defaults.steps),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        optimizer: OptimizerConfig::AdamW(AdamW {
            lr: args.lr.map_or(adamw(&defaults).lr, f64::from),
            ..adamw(&defaults)
        }),
        clip: match args.clip {
            Some(0.0) => None,
            Some(c) => Some(c),
            None => defaults.clip,
        },
        seed: args.seed.unwrap_or(defaults.seed),
    };
    config.validate()?;
    if let Data::Names(names, _) = &data
        && config.block_size != names.block
    {
        return Err(Error::Config(format!(
            "names are rows of the longest name + 1 = {} positions: --block-size {} does not fit them",
            names.block, config.block_size
        )));
    }
    let eval_batches = args.eval_batches.unwrap_or(data.eval_batches());
    let plan = Plan {
        config: run,
        start: 0,
        data,
        eval_batches: Some(eval_batches),
    };
    Ok((Begin::Fresh(config), plan))
}

/// A GPT's checkpoint taken apart: the model, AdamW's state, the run, the
/// vocabulary, the data's fingerprint and the evaluation batches.
struct GptParts {
    pub model: Gpt<f32>,
    pub adamw: AdamWState<f32>,
    pub step: usize,
    pub run: TrainConfig,
    pub vocab: String,
    pub data: Fingerprint,
    pub eval_batches: usize,
    pub codec: Option<CodecId>,
}

impl GptParts {
    /// The parts of `ckpt`, read from `path`; an error naming the file if
    /// it is not a GPT with AdamW's state, a fingerprint and evaluation
    /// batches.
    pub fn of(ckpt: Checkpoint, path: &Path) -> Result<GptParts> {
        let fail = |what: &str| Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("a GPT's checkpoint holds {what}"),
        };
        let kind = ckpt.model.kind();
        let (Network::Gpt(model), Optimizer::AdamW(adamw)) = (ckpt.model, ckpt.optimizer) else {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!("it holds a {}, not a GPT trained with AdamW", kind.title()),
            });
        };
        Ok(GptParts {
            model,
            adamw,
            step: ckpt.step,
            run: ckpt.config,
            vocab: ckpt.vocab,
            data: ckpt
                .fingerprint
                .ok_or_else(|| fail("its data's fingerprint"))?,
            eval_batches: ckpt.eval_batches.ok_or_else(|| fail("eval_batches"))?,
            codec: ckpt.codec,
        })
    }
}

/// The checkpoint's model, optimiser, run and data, with the options
/// checked against it.
fn resumed(args: &GptArgs, path: &Path, ckpt: GptParts) -> Result<Planned<GptArgs>> {
    let c = ckpt.model.config;
    agree("block-size", args.block_size, c.block_size, path)?;
    agree("n-embd", args.n_embd, c.n_embd, path)?;
    agree("n-head", args.n_head, c.n_head, path)?;
    agree("n-layer", args.n_layer, c.n_layer, path)?;
    if let Some(init) = args.init.filter(|&i| i != c.init) {
        return Err(Error::Config(format!(
            "--init {} contradicts the checkpoint {} (init {}); leave --init out",
            init.name(),
            path.display(),
            c.init.name()
        )));
    }
    if let Some(arch) = args.arch.filter(|&a| a != c.arch) {
        return Err(Error::Config(format!(
            "--arch {} contradicts the checkpoint {} (arch {}); leave --arch out",
            arch.name(),
            path.display(),
            c.arch.name()
        )));
    }
    let r = ckpt.run;
    let run = TrainConfig {
        steps: args.steps.unwrap_or(r.steps),
        batch_size: agree("batch-size", args.batch_size, r.batch_size, path)?,
        optimizer: OptimizerConfig::AdamW(AdamW {
            lr: agree("lr", args.lr.map(f64::from), adamw(&r).lr, path)?,
            ..adamw(&r)
        }),
        clip: r.clip,
        seed: agree("seed", args.seed, r.seed, path)?,
    };
    if let Some(c) = args.clip
        && Some(c).filter(|&c| c != 0.0) != r.clip
    {
        return Err(Error::Config(format!(
            "--clip {c} contradicts the checkpoint {} (clip {}); leave --clip out",
            path.display(),
            r.clip.map_or("none".to_string(), |c| c.to_string())
        )));
    }
    if run.steps <= ckpt.step {
        return Err(Error::Config(format!(
            "nothing left to train: the checkpoint {} is at step {} and --steps is {}; pass --steps above {} to train further",
            path.display(),
            ckpt.step,
            run.steps,
            ckpt.step
        )));
    }
    let stored = &ckpt.data;
    let mismatch = |flag: &str| {
        Error::Config(format!(
            "the checkpoint {} was trained on {} {}: {flag} is another kind of data",
            path.display(),
            stored.kind.name(),
            stored.source
        ))
    };
    let data = match stored.kind {
        DataKind::Text => {
            if args.data.is_some() {
                return Err(mismatch("--data (names)"));
            }
            let file = args
                .text
                .clone()
                .unwrap_or_else(|| PathBuf::from(&stored.source));
            load_text(&file, resumed_codec(args, &ckpt.vocab, path)?).map_err(|e| {
                match &args.text {
                    None => data_of_checkpoint(e, path, "--text"),
                    Some(_) => e,
                }
            })?
        }
        DataKind::Names => {
            if args.text.is_some() {
                return Err(mismatch("--text (running text)"));
            }
            let file = args.data.clone().or_else(|| {
                (!stored.source.starts_with("embedded")).then(|| PathBuf::from(&stored.source))
            });
            let codec = resumed_codec(args, &ckpt.vocab, path)?;
            load_names(file.as_deref(), run.seed, codec).map_err(|e| match &args.data {
                None => data_of_checkpoint(e, path, "--data"),
                Some(_) => e,
            })?
        }
    };
    let here = data.id();
    if (here.len, here.hash) != (stored.len, stored.hash) && !args.other_data {
        return Err(Error::Data {
            path: PathBuf::from(&here.source),
            line: None,
            detail: format!(
                "not the data the checkpoint {} was trained on ({}: {} {}, hash {:016x}; this one has {}, hash {:016x}): pass --other-data to continue on it anyway",
                path.display(),
                stored.source,
                stored.len,
                if stored.kind == DataKind::Text {
                    "characters"
                } else {
                    "words"
                },
                stored.hash,
                here.len,
                here.hash
            ),
        });
    }
    check_codec(&data, &ckpt.vocab, ckpt.codec.as_ref(), path)?;
    let eval_batches = agree("eval-batches", args.eval_batches, ckpt.eval_batches, path)?;
    let plan = Plan {
        config: run,
        start: ckpt.step,
        data,
        eval_batches: Some(eval_batches),
    };
    Ok((
        Begin::Resume(ckpt.model, Optimizer::AdamW(ckpt.adamw)),
        plan,
    ))
}

/// What a run of `config` on `data` needs in memory, with `count` fixed
/// evaluation batches per split.
fn need<'a>(data: &Data, config: &'a GptConfig, run: &TrainConfig, count: usize) -> Need<'a> {
    let (eval_rows, splits) = match data {
        Data::Text(..) => (run.batch_size, 2),
        Data::Names(..) => (EVAL_ROWS_NAMES, 1),
    };
    Need::Gpt {
        config,
        batch: run.batch_size,
        eval_rows,
        eval_batches: count,
        splits,
    }
}

/// The fixed evaluation batches of a run: on text, `count` batches of the
/// training batch size from each split; on names, `count` batches of
/// [`EVAL_ROWS_NAMES`] training rows, and every test name.
fn evaluator(
    data: &Data,
    config: &GptConfig,
    run: &TrainConfig,
    count: usize,
) -> Result<Evaluator> {
    let eval_seed = run.seed.wrapping_add(EVAL_SEED_OFFSET);
    let block = config.block_size;
    Ok(match data {
        Data::Text(c, _) => {
            c.check_block(block)?;
            let sets = (
                EvalSet::sampled("train", &c.train, run.batch_size, block, count, eval_seed)?,
                EvalSet::sampled("val", &c.val, run.batch_size, block, count, eval_seed)?,
            );
            Evaluator::new(sets.0, sets.1)
        }
        Data::Names(n, _) => {
            let train =
                EvalSet::sampled("train", &n.train, EVAL_ROWS_NAMES, block, count, eval_seed)?;
            let test = EvalSet::every_row("test", &n.test, EVAL_ROWS_NAMES)?;
            Evaluator::new(train, test)
        }
    })
}

/// The model's sizes, fresh or the checkpoint's.
fn sizes(begin: &Begin<GptArgs>) -> &GptConfig {
    match begin {
        Begin::Fresh(config) => config,
        Begin::Resume(model, _) => &model.config,
    }
}

/// The data of a checkpoint `path` for `eval`: `text` or `data` if given,
/// else the file it was trained on.
fn data_of(
    ckpt: &Checkpoint,
    path: &Path,
    data: Option<&Path>,
    text: Option<&Path>,
) -> Result<Data> {
    let stored = ckpt.fingerprint.as_ref().ok_or_else(|| Error::Checkpoint {
        path: path.to_path_buf(),
        detail: "a GPT's checkpoint holds its data's fingerprint".into(),
    })?;
    let data = match stored.kind {
        DataKind::Text => {
            let codec = stored_codec(&ckpt.vocab, path)?;
            load_text(text.unwrap_or_else(|| Path::new(&stored.source)), codec).map_err(|e| {
                match text {
                    None => data_of_checkpoint(e, path, "--text"),
                    Some(_) => e,
                }
            })?
        }
        DataKind::Names => load_names(
            data.or_else(|| {
                (!stored.source.starts_with("embedded")).then(|| Path::new(&stored.source))
            }),
            ckpt.config.seed,
            stored_codec(&ckpt.vocab, path)?,
        )
        .map_err(|e| match data {
            None => data_of_checkpoint(e, path, "--data"),
            Some(_) => e,
        })?,
    };
    let here = data.id();
    if (here.len, here.hash) != (stored.len, stored.hash) {
        eprintln!(
            "note: {} is not the data {} was trained on ({})",
            here.source,
            path.display(),
            stored.source
        );
    }
    check_codec(&data, &ckpt.vocab, ckpt.codec.as_ref(), path)?;
    Ok(data)
}

impl Recipe for GptArgs {
    type Defaults = GptDefaults;
    type Model = Gpt<f32>;
    type Sizes = GptConfig;
    type Data = Data;
    type Split = ();
    const KIND: ModelKind = ModelKind::Gpt;
    const EVAL_EVERY: usize = EVAL_EVERY;
    const BAR_EVERY: usize = 10;

    fn common(&self) -> &Common<GptDefaults> {
        &self.common
    }

    fn needs(&self) -> Vec<Exercise> {
        match self.tokenizer {
            Some(_) => vec![Exercise::BpeEncode],
            None => vec![],
        }
    }

    fn check(&self) -> Result<()> {
        if self.chars == Some(0) {
            return Err(Error::Config(format!(
                "--chars 0 generates nothing: give at least 1 (or leave it out for {CHARS})"
            )));
        }
        Ok(())
    }

    fn plan(&self, checkpoint: Option<(&Path, Checkpoint)>) -> Result<Planned<Self>> {
        match checkpoint {
            Some((path, ckpt)) => resumed(self, path, GptParts::of(ckpt, path)?),
            None => fresh(self),
        }
    }

    fn need<'a>(begin: &'a Begin<Self>, plan: &'a Plan<Self>) -> Need<'a> {
        let count = plan.eval_batches.unwrap_or(plan.data.eval_batches());
        need(&plan.data, sizes(begin), &plan.config, count)
    }

    fn split(&self, begin: &Begin<Self>, plan: &Plan<Self>) -> Result<((), Evaluator)> {
        let count = plan.eval_batches.unwrap_or(plan.data.eval_batches());
        Ok((
            (),
            evaluator(&plan.data, sizes(begin), &plan.config, count)?,
        ))
    }

    fn build(config: &GptConfig, seed: u64) -> Result<Gpt<f32>> {
        Gpt::<f32>::new(*config, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    fn inputs<'a>(&'a self, data: &'a Data) -> Vec<(&'static str, &'a Path)> {
        let source = &data.id().source;
        (self.text.iter().map(|p| ("--text", p.as_path())))
            .chain(self.tokenizer.iter().map(|p| ("--tokenizer", p.as_path())))
            .chain(self.data.iter().map(|p| ("--data", p.as_path())))
            .chain((!source.starts_with("embedded")).then(|| ("the data", Path::new(source))))
            .collect()
    }

    fn identity(data: &Data) -> Result<(String, Fingerprint, Option<CodecId>)> {
        Ok((
            data.vocab()?,
            data.id().clone(),
            Some(CodecId::of(data.codec())),
        ))
    }

    fn announce<B: Backprop>(&self, plan: &Plan<Self>, _split: &(), model: &Gpt<f32>) {
        let run = plan.config;
        say!("data: {}", plan.data.describe());
        let c = &adamw(&run);
        say!(
            "model: gpt, {}; backward passes from {}/",
            trainer::describe(model),
            B::NAME
        );
        say!(
            "training: {} steps of {} × {}, AdamW lr {} betas ({}, {}) eps {} weight decay {}{}, seed {}",
            run.steps,
            run.batch_size,
            model.config.block_size,
            c.lr,
            c.beta1,
            c.beta2,
            c.eps,
            c.weight_decay,
            run.clip
                .map_or(String::new(), |c| format!(", gradient norm clipped at {c}")),
            run.seed
        );
    }

    fn batches<'a>(data: &'a Data, _split: &'a ()) -> &'a (dyn BatchSource + 'static) {
        data.train()
    }

    fn report(step: usize, losses: &[f64], held_out: &str) -> Option<String> {
        Some(format!(
            "step {step:5}: train loss {:.4}, {held_out} loss {:.4}",
            losses[0], losses[1]
        ))
    }

    fn conclude(
        &self,
        plan: &Plan<Self>,
        _split: &(),
        model: &Gpt<f32>,
        timing: &Timing,
        last: &[f64],
    ) -> Result<()> {
        print_timing(&model.config, plan.config.batch_size, timing);
        say!(
            "final: train loss {:.4}, {} loss {:.4} ({:.4} bits per byte)",
            last[0],
            plan.data.held_out(),
            last[1],
            plan.data.bits_per_byte(last[1])?
        );
        Ok(())
    }

    fn samples(&self, plan: &Plan<Self>) -> (Request, u64) {
        let request = match plan.data {
            Data::Text(..) => Request::Text {
                chars: self.chars.unwrap_or(CHARS),
            },
            Data::Names(..) => Request::Names {
                count: self.samples,
            },
        };
        (request, SAMPLE_SEED)
    }

    /// `eval` of a GPT checkpoint: its losses on the fixed evaluation
    /// batches of its data, as training printed them.
    fn eval(
        ckpt: &Checkpoint,
        path: &Path,
        data: Option<&Path>,
        text: Option<&Path>,
    ) -> Result<()> {
        let Network::Gpt(model) = &ckpt.model else {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!("it holds a {}, not a GPT", ckpt.model.kind().title()),
            });
        };
        let data = data_of(ckpt, path, data, text)?;
        let count = ckpt.eval_batches.unwrap_or(data.eval_batches());
        budget::check(&need(&data, &model.config, &ckpt.config, count))?;
        let mut evaluator = evaluator(&data, &model.config, &ckpt.config, count)?;
        let losses = evaluator.losses(model)?;
        say!(
            "{}: gpt, step {}, data {}: train loss {:.4}, {} loss {:.4} ({:.4} bits per byte)",
            path.display(),
            ckpt.step,
            data.id().source,
            losses[0],
            data.held_out(),
            losses[1],
            data.bits_per_byte(losses[1])?
        );
        Ok(())
    }

    fn request(
        ckpt: &Checkpoint,
        path: &Path,
        count: usize,
        chars: Option<usize>,
    ) -> Result<Request> {
        match (ckpt.data_kind(), chars) {
            (DataKind::Text, chars) => {
                let chars = chars.unwrap_or(CHARS);
                if chars == 0 {
                    return Err(Error::Config(format!(
                        "--chars 0 generates nothing: give at least 1 (or leave it out for {CHARS})"
                    )));
                }
                Ok(Request::Text { chars })
            }
            (DataKind::Names, Some(_)) => Err(Error::Config(format!(
                "{} was trained on names: --count says how many, not --chars",
                path.display()
            ))),
            (DataKind::Names, None) => Ok(Request::Names { count }),
        }
    }
}

/// The time per phase of a step, and the speed of the matrix products.
fn print_timing(config: &GptConfig, batch: usize, timing: &Timing) {
    if timing.steps == 0 {
        return;
    }
    let flops = trainer::flops(config, batch, config.block_size);
    let total = timing.per_step(timing.total());
    let gflops = |f: f64, us: f64| f / (us * 1e3);
    let (fw, bw) = (
        timing.per_step(timing.forward),
        timing.per_step(timing.backward),
    );
    say!(
        "  per step: batch {:.0} µs, forward {fw:.0} µs ({:.1} GFLOP/s), backward {bw:.0} µs ({:.1} GFLOP/s), clip + AdamW {:.0} µs; {:.3} GFLOP a step, {:.1} GFLOP/s overall",
        timing.per_step(timing.batch),
        gflops(flops.forward, fw),
        gflops(flops.backward, bw),
        timing.per_step(timing.update),
        (flops.forward + flops.backward) / 1e9,
        gflops(flops.forward + flops.backward, total)
    );
}
