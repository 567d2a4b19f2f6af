//! What every model's `train` shares: the options of [`Common`], flattened
//! into `train mlp`, `train wavenet` and `train gpt`; the one runner,
//! [`train`], that takes any model from its options to a saved, sampled
//! model through the model's own [`Recipe`]; what `--resume` checks
//! ([`agree`]); what a failed run leaves ([`kept`]); and the kind of model
//! a checkpoint holds ([`held_model`]), noting a file without checksums.
//!
//! Each model's options struct is `Common<D>` and its own options. `D`
//! ([`Defaults`]) says, in `--help`, what the model's defaults are; the
//! options stay unset when not given, so that `--resume` can tell an option
//! that repeats or contradicts the checkpoint's setting from one left out.
//!
//! [`train`] is the same for every model: the backward passes ready, the
//! settings and the data checked ([`Recipe::plan`], with `--resume` against
//! the checkpoint), the memory budget, the evaluation, the output claimed
//! ([`Output::claim`]), then the training loop with Ctrl-C caught, every
//! checkpoint evaluated and checked before it is saved, the last one saved
//! before anything more is printed, and samples drawn by the one sampler.
//! What differs between models (their settings, their data, what they
//! print) is their [`Recipe`]'s.

use std::cell::Cell;
use std::fmt::Display;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use backprop_ninja::corpus::Fingerprint;
use backprop_ninja::corpus::codec::CodecId;
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::checksum::Integrity;
use backprop_ninja::io::output::{self as out_file, Claim, Output};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::{Network, Trainable};
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::tokenizer::codec::is_tokenizer;
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::eval::{Evaluate, Evaluator};
use backprop_ninja::train::generate::{Request, generate};
use backprop_ninja::train::sampling::Sampling;
use backprop_ninja::train::{self, Optimizer, Progress, Timing, TrainConfig};
use backprop_ninja::{Backprop, Error, Result};

use super::implementation::{self, Impl, WithBackprop};
use super::interrupt;
use super::output::{self, say};

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
    not_chat(checkpoint::load(path)?, path)
}

/// Refuses a fine-tuned chat model (`sft`), whose vocabulary is a chat
/// format's, where a model of `train` is expected, saying what reads it.
fn not_chat(ckpt: Checkpoint, path: &Path) -> Result<Checkpoint> {
    if backprop_ninja::chat::format::ChatFormat::is_record(&ckpt.vocab) {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: "it is a chat model fine-tuned by `sft`: talk to it with `chat`, evaluate it with `eval-tasks`, continue it with `sft --resume`".into(),
        });
    }
    Ok(ckpt)
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
    not_chat(checkpoint::load(path)?, path)
}

/// A model's own part of `train`, `eval` and `sample`: its settings, its
/// data and what it prints. [`train`] runs every model through it.
pub trait Recipe: Sized {
    /// What `--help` shows as the defaults of the common options.
    type Defaults: Defaults;
    /// The model trained.
    type Model: Trainable + Evaluate + Into<Network>;
    /// The sizes a fresh model is built with.
    type Sizes;
    /// The run's data, loaded and checked (with `--resume`, against the
    /// checkpoint's fingerprint and vocabulary).
    type Data;
    /// What the run trains and evaluates on, built from the data once the
    /// memory budget allows it.
    type Split;
    const KIND: ModelKind;
    /// Evaluate, print and save a checkpoint every this many steps, by
    /// default.
    const EVAL_EVERY: usize;
    /// Move the progress bar every this many steps.
    const BAR_EVERY: usize;

