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
use std::io::IsTerminal;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::words::{Corpus, Fingerprint, Vocab};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::output::{self as out_file, Output};
use backprop_ninja::models::model::{Model, ModelKind, Network, WithModel};
use backprop_ninja::train::{self, Dataset, Progress, TrainConfig, budget};
use backprop_ninja::{Backprop, Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::output::{self, say};
use super::{Impl, WithBackprop};

#[derive(clap::Args)]
pub struct Args {
    /// One word per line [default: the embedded corpus of 30,000 names; with
    /// --resume, the checkpoint's]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Whose backward passes to train with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
    /// Which model [default: mlp, or the checkpoint's with --resume]
    #[arg(long, value_enum)]
    model: Option<ModelKind>,
    /// Train up to this step [default: 200000, or the checkpoint's with --resume]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    steps: Option<usize>,
    /// [default: 32]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    batch_size: Option<usize>,
    /// [default: 0.1]
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f32>,
    /// The learning rate from --lr-decay-step on [default: 0.01]
    #[arg(long, allow_negative_numbers = true)]
    lr_decayed: Option<f32>,
    /// [default: 100000 (mlp), 150000 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    lr_decay_step: Option<usize>,
    /// [default: 10 (mlp), 24 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    n_embd: Option<usize>,
    /// [default: 200 (mlp), 128 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    n_hidden: Option<usize>,
    /// [default: 3 (mlp), 8 (wavenet)]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    block_size: Option<usize>,
    /// [default: 2147483647]
    #[arg(long)]
    seed: Option<u64>,
    /// Where to save the model (and checkpoints along the way).
    #[arg(long, default_value = "model.safetensors")]
    out: PathBuf,
    /// Print the loss and save a checkpoint every this many steps.
    #[arg(long, default_value_t = 10_000, value_parser = output::positive, allow_negative_numbers = true)]
    eval_every: usize,
    /// Continue the run saved in this file, with its settings and corpus.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// With --resume: continue on a corpus other than the checkpoint's.
    #[arg(long)]
    other_data: bool,
    /// How many names to sample at the end.
    #[arg(long, default_value_t = 20, value_parser = output::samples, allow_negative_numbers = true)]
    samples: usize,
}

/// `given` if it agrees with the checkpoint's `stored`, which it is by
/// default; refused, with both values, if it contradicts it.
fn agree<T: PartialEq + Display>(
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
        if let Some(asked) = args.model.filter(|&asked| asked != kind) {
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
    let kind = args.model.unwrap_or(ModelKind::Mlp);
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
        let out = self.args.out.display();
        let note = match saved {
            Some(step) => format!("{out} keeps the last good checkpoint, of step {step}"),
            None if self.resumed_into_out => {
                format!(
                    "{out} keeps the checkpoint it resumed from, of step {}",
                    self.start
                )
            }
            None if self.existed => format!("{out} was left as it was"),
            None => format!("nothing was saved to {out}"),
        };
        Error::Noted {
            error: Box::new(error),
            note,
        }
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
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(config.steps as u64).with_position(start as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos:>7}/{len:7}  {msg}  eta {eta}")
                    .expect("a valid template"),
            );
            bar
        });
        let every = args.eval_every;
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
