//! `train`: the command ([`Args`]: `train mlp|wavenet|gpt`, each model with
//! its own options, `train` alone the MLP's), and the MLP or the WaveNet
//! ([`NetArgs`]) trained, saved and sampled; `--resume`. The GPT's run is
//! [`super::gpt`]'s; the options every model shares are
//! [`super::run::Common`].
//!
//! Before the first step, everything that could lose work is checked: the
//! settings (with `--resume`, the checkpoint's, which an option may repeat
//! but not contradict), the corpus (with `--resume`, the checkpoint's, by
//! its fingerprint), the memory the sizes need, and the output (not an
//! input, a regular file the crate wrote or a new one, writable, locked
//! against a second run: [`Output::claim`]). A model kind is one
//! [`ModelKind`] variant: [`Network::lecture_init`] builds it and
//! [`Network::with`] hands it to the [`Trainer`], with no match here.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::Fingerprint;
use backprop_ninja::corpus::words::{Corpus, Vocab};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::output::{self as out_file, Claim, Output};
use backprop_ninja::models::gpt::Gpt;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::{Model, Network, WithModel};
use backprop_ninja::train::budget::Need;
use backprop_ninja::train::eval::{EvalSet, Evaluator};
use backprop_ninja::train::{
    self, Dataset, Optimizer, OptimizerConfig, Progress, Schedule, TrainConfig, budget,
};
use backprop_ninja::{Backprop, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::gpt::GptArgs;
use super::implementation::{self, WithBackprop};
use super::interrupt;
use super::output::{self, say};
use super::run::{Common, Defaults, agree, data_of_checkpoint, kept, resume_checkpoint};

/// The MLP and the WaveNet print their loss and save a checkpoint every this
/// many steps, by default.
pub const EVAL_EVERY: usize = 10_000;

/// `train`: `train mlp`, `train wavenet` or `train gpt`, each with its own
/// options; `train` alone is `train mlp`, its options given after `train`.
#[derive(clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_value_name = "MODEL",
    subcommand_help_heading = "Models"
)]
pub struct Args {
    #[command(subcommand)]
    pub model: Option<TrainModel>,
    /// `train` alone: the MLP's options.
    #[command(flatten)]
    pub mlp: NetArgs<MlpDefaults>,
}

/// The models `train` knows, each with its options.
#[derive(clap::Subcommand)]
pub enum TrainModel {
    /// The MLP of makemore part 4 (block 3, n_embd 10, n_hidden 200); `train`
    /// alone trains it
    Mlp(NetArgs<MlpDefaults>),
    /// The hierarchical WaveNet of makemore part 5 (block 8, n_embd 24,
    /// n_hidden 128)
    Wavenet(NetArgs<WaveNetDefaults>),
    /// Lecture 7's GPT: on running text with --text (the lecture's model, or
    /// with --arch its progression), or makemore's Transformer on names
    Gpt(Box<GptArgs>),
}

impl Args {
    /// Trains the model asked for, with the backward passes `--impl` names.
    pub fn run(self) -> Result<()> {
        match self.model {
            None => self.mlp.implementation.run(self.mlp),
            Some(TrainModel::Mlp(args)) => args.implementation.run(args),
            Some(TrainModel::Wavenet(args)) => args.implementation.run(args),
            Some(TrainModel::Gpt(args)) => args.implementation.run(*args),
        }
    }
}

/// The MLP or the WaveNet, whose defaults `--help` shows: the lecture's.
pub trait NetDefaults {
    const KIND: ModelKind;
}

/// `train mlp`.
pub struct MlpDefaults;
impl NetDefaults for MlpDefaults {
    const KIND: ModelKind = ModelKind::Mlp;
}

/// `train wavenet`.
pub struct WaveNetDefaults;
impl NetDefaults for WaveNetDefaults {
    const KIND: ModelKind = ModelKind::WaveNet;
}

impl<K: NetDefaults> Defaults for K {
    fn steps() -> String {
        TrainConfig::lecture(K::KIND).steps.to_string()
    }
    fn batch_size() -> String {
        TrainConfig::lecture(K::KIND).batch_size.to_string()
    }
    fn lr() -> String {
        format!(
            "SGD's {}, until --lr-decay-step",
            Schedule::lecture(K::KIND).lr
        )
    }
    fn seed() -> String {
        TrainConfig::lecture(K::KIND).seed.to_string()
    }
    fn n_embd() -> String {
        train::hyper_for(K::KIND, 0).n_embd.to_string()
    }
    fn block_size() -> String {
        train::hyper_for(K::KIND, 0).block.to_string()
    }
    fn eval_every() -> String {
        EVAL_EVERY.to_string()
    }
}

