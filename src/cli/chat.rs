//! `sft`, `eval-tasks` and `chat`: *State of GPT*'s supervised
//! fine-tuning of a names GPT on the instruction set, each task's
//! accuracy, and a conversation with the result.
//!
//! `sft --base FILE` reads a `train gpt` checkpoint on names (characters
//! or a tokenizer's tokens), grows its vocabulary by the chat's
//! characters and special tokens and its block to the longest
//! conversation (`backprop_ninja::chat::extend`, said on screen), builds
//! the instruction set's rows with `sft_targets` (yours under `--impl
//! exercises`) and trains with the one training loop (`train::fit`),
//! AdamW, saving the one checkpoint format, the chat format recorded as
//! its vocabulary; `--resume` continues it bit for bit. Before and after,
//! it prints each task's accuracy on held-out prompts.

use std::path::{Path, PathBuf};

use backprop_ninja::chat::eval::{accuracy, answer};
use backprop_ninja::chat::extend::extend;
use backprop_ninja::chat::format::{ChatFormat, Conversation};
use backprop_ninja::chat::rows::ChatRows;
use backprop_ninja::chat::tasks::{self, NameSplit, Task};
use backprop_ninja::corpus::codec::{Codec, CodecId};
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::corpus::{DataKind, Fingerprint};
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::io::output::{Claim, Ours, Output, same_file};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::models::gpt::Gpt;
use backprop_ninja::models::model::Network;
use backprop_ninja::registry::Exercise;
use backprop_ninja::tokenizer::codec::is_tokenizer;
use backprop_ninja::tokenizer::file;
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::{self, Optimizer, OptimizerConfig, Timing, TrainConfig};
use backprop_ninja::{Backprop, Error, Result};

use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};

/// Conversations per task in the instruction set.
pub const EXAMPLES_PER_TASK: usize = 5000;

/// The seed of the held-out names: fixed, so that the pretraining's names
/// (`sft --pretrain-names`) and every evaluation agree.
pub const SPLIT_SEED: u64 = 2207;

/// The seed of the evaluation's prompts.
pub const EVAL_SEED: u64 = 7;

/// The SFT run's defaults: AdamW at makemore's settings with lr 1e-3.
pub const SFT: TrainConfig = TrainConfig {
    steps: 3000,
    batch_size: 32,
    optimizer: OptimizerConfig::AdamW(AdamW {
        lr: 1e-3,
        ..AdamW::MAKEMORE
    }),
    clip: Some(1.0),
    seed: 2207,
};

/// `sft`: fine-tune a names GPT on the instruction set.
#[derive(clap::Args)]
pub struct SftArgs {
    /// The base model: a `train gpt` checkpoint on names
    #[arg(long, required_unless_present_any = ["resume", "pretrain_names"])]
    pub base: Option<PathBuf>,
    /// Continue this SFT checkpoint to --steps, with its settings
    #[arg(long, conflicts_with = "base")]
    pub resume: Option<PathBuf>,
    /// Write the names the pretraining may use (all but the held-out ones)
    /// to this file, one per line, and stop
    #[arg(long)]
    pub pretrain_names: Option<PathBuf>,
    /// Where the fine-tuned model goes
    #[arg(long, default_value = "sft.safetensors")]
    pub out: PathBuf,
    /// Replace --out even if it is a regular file that is not a checkpoint
    /// of this crate (or --pretrain-names even if it exists); a device, FIFO,
    /// socket or symbolic link never is
    #[arg(long)]
    pub force: bool,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Train up to this step [default: 3000]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// Conversations per step [default: 32]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub batch_size: Option<usize>,
    /// AdamW's learning rate [default: 0.001]
    #[arg(long)]
    pub lr: Option<f64>,
    /// The seed of the batches and the new rows [default: 2207]
    #[arg(long, value_parser = output::seed)]
    pub seed: Option<u64>,
    /// Held-out prompts per task in the evaluations before and after; 0
    /// for none
    #[arg(long, default_value_t = 1000)]
    pub eval_prompts: usize,
    /// Print the loss every this many steps
    #[arg(long, default_value_t = 100)]
    pub print_every: usize,
    /// Whose sft_targets builds the rows.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
}

