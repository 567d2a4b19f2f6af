//! `train`: the MLP or the WaveNet, trained, saved and sampled; `--resume`.
//!
//! Before the first step, everything that could lose work is checked: the
//! settings (with `--resume`, the checkpoint's, which an option may repeat
//! but not contradict), the corpus (with `--resume`, the checkpoint's, by
//! its fingerprint), the memory the sizes need, and the output (not an
//! input, writable, locked against a second run). A model kind is one
//! [`ModelKind`] variant: [`Network::lecture_init`] builds it and
//! [`Network::with`] hands it to the [`Trainer`], with no match here.

use std::cell::Cell;
use std::fmt::Display;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::words::{Corpus, Fingerprint, Vocab};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::gpt_checkpoint;
use backprop_ninja::io::output::{self as out_file, Output};
use backprop_ninja::models::gpt::{Arch, Init};
use backprop_ninja::models::model::{Model, ModelKind, Network, WithModel};
use backprop_ninja::train::{self, Dataset, Progress, TrainConfig, budget};
use backprop_ninja::{Backprop, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::output::{self, say};
use super::{Impl, WithBackprop};

/// Fails on the first of `flags` given (`(flag, given)`): it is a setting of
/// `owner` alone.
pub(super) fn refuse_flags(flags: &[(&str, bool)], owner: &str) -> Result<()> {
    match flags.iter().find(|(_, given)| *given) {
        Some((flag, _)) => Err(Error::Config(format!("{flag} is a setting of {owner}"))),
        None => Ok(()),
    }
}

/// The MLP and the WaveNet print their loss and save a checkpoint every this
/// many steps, by default.
pub const EVAL_EVERY: usize = 10_000;

/// The models `train` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelChoice {
    /// The MLP of makemore part 4 (block 3, n_embd 10, n_hidden 200)
    Mlp,
    /// The hierarchical WaveNet of makemore part 5 (block 8, n_embd 24, n_hidden 128)
    Wavenet,
    /// Lecture 7's GPT: on running text with --text (the lecture's model,
    /// or with --arch its progression), or makemore's Transformer on names
    Gpt,
}

impl ModelChoice {
    /// The MLP's or the WaveNet's kind; `None` for the GPT.
    fn kind(self) -> Option<ModelKind> {
        match self {
            ModelChoice::Mlp => Some(ModelKind::Mlp),
            ModelChoice::Wavenet => Some(ModelKind::WaveNet),
            ModelChoice::Gpt => None,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// One word per line [default: the embedded corpus of 30,000 names; with
    /// --resume, the checkpoint's]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// --model gpt: a text file to train on, character by character (the
    /// lecture's tiny Shakespeare); the first 90% trains, the last 10%
    /// validates
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// Whose backward passes to train with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    /// Which model [default: mlp, or the checkpoint's with --resume]
    #[arg(long, value_enum)]
    pub model: Option<ModelChoice>,
    /// --model gpt: a step of the lecture's progression, on its small model
    /// (batch 32, block 8, n_embd 32, 4 heads, 3 blocks) [default: the full
    /// model at the notebook's size]
    #[arg(long, value_parser = parse_arch)]
    pub arch: Option<Arch>,
    /// Train up to this step [default: 200000 (mlp, wavenet), 5000 (gpt), or
    /// the checkpoint's with --resume]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// [default: 32; 16 for the GPT on text]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub batch_size: Option<usize>,
    /// [default: 0.1 (mlp, wavenet); AdamW's 1e-3 (gpt on text), 5e-4 (gpt on names)]
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f32>,
    /// The learning rate from --lr-decay-step on [default: 0.01]
    #[arg(long, allow_negative_numbers = true)]
    pub lr_decayed: Option<f32>,
    /// [default: 100000 (mlp), 150000 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub lr_decay_step: Option<usize>,
    /// [default: 10 (mlp), 24 (wavenet), 64 (gpt), 32 (gpt --arch)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub n_embd: Option<usize>,
    /// [default: 200 (mlp), 128 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub n_hidden: Option<usize>,
    /// [default: 3 (mlp), 8 (wavenet), 32 (gpt on text), 8 (gpt --arch),
    /// the longest name + 1 (gpt on names)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub block_size: Option<usize>,
    /// --model gpt: attention heads per block [default: 4]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub n_head: Option<usize>,
    /// --model gpt: blocks [default: 4; 3 with --arch]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub n_layer: Option<usize>,
    /// --model gpt: how the parameters start: `torch` (PyTorch's defaults,
    /// the lecture's) or `normal02` (makemore's N(0, 0.02²) weights, zero
    /// biases) [default: torch]
    #[arg(long, value_parser = parse_init)]
    pub init: Option<Init>,
    /// --model gpt: clip the gradients' norm at this; 0 for no clipping
    /// [default: 1 on names, as makemore; none on text, as the lecture]
    #[arg(long, allow_negative_numbers = true)]
    pub clip: Option<f64>,
    /// [default: 2147483647 (mlp, wavenet); 1337 (gpt on text), 3407 (gpt on names)]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to save the model (and checkpoints along the way).
    #[arg(long, default_value = "model.safetensors")]
    pub out: PathBuf,
    /// Print the loss and save a checkpoint every this many steps [default:
    /// 10000; 500 for the GPT, which evaluates on fixed batches]
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true)]
    pub eval_every: Option<usize>,
    /// --model gpt: fixed evaluation batches per split [default: 200 of the
    /// training batch size on text (the lecture's eval_iters); on names 10
    /// batches of 100 training rows, and every test name]
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true)]
    pub eval_batches: Option<usize>,
    /// Continue the run saved in this file, with its settings and corpus.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// With --resume: continue on a corpus other than the checkpoint's.
    #[arg(long)]
    pub other_data: bool,
    /// How many names to sample at the end.
    #[arg(long, default_value_t = 20, value_parser = output::samples, allow_negative_numbers = true)]
    pub samples: usize,
    /// --model gpt on text: how many characters to generate at the end [default: 500]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub chars: Option<usize>,
}