/// `train mlp` and `train wavenet`: the common options, and the MLP's and
/// the WaveNet's own (SGD's step decay, the hidden layer).
#[derive(clap::Args)]
pub struct NetArgs<K: NetDefaults> {
    #[command(flatten)]
    pub common: Common<K>,
    #[arg(long, allow_hyphen_values = true,
        help = format!("The learning rate from --lr-decay-step on [default: {}]", Schedule::lecture(K::KIND).lr_decayed))]
    pub lr_decayed: Option<f32>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The step from which the learning rate is --lr-decayed [default: {}]", Schedule::lecture(K::KIND).lr_decay_step))]
    pub lr_decay_step: Option<usize>,
    #[arg(long, value_parser = output::count, allow_negative_numbers = true,
        help = format!("The size of the hidden layer [default: {}]", train::hyper_for(K::KIND, 0).n_hidden))]
    pub n_hidden: Option<usize>,
}

/// The common options read as the model's own: `args.steps` is
/// `args.common.steps`.
impl<K: NetDefaults> Deref for NetArgs<K> {
    type Target = Common<K>;
    fn deref(&self) -> &Common<K> {
        &self.common
    }
}

/// The corpus of a run: `--data`, or with `--resume` the checkpoint's,
/// which `--data` must match unless `--other-data`.
fn corpus<K: NetDefaults>(
    args: &NetArgs<K>,
    resumed: Option<(&Path, &Checkpoint)>,
) -> Result<Corpus> {
    let Some((path, ckpt)) = resumed else {
        return super::bigram::load_corpus(args.data.as_deref());
    };
    let corpus = match &args.data {
        Some(data) => Corpus::from_file(data)?,
        None if ckpt.data.starts_with("embedded") => Corpus::embedded(),
        None => Corpus::from_file(Path::new(&ckpt.data))
            .map_err(|e| data_of_checkpoint(e, path, "--data"))?,
    };
    let here = corpus.fingerprint();
    let other = ckpt.fingerprint.as_ref().filter(|f| !f.same_data(&here));
    if let (Some(stored), false) = (other, args.other_data) {
        return Err(Error::Data {
            path: PathBuf::from(&corpus.source),
            line: None,
            detail: format!(
                "not the corpus the checkpoint {} was trained on ({stored}; this one has {} words, hash {:016x}): pass --other-data to continue on it anyway",
                path.display(),
                here.len,
                here.hash
            ),
        });
    }
    corpus.check_vocab(
        &ckpt.word_vocab(path)?,
        &format!("the checkpoint {}", path.display()),
    )?;
    Ok(corpus)
}

/// Where a run starts.
#[allow(clippy::large_enum_variant)] // one per run
enum Start {
    /// `--resume`: the checkpoint's network.
    Resume(Network),
    /// A new network of these sizes.
    Fresh(Hyper),
}

/// The kind, sizes and settings of the run, and the step it starts from.
struct Plan {
    kind: ModelKind,
    config: TrainConfig,
    start: usize,
    model: Start,
    vocab: Vocab,
}

fn plan<K: NetDefaults>(
    args: &NetArgs<K>,
    resumed: Option<(&Path, Checkpoint)>,
    corpus: &Corpus,
) -> Result<Plan> {
    if let Some((path, ckpt)) = resumed {
        let kind = ckpt.model.kind();
        if kind != K::KIND {
            return Err(Error::Config(format!(
                "`train {}` contradicts the checkpoint {}, which holds a {}: resume it with `train {}`",
                K::KIND.name(),
                path.display(),
                kind.name(),
                kind.name()
            )));
        }
        let h = ckpt.model.hyper().ok_or_else(|| {
            Error::Config(format!("`train {}` resumes a word model", K::KIND.name()))
        })?;
        agree("n-embd", args.n_embd, h.n_embd, path)?;
        agree("n-hidden", args.n_hidden, h.n_hidden, path)?;
        agree("block-size", args.block_size, h.block, path)?;
        let c = ckpt.config;
        let s = c.sgd().ok_or_else(|| {
            Error::Config(format!(
                "the checkpoint {} holds no SGD schedule for its {}",
                path.display(),
                kind.name()
            ))
        })?;
        let config = TrainConfig {
            steps: args.steps.unwrap_or(c.steps),
            batch_size: agree("batch-size", args.batch_size, c.batch_size, path)?,
            optimizer: OptimizerConfig::Sgd(Schedule {
                lr: agree("lr", args.lr, s.lr, path)?,
                lr_decayed: agree("lr-decayed", args.lr_decayed, s.lr_decayed, path)?,
                lr_decay_step: agree("lr-decay-step", args.lr_decay_step, s.lr_decay_step, path)?,
            }),
            clip: None,
            seed: agree("seed", args.seed, c.seed, path)?,
        };
        if config.steps <= ckpt.step {
            return Err(Error::Config(format!(
                "nothing left to train: the checkpoint {} is at step {} and --steps is {}; pass --steps above {} to train further",
                path.display(),
                ckpt.step,
                config.steps,
                ckpt.step
            )));
        }
        let vocab = ckpt.word_vocab(path)?;
        return Ok(Plan {
            kind,
            config,
            start: ckpt.step,
            model: Start::Resume(ckpt.model),
            vocab,
        });
    }
    let kind = K::KIND;
    let lecture = TrainConfig::lecture(kind);
    let schedule = Schedule::lecture(kind);
    let config = TrainConfig {
        steps: args.steps.unwrap_or(lecture.steps),
        batch_size: args.batch_size.unwrap_or(lecture.batch_size),
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr: args.lr.unwrap_or(schedule.lr),
            lr_decayed: args.lr_decayed.unwrap_or(schedule.lr_decayed),
            lr_decay_step: args.lr_decay_step.unwrap_or(schedule.lr_decay_step),
        }),
        clip: None,
        seed: args.seed.unwrap_or(lecture.seed),
    };
    if config.steps == 0 {
        return Err(Error::Config("nothing to train: --steps is 0".into()));
    }
    let vocab = Vocab::from_words(&corpus.words);
    let sizes = train::hyper_for(kind, vocab.len());
    let hyper = Hyper {
        vocab: vocab.len(),
        block: args.block_size.unwrap_or(sizes.block),
        n_embd: args.n_embd.unwrap_or(sizes.n_embd),
        n_hidden: args.n_hidden.unwrap_or(sizes.n_hidden),
    };
    Ok(Plan {
        kind,
        config,
        start: 0,
        model: Start::Fresh(hyper),
        vocab,
    })
}