/// `eval-tasks`: each task's accuracy on held-out prompts.
#[derive(clap::Args)]
pub struct EvalTasksArgs {
    /// A checkpoint of `sft` (or a base `train gpt` checkpoint on names,
    /// asked in the chat format with its new tokens untrained)
    #[arg(long)]
    pub model: PathBuf,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Prompts per task
    #[arg(long, default_value_t = 1000)]
    pub prompts: usize,
}

/// `chat`: answers a prompt, or each line of stdin.
#[derive(clap::Args)]
pub struct ChatArgs {
    /// A checkpoint of `sft`
    #[arg(long)]
    pub model: PathBuf,
    /// The prompt [default: read prompts from stdin, one per line]
    pub prompt: Option<String>,
}

/// A base model, its chat format, and the checkpoint's identity.
pub struct Loaded {
    pub model: Gpt<f32>,
    pub format: ChatFormat,
    pub ckpt: Checkpoint,
}

/// The GPT of the checkpoint `path`; an error naming the file otherwise.
fn load_gpt(path: &Path) -> Result<(Gpt<f32>, Checkpoint)> {
    let ckpt = checkpoint::load(path)?;
    match &ckpt.model {
        Network::Gpt(g) => Ok((g.clone(), ckpt)),
        other => Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!("it holds a {}, not a GPT", other.kind().title()),
        }),
    }
}

/// The chat format of a base checkpoint's vocabulary: a names GPT's
/// characters (`.` first) or its tokenizer. Text models and fine-tuned
/// models are refused.
fn base_format(ckpt: &Checkpoint, path: &Path) -> Result<ChatFormat> {
    if ChatFormat::is_record(&ckpt.vocab) {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: "it is already fine-tuned (its vocabulary is a chat format's): give the base model, or --resume it".into(),
        });
    }
    if ckpt.fingerprint.as_ref().map(|f| f.kind) != Some(DataKind::Names) {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: "it was not trained on names: the instruction set is about names, so its base is a `train gpt` on names".into(),
        });
    }
    if is_tokenizer(&ckpt.vocab) {
        ChatFormat::on_tokenizer(file::parse(ckpt.vocab.as_bytes(), path)?)
    } else if ckpt.vocab.starts_with('.') {
        ChatFormat::on_chars(&ckpt.vocab)
    } else {
        Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "its vocabulary {:?} is neither names' characters ('.' first) nor a tokenizer",
                ckpt.vocab
            ),
        })
    }
}

/// A model to chat with: an SFT checkpoint, or a base grown to its chat
/// format, untrained rows and all (for the "before" of an evaluation).
pub fn load_chat(path: &Path) -> Result<Loaded> {
    let (model, ckpt) = load_gpt(path)?;
    if ChatFormat::is_record(&ckpt.vocab) {
        let format = ChatFormat::from_record(&ckpt.vocab, path)?;
        if format.vocab_size() != model.config.vocab_size {
            return Err(Error::Checkpoint {
                path: path.to_path_buf(),
                detail: format!(
                    "its chat format has {} tokens, its model {}",
                    format.vocab_size(),
                    model.config.vocab_size
                ),
            });
        }
        return Ok(Loaded {
            model,
            format,
            ckpt,
        });
    }
    let format = base_format(&ckpt, path)?;
    let block = model.config.block_size.max(64);
    let (model, _) = extend(&model, format.vocab_size(), block, SFT.seed)?;
    Ok(Loaded {
        model,
        format,
        ckpt,
    })
}

/// The names, split into the pretraining's and SFT's and the held-out ones.
pub fn split(data: Option<&Path>) -> Result<(Corpus, NameSplit)> {
    let corpus = super::bigram::load_corpus(data)?;
    let split = NameSplit::new(&corpus.words, SPLIT_SEED)?;
    Ok((corpus, split))
}

/// Each task's accuracy on `n` held-out prompts, one line each.
fn print_accuracy(
    label: &str,
    model: &Gpt<f32>,
    format: &ChatFormat,
    held_out: &[String],
    n: usize,
) -> Result<Vec<f64>> {
    let mut all = vec![];
    let mut line = format!("{label:<8}");
    for task in Task::ALL {
        let asks = tasks::eval_asks(held_out, task, n, EVAL_SEED)?;
        let a = accuracy(model, format, &asks)?;
        line.push_str(&format!("  {} {:5.1}%", task.name(), 100.0 * a));
        all.push(a);
    }
    say!("{line}");
    Ok(all)
}

