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
//! Any size or setting can be changed by its flag. As for the MLP, every
//! check that could lose work comes before the first step, `--resume`
//! continues the checkpoint's run with its settings (which a flag may repeat
//! but not contradict) on its data (checked by its fingerprint), and
//! `--out` is written atomically at every evaluation and at the end.

use std::cell::Cell;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::fnv1a64;
use backprop_ninja::corpus::text::{BatchSource, NameData, TextCorpus};
use backprop_ninja::corpus::{DataKind, Fingerprint};
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::output::{self as out_file, Claim, Output};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig, GptInit};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::Network;
use backprop_ninja::train::SAMPLE_SEED;
use backprop_ninja::train::budget::Need;
use backprop_ninja::train::eval::{EvalSet, Evaluator};
use backprop_ninja::train::gpt::{self as trainer, sample_names, sample_text};
use backprop_ninja::train::sampling::Sampling;
use backprop_ninja::train::{
    self, Optimizer, OptimizerConfig, Progress, Timing, TrainConfig, budget,
};
use backprop_ninja::{Backprop, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::implementation::{self, WithBackprop};
use super::interrupt;
use super::output::{self, ByName, say};
use super::run::{Common, Defaults, agree, data_of_checkpoint, kept, resume_checkpoint};

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
        help = format!("On text: how many characters to generate at the end [default: {CHARS}]"))]
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
pub(super) enum Data {
    Text(TextCorpus, Fingerprint),
    Names(NameData, Fingerprint),
}

impl Data {
    pub(super) fn id(&self) -> &Fingerprint {
        match self {
            Data::Text(_, id) | Data::Names(_, id) => id,
        }
    }

    /// The vocabulary's characters in token order (`.` first for names).
    fn vocab(&self) -> String {
        match self {
            Data::Text(c, _) => c.vocab.as_string(),
            Data::Names(n, _) => n.vocab.as_string(),
        }
    }

    fn train(&self) -> &(dyn BatchSource + 'static) {
        match self {
            Data::Text(c, _) => &c.train,
            Data::Names(n, _) => &n.train,
        }
    }

    /// Fails unless the vocabulary is the checkpoint `path`'s `vocab`.
    pub(super) fn check_vocab(&self, vocab: &str, path: &Path) -> Result<()> {
        if self.vocab() == vocab {
            return Ok(());
        }
        Err(Error::Data {
            path: PathBuf::from(&self.id().source),
            line: None,
            detail: format!(
                "its vocabulary {:?} is not the checkpoint {}'s {vocab:?}",
                self.vocab(),
                path.display(),
            ),
        })
    }

    fn describe(&self) -> String {
        match self {
            Data::Text(c, id) => format!(
                "{}, {} characters, vocabulary of {}, {}/{} train/val characters",
                id.source,
                id.len,
                c.vocab.len(),
                c.train.len(),
                c.val.len()
            ),
            Data::Names(n, id) => format!(
                "{}, {} names, vocabulary of {} ({}), block {} (the longest name + 1), {}/{} train/test names",
                id.source,
                id.len,
                n.vocab.len(),
                n.vocab.as_string(),
                n.block,
                n.train.len(),
                n.test.len()
            ),
        }
    }
}

pub(super) fn load_text(path: &Path) -> Result<Data> {
    let text = backprop_ninja::corpus::text::read_text(path)?;
    let corpus = TextCorpus::from_text(&text, path)?;
    let id = Fingerprint {
        kind: DataKind::Text,
        source: path.display().to_string(),
        len: text.chars().count(),
        hash: fnv1a64(text.bytes()),
    };
    Ok(Data::Text(corpus, id))
}

pub(super) fn load_names(path: Option<&Path>, seed: u64) -> Result<Data> {
    let corpus = super::bigram::load_corpus(path)?;
    let id = corpus.fingerprint();
    Ok(Data::Names(NameData::new(&corpus, seed)?, id))
}