/// The (context, next) pairs the corpus makes, whatever the block size.
pub fn examples(corpus: &Corpus) -> usize {
    corpus.words.iter().map(|w| w.chars().count() + 1).sum()
}

impl<K: NetDefaults> WithBackprop for NetArgs<K> {
    fn run<B: Backprop>(self) -> Result<()> {
        let args = &self;
        let resumed = match &args.resume {
            Some(path) => Some((path.as_path(), resume_checkpoint(path, K::KIND)?)),
            None => None,
        };
        let corpus = corpus(args, resumed.as_ref().map(|(p, c)| (*p, c)))?;
        let plan = plan(args, resumed, &corpus)?;
        plan.config.validate()?;
        if B::NAME == "exercises" {
            implementation::ready::<B>(plan.kind)?;
        }
        let hyper = match &plan.model {
            Start::Resume(network) => network.hyper().ok_or_else(|| {
                Error::Config(format!("`train {}` resumes a word model", K::KIND.name()))
            })?,
            Start::Fresh(hyper) => *hyper,
        };
        budget::check(&Need::Words {
            kind: plan.kind,
            hyper,
            batch: plan.config.batch_size,
            examples: examples(&corpus),
        })?;
        hyper.validate()?;
        let inputs: Vec<(&str, &Path)> = args
            .data
            .iter()
            .map(|d| ("--data", d.as_path()))
            .chain(
                (args.data.is_none() && !corpus.source.starts_with("embedded"))
                    .then(|| ("the corpus", Path::new(&corpus.source))),
            )
            .collect();
        let output = Output::claim(&args.out, &inputs, Claim::checkpoint(args.force))?;
        for stale in &output.removed {
            eprintln!(
                "note: removed {}, a temporary file left by a run that was stopped",
                stale.display()
            );
        }
        let network = match plan.model {
            Start::Resume(network) => {
                say!(
                    "resuming {} at step {} (seed {})",
                    args.resume.as_ref().expect("resumed").display(),
                    plan.start,
                    plan.config.seed
                );
                network
            }
            Start::Fresh(hyper) => Network::lecture_init(
                plan.kind,
                hyper,
                &mut ChaCha8Rng::seed_from_u64(plan.config.seed),
            )?,
        };
        let existed = args.out.exists();
        network.with(Trainer::<B, K> {
            args,
            corpus: &corpus,
            fingerprint: corpus.fingerprint(),
            vocab: plan.vocab,
            config: plan.config,
            start: plan.start,
            resumed_into_out: args
                .resume
                .as_deref()
                .is_some_and(|r| out_file::same_file(r, &args.out)),
            existed,
            _output: output,
            _backprop: PhantomData,
        })
    }
}

/// A training run, once its model is built.
struct Trainer<'a, B, K: NetDefaults> {
    args: &'a NetArgs<K>,
    corpus: &'a Corpus,
    fingerprint: Fingerprint,
    vocab: Vocab,
    config: TrainConfig,
    start: usize,
    /// `--out` is the file `--resume` read.
    resumed_into_out: bool,
    /// `--out` existed before the run.
    existed: bool,
    /// Held (locked) until the run ends.
    _output: Output,
    _backprop: PhantomData<B>,
}