impl WithBackprop for SftArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        match &self.pretrain_names {
            Some(path) => pretrain_names(path, self.data.as_deref(), self.force).map(|_| ()),
            None => self.fine_tune::<B>().map(|_| ()),
        }
    }
}

/// What `sft --pretrain-names` wrote: the names for pretraining, and how
/// many were held out.
pub struct PretrainNames {
    pub train: usize,
    pub held_out: usize,
}

/// `sft --pretrain-names PATH`: the names the pretraining may use (all but
/// the held-out ones), one a line.
pub fn pretrain_names(path: &Path, data: Option<&Path>, force: bool) -> Result<PretrainNames> {
    let (_, names) = split(data)?;
    let inputs: Vec<(&str, &Path)> = data.iter().map(|&d| ("--data", d)).collect();
    let claim = Claim {
        option: "--pretrain-names",
        ours: Ours::Names,
        force,
    };
    let _claimed = Output::claim(path, &inputs, claim)?;
    let text = pretrain_text(&names);
    backprop_ninja::io::atomic::write(path, text.as_bytes(), |detail| Error::Checkpoint {
        path: path.to_path_buf(),
        detail,
    })?;
    say!(
        "{}: {} names for pretraining ({} held out for the evaluation, seed {SPLIT_SEED})",
        path.display(),
        names.train.len(),
        names.held_out.len()
    );
    Ok(PretrainNames {
        train: names.train.len(),
        held_out: names.held_out.len(),
    })
}

/// The text of `sft --pretrain-names`: the training names, one a line.
pub fn pretrain_text(names: &NameSplit) -> String {
    names.train.iter().map(|n| format!("{n}\n")).collect()
}

/// What an `sft` run reached: each task's accuracy after it, in the order
/// of [`Task::ALL`] (none with no evaluation prompts), and its training
/// time.
pub struct Tuned {
    pub after: Option<Vec<f64>>,
    pub timing: Timing,
}