/// The model, optimiser, run and data of a fresh run.
fn fresh(args: &GptArgs) -> Result<(Gpt<f32>, AdamWState<f32>, TrainConfig, Data)> {
    let (defaults, mut config, data) = match (&args.text, args.arch) {
        (Some(text), arch) => {
            let data = load_text(text)?;
            let vocab = data.vocab().chars().count();
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
            let data = load_names(args.data.as_deref(), seed)?;
            let Data::Names(names, _) = &data else {
                unreachable!("names were loaded")
            };
            let config = GptConfig::makemore(names.vocab.len(), names.block);
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
    run.validate()?;
    config.validate()?;
    if let Data::Names(names, _) = &data
        && config.block_size != names.block
    {
        return Err(Error::Config(format!(
            "names are rows of the longest name + 1 = {} positions: --block-size {} does not fit them",
            names.block, config.block_size
        )));
    }
    // The model and its batches; the evaluation batches are checked with
    // their number, once the run's is known.
    budget::check(&Need::Gpt {
        config: &config,
        batch: run.batch_size,
        eval_rows: EVAL_ROWS_NAMES,
        eval_batches: 0,
        splits: 0,
    })?;
    let model = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(run.seed))?;
    let opt = AdamWState::new(adamw(&run), &model)?;
    Ok((model, opt, run, data))
}

/// A GPT's checkpoint taken apart: the model, AdamW's state, the run, the
/// vocabulary, the data's fingerprint and the evaluation batches.
pub(super) struct GptParts {
    pub model: Gpt<f32>,
    pub adamw: AdamWState<f32>,
    pub step: usize,
    pub run: TrainConfig,
    pub vocab: String,
    pub data: Fingerprint,
    pub eval_batches: usize,
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
        })
    }
}

/// The checkpoint's model, optimiser, run and data, with the flags checked
/// against it.
#[allow(clippy::type_complexity)] // a run's parts, taken apart at once
fn resumed(
    args: &GptArgs,
    path: &Path,
    ckpt: GptParts,
) -> Result<(
    Gpt<f32>,
    AdamWState<f32>,
    TrainConfig,
    Data,
    usize,
    Option<usize>,
)> {
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
            load_text(&file).map_err(|e| match &args.text {
                None => data_of_checkpoint(e, path, "--text"),
                Some(_) => e,
            })?
        }
        DataKind::Names => {
            if args.text.is_some() {
                return Err(mismatch("--text (running text)"));
            }
            let file = args.data.clone().or_else(|| {
                (!stored.source.starts_with("embedded")).then(|| PathBuf::from(&stored.source))
            });
            load_names(file.as_deref(), run.seed).map_err(|e| match &args.data {
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
    data.check_vocab(&ckpt.vocab, path)?;
    let eval_batches = agree("eval-batches", args.eval_batches, ckpt.eval_batches, path)?;
    Ok((
        ckpt.model,
        ckpt.adamw,
        run,
        data,
        ckpt.step,
        Some(eval_batches),
    ))
}

/// The fixed evaluation batches of a run: on text, `count` batches of the
/// training batch size from each split; on names, `count` batches of
/// [`EVAL_ROWS_NAMES`] training rows, and every test name.
pub(super) fn evaluator(
    data: &Data,
    config: &GptConfig,
    run: &TrainConfig,
    count: usize,
) -> Result<(Evaluator, &'static str)> {
    let eval_seed = run.seed.wrapping_add(EVAL_SEED_OFFSET);
    let block = config.block_size;
    Ok(match data {
        Data::Text(c, _) => {
            c.check_block(block)?;
            budget::check(&Need::Gpt {
                config,
                batch: run.batch_size,
                eval_rows: run.batch_size,
                eval_batches: count,
                splits: 2,
            })?;
            let sets = (
                EvalSet::sampled("train", &c.train, run.batch_size, block, count, eval_seed)?,
                EvalSet::sampled("val", &c.val, run.batch_size, block, count, eval_seed)?,
            );
            (Evaluator::new(sets.0, sets.1), "val")
        }
        Data::Names(n, _) => {
            budget::check(&Need::Gpt {
                config,
                batch: run.batch_size,
                eval_rows: EVAL_ROWS_NAMES,
                eval_batches: count,
                splits: 1,
            })?;
            let train =
                EvalSet::sampled("train", &n.train, EVAL_ROWS_NAMES, block, count, eval_seed)?;
            let test = EvalSet::every_row("test", &n.test, EVAL_ROWS_NAMES)?;
            (Evaluator::new(train, test), "test")
        }
    })
}

impl WithBackprop for GptArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        run::<B>(&self)
    }
}