    fn common(&self) -> &Common<Self::Defaults>;
    /// The exercises its options need beyond the model's (`--impl
    /// exercises`): none by default.
    fn needs(&self) -> Vec<Exercise> {
        vec![]
    }
    /// Refusals that need nothing read.
    fn check(&self) -> Result<()> {
        Ok(())
    }
    /// The run: fresh, or the checkpoint `resumed` continued with its
    /// settings (an option may repeat a setting, not change it) on its
    /// data.
    fn plan(&self, resumed: Option<(&Path, Checkpoint)>) -> Result<Planned<Self>>;
    /// What the run needs in memory, for the one budget.
    fn need<'a>(begin: &'a Begin<Self>, plan: &'a Plan<Self>) -> Need<'a>;
    /// The examples or batches the run trains on, and the evaluation of
    /// every checkpoint.
    fn split(&self, begin: &Begin<Self>, plan: &Plan<Self>) -> Result<(Self::Split, Evaluator)>;
    /// A fresh model of `sizes`, seeded with `seed`.
    fn build(sizes: &Self::Sizes, seed: u64) -> Result<Self::Model>;
    /// The files the run reads (which `--out` must not be), by the option
    /// that names them.
    fn inputs<'a>(&'a self, data: &'a Self::Data) -> Vec<(&'static str, &'a Path)>;
    /// The vocabulary (its characters in token order), the fingerprint of
    /// the data and the codec that encoded it, as the checkpoint records
    /// them.
    fn identity(data: &Self::Data) -> Result<(String, Fingerprint, Option<CodecId>)>;
    /// The data, the model and the training, in lines before the first
    /// step.
    fn announce<B: Backprop>(&self, plan: &Plan<Self>, split: &Self::Split, model: &Self::Model);
    /// What the training loop draws its batches from.
    fn batches<'a>(
        data: &'a Self::Data,
        split: &'a Self::Split,
    ) -> &'a <Self::Model as Trainable>::Data;
    /// A line of progress after step `p.step` (of a run from `start`,
    /// evaluated every `every` steps; `bar`: a progress bar shows where it
    /// is), if any.
    fn step_line(&self, _p: &Progress, _start: usize, _every: usize, _bar: bool) -> Option<String> {
        None
    }
    /// The line an evaluation of step `step` prints, if any (the first, of
    /// step 0, is printed too; a resumed run's first is not).
    fn report(_step: usize, _losses: &[f64], _held_out: &str) -> Option<String> {
        None
    }
    /// What is done after the last step, before the last evaluation.
    fn finish(_model: &mut Self::Model, _split: &Self::Split) -> Result<()> {
        Ok(())
    }
    /// What is printed once the model is saved and its training time said:
    /// `last` is the last evaluation's losses.
    fn conclude(
        &self,
        plan: &Plan<Self>,
        split: &Self::Split,
        model: &Self::Model,
        timing: &Timing,
        last: &[f64],
    ) -> Result<()>;
    /// What the end of the run draws, and the seed of its first random
    /// stream.
    fn samples(&self, plan: &Plan<Self>) -> (Request, u64);

    /// `eval` of a checkpoint `path` of this model: `data` or `text`, the
    /// data given instead of the checkpoint's.
    fn eval(ckpt: &Checkpoint, path: &Path, data: Option<&Path>, text: Option<&Path>)
    -> Result<()>;
    /// What `sample` draws from a checkpoint `path` of this model: `count`
    /// names, or `chars` characters of text, by the data it learned.
    fn request(
        ckpt: &Checkpoint,
        path: &Path,
        count: usize,
        chars: Option<usize>,
    ) -> Result<Request>;
}

/// Something to do with the [`Recipe`] of a kind of model, for the one
/// dispatch from a kind to its recipe (`super::train::with_recipe`).
pub trait ForRecipe {
    type Output;
    fn run<R: Recipe>(self) -> Self::Output;
}

/// Where a run starts.
pub enum Begin<R: Recipe> {
    /// `--resume`: the checkpoint's model and optimiser.
    Resume(R::Model, Optimizer),
    /// A new model of these sizes.
    Fresh(R::Sizes),
}

/// A run as planned: where it starts, and the rest of it.
pub type Planned<R> = (Begin<R>, Plan<R>);

/// A run, checked: its settings and its data.
pub struct Plan<R: Recipe> {
    pub config: TrainConfig,
    /// The step it starts from.
    pub start: usize,
    pub data: R::Data,
    /// The fixed evaluation batches per split a checkpoint records (a
    /// GPT's); `None` for a model evaluated on the whole split.
    pub eval_batches: Option<usize>,
}