impl SftArgs {
    /// `sft` from a base (or `--resume`): fine-tunes, saves, and says each
    /// task's accuracy before and after.
    pub fn fine_tune<B: Backprop>(self) -> Result<Tuned> {
        let args = self;
        let (corpus, names) = split(args.data.as_deref())?;
        implementation::ready_for::<B>(&[Exercise::SftTargets])?;
        let _claimed = claim_out(
            &args.out,
            &[
                ("--base", args.base.as_deref()),
                ("--resume", args.resume.as_deref()),
                ("--data", args.data.as_deref()),
            ],
            args.force,
        )?;
        // The run: fresh from a base, or resumed with its settings.
        let (mut model, format, config, start, opt) = match (&args.base, &args.resume) {
            (Some(base), _) => {
                let (base_model, ckpt) = load_gpt(base)?;
                let format = base_format(&ckpt, base)?;
                let config = TrainConfig {
                    steps: args.steps.unwrap_or(SFT.steps),
                    batch_size: args.batch_size.unwrap_or(SFT.batch_size),
                    optimizer: OptimizerConfig::AdamW(AdamW {
                        lr: args.lr.unwrap_or(1e-3),
                        ..AdamW::MAKEMORE
                    }),
                    clip: SFT.clip,
                    seed: args.seed.unwrap_or(SFT.seed),
                };
                config.validate()?;
                let block = needed_block(&format, &names)?.max(base_model.config.block_size);
                let (model, grown) = extend(&base_model, format.vocab_size(), block, config.seed)?;
                say!(
                    "base {}: {} tokens, block {}; grown to {} tokens ({}) and block {} (the longest conversation), new rows N(0, 0.02²), new lm_head columns 0",
                    base.display(),
                    grown.vocab.0,
                    grown.block.0,
                    grown.vocab.1,
                    format.describe(),
                    grown.block.1
                );
                let opt = config.optimizer_for(&model)?;
                (model, format, config, 0, opt)
            }
            (None, Some(path)) => {
                let Loaded {
                    model,
                    format,
                    ckpt,
                } = load_chat(path)?;
                if !ChatFormat::is_record(&ckpt.vocab) {
                    return Err(Error::Checkpoint {
                        path: path.clone(),
                        detail: "it is not an SFT checkpoint: start from it with --base".into(),
                    });
                }
                let mut config = ckpt.config;
                config.steps = args.steps.unwrap_or(config.steps);
                for (given, held, what) in [
                    (
                        args.batch_size.map(|b| b as f64),
                        config.batch_size as f64,
                        "--batch-size",
                    ),
                    (args.seed.map(|s| s as f64), config.seed as f64, "--seed"),
                ] {
                    if given.is_some_and(|g| g != held) {
                        return Err(Error::Config(format!(
                            "{what} differs from the checkpoint's {held}: a resumed run keeps its settings"
                        )));
                    }
                }
                say!(
                    "resuming {} at step {} of {}",
                    path.display(),
                    ckpt.step,
                    config.steps
                );
                (model, format, config, ckpt.step, ckpt.optimizer)
            }
            (None, None) => {
                return Err(Error::Config(
                    "sft needs --base FILE (or --resume FILE)".into(),
                ));
            }
        };
        // The one memory budget, before anything large is allocated.
        budget::check(&Need::Gpt {
            config: &model.config,
            batch: config.batch_size,
            eval_rows: 1,
            eval_batches: 0,
            splits: 1,
        })?;
        // The instruction set, from the training names only.
        let examples = tasks::examples(&names.train, &Task::ALL, EXAMPLES_PER_TASK, config.seed)?;
        let rendered: Vec<_> = examples
            .iter()
            .map(|e| format.render(&e.conversation))
            .collect::<Result<_>>()?;
        let rows = ChatRows::build(&rendered, model.config.block_size, B::sft_targets)?;
        say!(
            "instruction set: {} conversations ({} per task: {}), from {} training names; {} names held out",
            rows.len(),
            EXAMPLES_PER_TASK,
            Task::ALL.map(Task::name).join(", "),
            names.train.len(),
            names.held_out.len()
        );
        if start == 0 && args.eval_prompts > 0 {
            print_accuracy(
                "before",
                &model,
                &format,
                &names.held_out,
                args.eval_prompts,
            )?;
        }
        let fingerprint = Fingerprint {
            source: format!("sft on {}", corpus.source),
            ..corpus.fingerprint()
        };
        let vocab = format.record()?;
        let codec = Some(CodecId::of(&format));
        let make = |model: &Gpt<f32>, opt: &Optimizer, step: usize| Checkpoint {
            model: model.clone().into(),
            optimizer: opt.clone(),
            step,
            config,
            vocab: vocab.clone(),
            data: fingerprint.source.clone(),
            fingerprint: Some(fingerprint.clone()),
            // No fixed evaluation batches: its evaluation is the tasks'.
            eval_batches: Some(0),
            codec: codec.clone(),
            rl: None,
        };
        let mut opt = opt;
        let every = args.print_every;
        let out = args.out.clone();
        // Ctrl-C or SIGTERM: the step finished is saved, and the command
        // that resumes it said.
        let catching = super::interrupt::catch()?;
        let timing = train::fit::<B, Gpt<f32>>(
            &mut model,
            &mut opt,
            &rows,
            &config.run(500),
            start,
            |p| {
                if every > 0 && (p.step % every == 0 || p.step == p.steps) {
                    say!("step {:>6}/{}: loss {:.4}", p.step, p.steps, p.loss);
                }
            },
            |m, o, step| checkpoint::save(&out, &make(m, o, step)),
        )
        .map_err(|e| interrupted(e, &out, "--base"))?;
        checkpoint::save(&out, &make(&model, &opt, config.steps.max(start)))?;
        super::interrupt::after_last_step(config.steps.max(start), &out)?;
        drop(catching);
        say!(
            "saved {} (step {}), {:.1}s of training",
            out.display(),
            config.steps.max(start),
            timing.total().as_secs_f64()
        );
        let mut after = None;
        if args.eval_prompts > 0 {
            after = Some(print_accuracy(
                "after",
                &model,
                &format,
                &names.held_out,
                args.eval_prompts,
            )?);
        }
        Ok(Tuned { after, timing })
    }
}