/// Runs `train gpt` with backward passes `B`.
fn run<B: Backprop>(args: &GptArgs) -> Result<()> {
    if B::NAME == "exercises" {
        implementation::ready::<B>(ModelKind::Gpt)?;
    }
    let chars = args.chars.unwrap_or(CHARS);
    if chars == 0 {
        return Err(Error::Config(format!(
            "--chars 0 generates nothing: give at least 1 (or leave it out for {CHARS})"
        )));
    }
    let (model, opt, run, data, start, eval_batches) = match &args.resume {
        Some(path) => {
            let ckpt = GptParts::of(resume_checkpoint(path, ModelKind::Gpt)?, path)?;
            say!("resuming {}", path.display());
            resumed(args, path, ckpt)?
        }
        None => {
            let (m, o, r, d) = fresh(args)?;
            (m, o, r, d, 0, args.eval_batches)
        }
    };
    let every = args.eval_every.unwrap_or(EVAL_EVERY);
    let config = model.config;
    let eval_batches = eval_batches.unwrap_or(match data {
        Data::Text(..) => EVAL_BATCHES_TEXT,
        Data::Names(..) => EVAL_BATCHES_NAMES,
    });
    let (evaluator, held_out) = evaluator(&data, &config, &run, eval_batches)?;
    // The output: not an input, writable, locked for the run.
    let source = &data.id().source;
    let inputs: Vec<(&str, &Path)> = args
        .text
        .iter()
        .map(|p| ("--text", p.as_path()))
        .chain(args.data.iter().map(|p| ("--data", p.as_path())))
        .chain((!source.starts_with("embedded")).then(|| ("the data", Path::new(source))))
        .chain(
            args.resume
                .iter()
                .filter(|r| !out_file::same_file(r, &args.out))
                .map(|p| ("--resume", p.as_path())),
        )
        .collect();
    let output = Output::claim(&args.out, &inputs, Claim::checkpoint(args.force))?;
    for stale in &output.removed {
        eprintln!(
            "note: removed {}, a temporary file left by a run that was stopped",
            stale.display()
        );
    }
    let existed = args.out.exists();
    Job {
        args,
        run,
        eval_batches,
        data,
        evaluator,
        held_out,
        every,
        start,
        chars,
        existed,
        _output: output,
    }
    .train::<B>(model, opt)
}

/// A GPT training run, once everything is checked.
struct Job<'a> {
    args: &'a GptArgs,
    run: TrainConfig,
    eval_batches: usize,
    data: Data,
    evaluator: Evaluator,
    held_out: &'static str,
    every: usize,
    start: usize,
    chars: usize,
    existed: bool,
    /// Held (locked) until the run ends.
    _output: Output,
}