/// `train` of the model whose options are `R`, with the backward passes
/// `--impl` names.
pub struct Training<R>(pub R);

impl<R: Recipe> WithBackprop for Training<R> {
    fn run<B: Backprop>(self) -> Result<()> {
        train::<B, R>(&self.0).map(|_| ())
    }
}

/// What a finished run reached: its last evaluation and its training time.
pub struct Trained {
    /// The last evaluation's losses, one per split, the held-out one last.
    pub losses: Vec<f64>,
    /// The held-out split's name: `val` or `test`.
    pub held_out: &'static str,
    pub timing: Timing,
}

/// The one runner: trains the model of `args` with backward passes `B`,
/// saves it (at every evaluation and at the end) and samples from it.
///
/// Before the first step, everything that could lose work is checked: the
/// backward passes, the settings (with `--resume`, the checkpoint's, which
/// an option may repeat but not contradict), the data (with `--resume`, the
/// checkpoint's, by its fingerprint), the memory the sizes need, and the
/// output (not an input, a regular file the crate wrote or a new one,
/// writable, locked against a second run: [`Output::claim`]).
pub fn train<B: Backprop, R: Recipe>(args: &R) -> Result<Trained> {
    let common = args.common();
    if B::NAME == "exercises" {
        let mut needs = registry::needed_by(R::KIND);
        needs.extend(args.needs());
        implementation::ready_for::<B>(&needs)?;
    }
    args.check()?;
    let resumed = match &common.resume {
        Some(path) => Some((path.as_path(), resume_checkpoint(path, R::KIND)?)),
        None => None,
    };
    let (begin, plan) = args.plan(resumed)?;
    plan.config.validate()?;
    budget::check(&R::need(&begin, &plan))?;
    let (split, evaluator) = args.split(&begin, &plan)?;
    let out = &common.out;
    let inputs: Vec<(&str, &Path)> = args
        .inputs(&plan.data)
        .into_iter()
        .chain(
            (common.resume.iter())
                .filter(|r| !out_file::same_file(r, out))
                .map(|p| ("--resume", p.as_path())),
        )
        .collect();
    let output = Output::claim(out, &inputs, Claim::checkpoint(common.force))?;
    for stale in &output.removed {
        eprintln!(
            "note: removed {}, a temporary file left by a run that was stopped",
            stale.display()
        );
    }
    let (model, optimizer) = match begin {
        Begin::Resume(model, optimizer) => {
            say!(
                "resuming {} at step {} (seed {})",
                common.resume.as_ref().expect("resumed").display(),
                plan.start,
                plan.config.seed
            );
            (model, optimizer)
        }
        Begin::Fresh(sizes) => {
            let model = R::build(&sizes, plan.config.seed)?;
            let optimizer = plan.config.optimizer_for(&model)?;
            (model, optimizer)
        }
    };
    let job = Job {
        args,
        resumed_into_out: (common.resume.as_deref()).is_some_and(|r| out_file::same_file(r, out)),
        existed: out.exists(),
        plan,
        split,
        _output: output,
    };
    job.run::<B>(model, optimizer, evaluator)
}

/// A training run, once everything is checked.
struct Job<'a, R: Recipe> {
    args: &'a R,
    plan: Plan<R>,
    split: R::Split,
    /// `--out` is the file `--resume` read.
    resumed_into_out: bool,
    /// `--out` existed before the run.
    existed: bool,
    /// Held (locked) until the run ends.
    _output: Output,
}