/// What an `sft`, `reward`, `rlhf` or `dpo` run that ended with `error`
/// says: an interruption whose step was saved in `out`, in one line on
/// stderr with the command that resumes it (the same arguments, `start`
/// (`--base`, `--policy`) and its file left out, then `--resume OUT`).
pub fn interrupted(error: Error, out: &Path, start: &str) -> Error {
    if let Error::Interrupted {
        step, saved: true, ..
    } = error
    {
        let mut args = vec![];
        let mut skip = false;
        for arg in super::interrupt::command_line() {
            if std::mem::take(&mut skip) {
                continue;
            }
            let text = arg.to_string_lossy();
            if text == start {
                skip = true;
            } else if !text.starts_with(&format!("{start}=")) {
                args.push(arg);
            }
        }
        eprintln!(
            "interrupted at step {step}: saved {}; resume with {}",
            out.display(),
            super::interrupt::resume_command(&args, out)
        );
    }
    error
}

/// Claims `out` for a run reading `inputs` (those given), before any work
/// ([`Output::claim`]: a new file or a checkpoint of this crate, never an
/// input, a device, a FIFO or a link; `--resume` may name `out` itself).
pub fn claim_out(out: &Path, inputs: &[(&str, Option<&Path>)], force: bool) -> Result<Output> {
    let inputs: Vec<(&str, &Path)> = inputs
        .iter()
        .filter_map(|&(option, path)| Some((option, path?)))
        .filter(|&(option, path)| !(option == "--resume" && same_file(path, out)))
        .collect();
    let claimed = Output::claim(out, &inputs, Claim::checkpoint(force))?;
    for stale in &claimed.removed {
        eprintln!(
            "note: removed {}, a temporary file left by a run that was stopped",
            stale.display()
        );
    }
    Ok(claimed)
}

/// The block every conversation of `names` fits: the longest rendering
/// minus one (its inputs), spelling the longest name the longest.
fn needed_block(format: &ChatFormat, names: &NameSplit) -> Result<usize> {
    let mut longest = 0;
    for name in names.train.iter().chain(&names.held_out) {
        let ask = tasks::Ask::Spell(name.clone());
        let r = format.render(&Conversation {
            prompt: ask.prompt(),
            answer: tasks::spelled(name),
        })?;
        longest = longest.max(r.len());
        let ask = tasks::Ask::Count('a', name.clone());
        let r = format.render(&Conversation {
            prompt: ask.prompt(),
            answer: "10".into(),
        })?;
        longest = longest.max(r.len());
    }
    Ok(longest - 1)
}

/// `eval-tasks`.
pub fn eval_tasks(args: EvalTasksArgs) -> Result<()> {
    let Loaded {
        model,
        format,
        ckpt,
    } = load_chat(&args.model)?;
    let (_, names) = split(args.data.as_deref())?;
    let label = if ChatFormat::is_record(&ckpt.vocab) {
        "sft"
    } else {
        "base"
    };
    say!(
        "{}: {} held-out prompts per task (names held out with seed {SPLIT_SEED}, prompts seed {EVAL_SEED}), greedy answers",
        args.model.display(),
        args.prompts
    );
    print_accuracy(label, &model, &format, &names.held_out, args.prompts.max(1))?;
    Ok(())
}

/// `chat`.
pub fn chat(args: ChatArgs) -> Result<()> {
    let Loaded { model, format, .. } = load_chat(&args.model)?;
    let reply = |prompt: &str| -> Result<()> {
        let a = answer(&model, &format, &[prompt.to_string()])?;
        let a = &a[0];
        say!(
            "{}{}",
            a.text,
            if a.ended { "" } else { "  (no end of answer)" }
        );
        Ok(())
    };
    match &args.prompt {
        Some(p) => reply(p),
        None => {
            for line in std::io::stdin().lines() {
                let line = line.map_err(|source| Error::Io {
                    path: PathBuf::from("stdin"),
                    source,
                })?;
                let line = line.trim();
                if !line.is_empty() {
                    reply(line)?;
                }
            }
            Ok(())
        }
    }
}