impl Job<'_> {
    fn train<B: Backprop>(mut self, mut model: Gpt<f32>, opt: AdamWState<f32>) -> Result<()> {
        let (args, run, start) = (self.args, self.run, self.start);
        let catching = interrupt::catch()?;
        say!("data: {}", self.data.describe());
        let c = &adamw(&run);
        say!(
            "model: gpt, {}; backward passes from {}/",
            trainer::describe(&model),
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
        let held_out = self.held_out;
        let report = |step: usize, losses: &[f64]| {
            format!(
                "step {step:5}: train loss {:.4}, {held_out} loss {:.4}",
                losses[0], losses[1]
            )
        };
        // The first evaluation, the run's baseline: printed at step 0, silent
        // when resuming.
        let first = self.evaluator.checked(&model, start)?;
        if start == 0 {
            say!("{}", report(0, &first));
        }
        let bar = output::progress_bar(run.steps, start);
        let saved = Cell::new(None);
        let data_id = self.data.id().clone();
        let vocab = self.data.vocab();
        let make = |model: &Gpt<f32>, opt: &Optimizer, step: usize| Checkpoint {
            model: Network::Gpt(model.clone()),
            optimizer: opt.clone(),
            step,
            config: run,
            vocab: vocab.clone(),
            data: data_id.source.clone(),
            fingerprint: Some(data_id.clone()),
            eval_batches: Some(self.eval_batches),
        };
        let evaluator = &mut self.evaluator;
        let mut last = None;
        let mut opt = Optimizer::AdamW(opt);
        let every = self.every;
        let source = self.data.train();
        let mut at_eval = |model: &Gpt<f32>, opt: &Optimizer, step: usize| {
            // Garbage never replaces a good model: checked before saving.
            let losses = evaluator.checked(model, step)?;
            let line = report(step, &losses);
            match &bar {
                Some(bar) => bar.println(&line),
                None => say!("{line}"),
            }
            last = Some(losses);
            checkpoint::save(&args.out, &make(model, opt, step))?;
            saved.set(Some(step));
            Ok(())
        };
        let on_step = |p: Progress| {
            if let Some(bar) = &bar
                && (p.step.is_multiple_of(10) || p.step == p.steps)
            {
                bar.set_position(p.step as u64);
                bar.set_message(format!(
                    "loss {:.4}  {:>5.0} steps/s",
                    p.loss,
                    bar.per_sec()
                ));
            }
        };
        // Evaluated (and saved) every `every` steps, once the next step
        // shows the weights sound, and at the end.
        let mut train = || -> Result<Timing> {
            run.validate()?;
            if every == 0 {
                return Err(Error::Config("--eval-every must be at least 1".into()));
            }
            let timing = train::fit::<B, Gpt<f32>>(
                &mut model,
                &mut opt,
                source,
                &run.run(every),
                start,
                on_step,
                &mut at_eval,
            )?;
            if start < run.steps {
                at_eval(&model, &opt, run.steps)?;
            }
            Ok(timing)
        };
        let timing = train();
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let timing =
            timing.map_err(|e| interrupt::ended(e, &args.out, |e| self.kept(e, saved.get())))?;
        say!("saved {}", args.out.display());
        interrupt::after_last_step(run.steps, &args.out)?;
        drop(catching);
        print_timing(&model.config, run.batch_size, &timing);
        if let Some(losses) = last {
            say!(
                "final: train loss {:.4}, {held_out} loss {:.4}",
                losses[0],
                losses[1]
            );
        }
        if !output::closed() {
            match &self.data {
                Data::Text(c, _) => {
                    say!("sample ({} characters):", self.chars);
                    say!(
                        "{}",
                        sample_text(
                            &model,
                            &c.vocab,
                            "",
                            self.chars,
                            SAMPLE_SEED,
                            Sampling::default()
                        )?
                    );
                }
                Data::Names(n, _) => {
                    if args.samples > 0 {
                        say!("samples:");
                        for name in sample_names(
                            &model,
                            &n.vocab.as_string(),
                            "",
                            args.samples,
                            SAMPLE_SEED,
                            Sampling::default(),
                        )? {
                            say!("  {name}");
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// What an error leaves in `--out`.
    fn kept(&self, error: Error, saved: Option<usize>) -> Error {
        let args = self.args;
        let resumed_into_out =
            (args.resume.as_deref()).is_some_and(|r| out_file::same_file(r, &args.out));
        kept(
            &args.out,
            error,
            saved,
            resumed_into_out,
            self.start,
            self.existed,
        )
    }
}

/// The time per step, per phase, and the speed of the matrix products.
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
        "trained {} steps in {:.1} s ({total:.1} µs/step)",
        timing.steps,
        timing.total().as_secs_f64()
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