impl<B: Backprop, K: NetDefaults> Trainer<'_, B, K> {
    /// What an error leaves in `--out`.
    fn kept(&self, error: Error, saved: Option<usize>) -> Error {
        kept(
            &self.args.out,
            error,
            saved,
            self.resumed_into_out,
            self.start,
            self.existed,
        )
    }
}

impl<B: Backprop, K: NetDefaults> WithModel for Trainer<'_, B, K> {
    type Output = Result<()>;

    /// Never reached: [`plan`] refuses a checkpoint of another kind.
    fn run_gpt(self, _model: Gpt<f32>) -> Result<()> {
        Err(Error::Config(format!(
            "`train {}` does not train a GPT: use `train gpt`",
            K::KIND.name()
        )))
    }

    fn run<M: Model + Into<Network>>(self, mut model: M) -> Result<()> {
        let (args, corpus, config, start) = (self.args, self.corpus, self.config, self.start);
        let catching = interrupt::catch()?;
        let data =
            Dataset::with_vocab(corpus, self.vocab.clone(), model.hyper().block, config.seed)?;
        say!(
            "data: {}, {} words, vocabulary of {} ({}), {}/{}/{} train/val/test examples",
            corpus.source,
            corpus.words.len(),
            self.vocab.len(),
            self.vocab.as_string(),
            data.train.len(),
            data.val.len(),
            data.test.len()
        );
        let h = model.hyper();
        say!(
            "model: {} with {} parameters (block {}, n_embd {}, n_hidden {}), backward passes from {}/",
            M::NAME,
            model.num_params(),
            h.block,
            h.n_embd,
            h.n_hidden,
            B::NAME
        );
        let schedule = config
            .sgd()
            .ok_or_else(|| Error::Config(format!("the {} trains with SGD", M::NAME)))?;
        let make_ckpt = |model: &M, step: usize| Checkpoint {
            model: model.clone().into(),
            optimizer: Optimizer::Sgd(schedule),
            step,
            config,
            vocab: self.vocab.as_string(),
            data: corpus.source.clone(),
            fingerprint: Some(self.fingerprint.clone()),
            eval_batches: None,
        };
        let bar = output::progress_bar(config.steps, start);
        let every = args.eval_every.unwrap_or(EVAL_EVERY);
        let on_step = |p: Progress| {
            if let Some(bar) = &bar {
                if p.step.is_multiple_of(100) || p.step == p.steps {
                    bar.set_position(p.step as u64);
                    bar.set_message(format!(
                        "loss {:.4}  {:>6.0} steps/s",
                        p.loss,
                        bar.per_sec()
                    ));
                }
                if p.step.is_multiple_of(every) {
                    bar.println(format!(
                        "{:7}/{:7}: {:.4}  (lr {})",
                        p.step, p.steps, p.loss, p.lr
                    ));
                }
            } else if p.step.is_multiple_of(every) || p.step == start + 1 {
                say!("{:7}/{:7}: {:.4}  (lr {})", p.step, p.steps, p.loss, p.lr);
            }
        };
        // Garbage never replaces a good model: every checkpoint is
        // evaluated on the whole validation split, and checked, before it
        // is saved; the first evaluation is the run's baseline.
        let mut evaluator = Evaluator::held_out_only(EvalSet::whole("val", data.val.clone()));
        evaluator.checked(&model, start)?;
        let saved = Cell::new(None);
        let save_checkpoint = |model: &M, step: usize| {
            evaluator.checked(model, step)?;
            checkpoint::save(&args.out, &make_ckpt(model, step))?;
            saved.set(Some(step));
            Ok(())
        };
        let trained = train::train::<B, M>(
            &mut model,
            &data.train,
            &config,
            start,
            every,
            on_step,
            save_checkpoint,
        );
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let seconds =
            trained.map_err(|e| interrupt::ended(e, &args.out, |e| self.kept(e, saved.get())))?;
        let steps = config.steps - start;
        say!(
            "trained {steps} steps in {seconds:.1} s ({:.1} µs/step)",
            seconds * 1e6 / steps as f64
        );
        model.finish_training(&data.train.x)?;
        // Save before printing anything more: a closed stdout loses nothing.
        evaluator
            .checked(&model, config.steps)
            .and_then(|_| checkpoint::save(&args.out, &make_ckpt(&model, config.steps)))
            .map_err(|e| self.kept(e, saved.get()))?;
        say!("saved {}", args.out.display());
        interrupt::after_last_step(config.steps, &args.out)?;
        drop(catching);
        output::print_losses(&model, &data)?;
        if args.samples > 0 && !output::closed() {
            say!("samples:");
            for word in train::sample(&model, &self.vocab, args.samples, "", config.seed)? {
                say!("  {word}");
            }
        }
        Ok(())
    }
}