/// An initialisation, by name.
fn parse_init(s: &str) -> std::result::Result<Init, String> {
    Init::from_name(s).ok_or_else(|| format!("{s:?} is not an initialisation: torch or normal02"))
}

/// A step of the lecture's progression, by name.
fn parse_arch(s: &str) -> std::result::Result<Arch, String> {
    Arch::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Arch::ALL.iter().map(|a| a.name()).collect();
        format!(
            "{s:?} is not a step of the lecture: one of {}",
            names.join(", ")
        )
    })
}

/// `given` if it agrees with the checkpoint's `stored`, which it is by
/// default; refused, with both values, if it contradicts it.
pub(super) fn agree<T: PartialEq + Display>(
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

/// The corpus of a run: `--data`, or with `--resume` the checkpoint's,
/// which `--data` must match unless `--other-data`.
fn corpus(args: &Args, resumed: Option<(&Path, &Checkpoint)>) -> Result<Corpus> {
    let Some((path, ckpt)) = resumed else {
        return super::bigram::load_corpus(args.data.as_deref());
    };
    let corpus = match &args.data {
        Some(data) => Corpus::from_file(data)?,
        None if ckpt.data.starts_with("embedded") => Corpus::embedded(),
        None => Corpus::from_file(Path::new(&ckpt.data)).map_err(|e| Error::Noted {
            error: Box::new(e),
            note: format!(
                "the checkpoint {} was trained on it: pass --data with its corpus",
                path.display()
            ),
        })?,
    };
    let here = corpus.fingerprint();
    let other = ckpt.fingerprint.as_ref().filter(|f| !f.same_words(&here));
    if let (Some(stored), false) = (other, args.other_data) {
        return Err(Error::Data {
            path: PathBuf::from(&corpus.source),
            line: None,
            detail: format!(
                "not the corpus the checkpoint {} was trained on ({stored}; this one has {} words, hash {:016x}): pass --other-data to continue on it anyway",
                path.display(),
                here.words,
                here.hash
            ),
        });
    }
    corpus.check_vocab(&ckpt.vocab, &format!("the checkpoint {}", path.display()))?;
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

fn plan(args: &Args, resumed: Option<(&Path, Checkpoint)>, corpus: &Corpus) -> Result<Plan> {
    if let Some((path, ckpt)) = resumed {
        let kind = ckpt.model.kind();
        if let Some(asked) = args
            .model
            .and_then(ModelChoice::kind)
            .filter(|&asked| asked != kind)
        {
            return Err(Error::Config(format!(
                "--model {} contradicts the checkpoint {}, which holds a {}",
                asked.name(),
                path.display(),
                kind.name()
            )));
        }
        let h = ckpt.model.hyper();
        agree("n-embd", args.n_embd, h.n_embd, path)?;
        agree("n-hidden", args.n_hidden, h.n_hidden, path)?;
        agree("block-size", args.block_size, h.block, path)?;
        let c = ckpt.config;
        let config = TrainConfig {
            steps: args.steps.unwrap_or(c.steps),
            batch_size: agree("batch-size", args.batch_size, c.batch_size, path)?,
            lr: agree("lr", args.lr, c.lr, path)?,
            lr_decayed: agree("lr-decayed", args.lr_decayed, c.lr_decayed, path)?,
            lr_decay_step: agree("lr-decay-step", args.lr_decay_step, c.lr_decay_step, path)?,
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
        return Ok(Plan {
            kind,
            config,
            start: ckpt.step,
            model: Start::Resume(ckpt.model),
            vocab: ckpt.vocab,
        });
    }
    let kind = args
        .model
        .and_then(ModelChoice::kind)
        .unwrap_or(ModelKind::Mlp);
    let lecture = TrainConfig::lecture(kind);
    let config = TrainConfig {
        steps: args.steps.unwrap_or(lecture.steps),
        batch_size: args.batch_size.unwrap_or(lecture.batch_size),
        lr: args.lr.unwrap_or(lecture.lr),
        lr_decayed: args.lr_decayed.unwrap_or(lecture.lr_decayed),
        lr_decay_step: args.lr_decay_step.unwrap_or(lecture.lr_decay_step),
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

impl WithBackprop for Args {
    fn run<B: Backprop>(self) -> Result<()> {
        let args = &self;
        // The GPT has its own trainer: chosen by --model gpt, or by the
        // checkpoint --resume continues.
        let resumed_kind = match &args.resume {
            Some(path) => Some(gpt_checkpoint::model_kind(path)?),
            None => None,
        };
        match (args.model, resumed_kind.as_deref()) {
            (Some(ModelChoice::Gpt), None | Some(gpt_checkpoint::MODEL))
            | (None, Some(gpt_checkpoint::MODEL)) => return super::gpt::run::<B>(args),
            (Some(ModelChoice::Gpt), Some(other)) => {
                return Err(Error::Checkpoint {
                    path: args.resume.clone().expect("resumed"),
                    detail: format!(
                        "it holds a {other}, not a GPT: resume it with --model {other}"
                    ),
                });
            }
            (Some(asked), Some(gpt_checkpoint::MODEL)) => {
                return Err(Error::Checkpoint {
                    path: args.resume.clone().expect("resumed"),
                    detail: format!(
                        "it holds a GPT, not a {}: resume it with --model gpt",
                        asked.kind().expect("not the GPT").name()
                    ),
                });
            }
            _ => {}
        }
        let gpt_only = [
            ("--text", args.text.is_some()),
            ("--arch", args.arch.is_some()),
            ("--n-head", args.n_head.is_some()),
            ("--n-layer", args.n_layer.is_some()),
            ("--clip", args.clip.is_some()),
            ("--init", args.init.is_some()),
            ("--eval-batches", args.eval_batches.is_some()),
            ("--chars", args.chars.is_some()),
        ];
        refuse_flags(&gpt_only, "--model gpt, not of the MLP and the WaveNet")?;
        let resumed = match &args.resume {
            Some(path) => Some((path.as_path(), checkpoint::load(path)?)),
            None => {
                if args.other_data {
                    return Err(Error::Config("--other-data is for --resume".into()));
                }
                None
            }
        };
        let corpus = corpus(args, resumed.as_ref().map(|(p, c)| (*p, c)))?;
        let plan = plan(args, resumed, &corpus)?;
        plan.config.validate()?;
        if B::NAME == "exercises" {
            super::ready::<B>(plan.kind.into())?;
        }
        let hyper = match &plan.model {
            Start::Resume(network) => network.hyper(),
            Start::Fresh(hyper) => *hyper,
        };
        budget::check(plan.kind, hyper, plan.config.batch_size, examples(&corpus))?;
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
        let output = Output::claim(&args.out, &inputs)?;
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
        network.with(Trainer::<B> {
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
struct Trainer<'a, B> {
    args: &'a Args,
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

impl<B: Backprop> Trainer<'_, B> {
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

/// `error`, noted with what it leaves in `out`: the last good checkpoint
/// (of step `saved`), the checkpoint a run resumed into `out` from (of step
/// `start`), the file as it was, or nothing.
pub(super) fn kept(
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

impl<B: Backprop> WithModel for Trainer<'_, B> {
    type Output = Result<()>;

    fn run<M: Model + Into<Network>>(self, mut model: M) -> Result<()> {
        let (args, corpus, config, start) = (self.args, self.corpus, self.config, self.start);
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
        let make_ckpt = |model: &M, step: usize| Checkpoint {
            model: model.clone().into(),
            vocab: self.vocab.clone(),
            step,
            config,
            data: corpus.source.clone(),
            fingerprint: Some(self.fingerprint.clone()),
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
        let saved = Cell::new(None);
        let save_checkpoint = |model: &M, step: usize| {
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
        let seconds = trained.map_err(|e| self.kept(e, saved.get()))?;
        let steps = config.steps - start;
        say!(
            "trained {steps} steps in {seconds:.1} s ({:.1} µs/step)",
            seconds * 1e6 / steps as f64
        );
        model.finish_training(&data.train.x)?;
        // Save before printing anything more: a closed stdout loses nothing.
        checkpoint::save(&args.out, &make_ckpt(&model, config.steps))
            .map_err(|e| self.kept(e, saved.get()))?;
        say!("saved {}", args.out.display());
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