impl<R: Recipe> Job<'_, R> {
    /// What an error leaves in `--out`.
    fn kept(&self, error: Error, saved: Option<usize>) -> Error {
        kept(
            &self.args.common().out,
            error,
            saved,
            self.resumed_into_out,
            self.plan.start,
            self.existed,
        )
    }

    fn run<B: Backprop>(
        self,
        mut model: R::Model,
        mut opt: Optimizer,
        mut evaluator: Evaluator,
    ) -> Result<Trained> {
        let (args, plan, split) = (self.args, &self.plan, &self.split);
        let (config, start) = (plan.config, plan.start);
        let out = &args.common().out;
        let every = args.common().eval_every.unwrap_or(R::EVAL_EVERY);
        let catching = interrupt::catch()?;
        args.announce::<B>(plan, split, &model);
        let held_out = evaluator.held_out();
        // Garbage never replaces a good model: every checkpoint is
        // evaluated, and checked, before it is saved; the first evaluation
        // is the run's baseline, printed at step 0, silent when resuming.
        let first = evaluator.checked(&model, start)?;
        if start == 0
            && let Some(line) = R::report(0, &first, held_out)
        {
            say!("{line}");
        }
        let bar = output::progress_bar(config.steps, start);
        let (vocab, fingerprint, codec) = R::identity(&plan.data)?;
        let make = |model: &R::Model, opt: &Optimizer, step: usize| Checkpoint {
            model: model.clone().into(),
            optimizer: opt.clone(),
            step,
            config,
            vocab: vocab.clone(),
            data: fingerprint.source.clone(),
            fingerprint: Some(fingerprint.clone()),
            eval_batches: plan.eval_batches,
            codec: codec.clone(),
            rl: None,
        };
        let saved = Cell::new(None);
        let mut last = first;
        let mut at_eval = |model: &R::Model, opt: &Optimizer, step: usize| {
            let losses = evaluator.checked(model, step)?;
            if let Some(line) = R::report(step, &losses, held_out) {
                match &bar {
                    Some(bar) => bar.println(&line),
                    None => say!("{line}"),
                }
            }
            last = losses;
            checkpoint::save(out, &make(model, opt, step))?;
            saved.set(Some(step));
            Ok(())
        };
        let on_step = |p: Progress| {
            let line = args.step_line(&p, start, every, bar.is_some());
            match &bar {
                Some(bar) => {
                    if p.step.is_multiple_of(R::BAR_EVERY) || p.step == p.steps {
                        bar.set_position(p.step as u64);
                        bar.set_message(format!(
                            "loss {:.4}  {:>6.0} steps/s",
                            p.loss,
                            bar.per_sec()
                        ));
                    }
                    if let Some(line) = line {
                        bar.println(line);
                    }
                }
                None => {
                    if let Some(line) = line {
                        say!("{line}");
                    }
                }
            }
        };
        // Evaluated (and saved) every `every` steps, once the next step
        // shows the weights sound, and at the end.
        let mut run = || -> Result<Timing> {
            let timing = train::fit::<B, R::Model>(
                &mut model,
                &mut opt,
                R::batches(&plan.data, split),
                &config.run(every),
                start,
                on_step,
                &mut at_eval,
            )?;
            R::finish(&mut model, split)?;
            if start < config.steps {
                at_eval(&model, &opt, config.steps)?;
            }
            Ok(timing)
        };
        let timing = run();
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let timing = timing.map_err(|e| interrupt::ended(e, out, |e| self.kept(e, saved.get())))?;
        // Saved before anything more is printed: a closed stdout loses
        // nothing.
        say!("saved {}", out.display());
        interrupt::after_last_step(config.steps, out)?;
        drop(catching);
        say!(
            "trained {} steps in {:.1} s ({:.1} µs/step)",
            timing.steps,
            timing.total().as_secs_f64(),
            timing.per_step(timing.total())
        );
        args.conclude(plan, split, &model, &timing, &last)?;
        let trained = Trained {
            losses: last,
            held_out,
            timing,
        };
        let (request, seed) = args.samples(plan);
        if output::closed() || request == (Request::Names { count: 0 }) {
            return Ok(trained);
        }
        let samples = generate(
            &model.into(),
            &vocab,
            fingerprint.kind,
            request,
            "",
            seed,
            Sampling::default(),
        )?;
        match request {
            Request::Names { .. } => {
                say!("samples:");
                for name in samples {
                    say!("  {name}");
                }
            }
            Request::Text { chars } => {
                let unit = match is_tokenizer(&vocab) {
                    true => "tokens",
                    false => "characters",
                };
                say!("sample ({chars} {unit}):");
                say!("{}", samples.concat());
            }
        }
        Ok(trained)
    }
}
