//! `pipeline`: *State of GPT*'s whole pipeline in one command, on the
//! names (the embedded ones, or `--data FILE`), from nothing to a policy
//! trained by reinforcement learning, in a few minutes on one core.
//!
//! | stage | the command it runs | the file it leaves in `--dir` |
//! |---|---|---|
//! | names | `sft --pretrain-names` | `pretrain.txt`: the names but the held-out 10% |
//! | tokenizer | `tokenizer train` | `tokenizer.model`: a byte-level BPE on those names |
//! | pretrain | `train gpt --tokenizer` | `base.safetensors`: the base GPT on their tokens |
//! | sft | `sft` | `sft.safetensors`: the base fine-tuned on the instruction set |
//! | reward | `reward` | `reward.safetensors`: the reward model, from the SFT model |
//! | rlhf | `rlhf` | `rlhf.safetensors`: the SFT model trained on the reward model's scores |
//!
//! Each stage is the command a learner types, parsed by that command's own
//! options and run in this process by the function the command runs: it
//! prints what the command alone prints, and the command shown under the
//! table is the one that ran, so any stage can be rerun alone. Between
//! stages, only files pass: each stage reads the file of the one before.
//! At the end, one table: the stage, what it trained, the metric it
//! reached, the time it took.
//!
//! Every stage's options are parsed, and with `--impl exercises` every
//! exercise the stages train with is checked, before any work; so are the
//! pipeline's files: `--dir` must be a directory (made if missing); a file
//! of the pipeline already there is refused without `--force`, and even
//! with it, the pipeline replaces only what the crate wrote (a checkpoint
//! or a tokenizer of this crate, the very names `pretrain.txt` would
//! hold), never another file.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backprop_ninja::chat::tasks::Task;
use backprop_ninja::io::output::{Ours, is_ours};
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::{Backprop, Error, Result};
use clap::Parser;

use super::chat::{self, SftArgs};
use super::gpt::GptArgs;
use super::implementation::{self, Impl, WithBackprop};
use super::interrupt;
use super::output::{self, say};
use super::reward::{self, RewardArgs};
use super::rlhf::{self, RlhfArgs};
use super::run::{self, Recipe};
use super::tokenizer;

/// The tokenizer's ids by default: the 256 bytes and 44 merges.
pub const VOCAB_SIZE: usize = 300;

/// The base GPT's steps by default.
pub const PRETRAIN_STEPS: usize = 2000;

/// The SFT's steps by default.
pub const SFT_STEPS: usize = 1500;

/// The reward model's steps by default.
pub const REWARD_STEPS: usize = 300;

/// RLHF's steps by default.
pub const RLHF_STEPS: usize = 100;

/// Held-out prompts per task in SFT's accuracies, by default.
pub const EVAL_PROMPTS: usize = 200;

/// Names sampled from the base at the end of its pretraining.
const SAMPLES: &str = "10";

/// `pipeline`: every stage of *State of GPT* on the names.
#[derive(clap::Args)]
pub struct Args {
    /// The directory of every stage's file (made if missing)
    #[arg(long, default_value = "pipeline")]
    pub dir: PathBuf,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The seed of every stage that draws [default: each stage's own]
    #[arg(long, value_parser = output::seed)]
    pub seed: Option<u64>,
    /// Replace the files an earlier pipeline left in --dir (never a file
    /// the crate did not write)
    #[arg(long)]
    pub force: bool,
    /// The tokenizer's ids: the 256 bytes, then one per merge
    #[arg(long, default_value_t = VOCAB_SIZE)]
    pub vocab_size: usize,
    /// The base GPT's training steps
    #[arg(long, default_value_t = PRETRAIN_STEPS, value_parser = output::count, allow_negative_numbers = true)]
    pub pretrain_steps: usize,
    /// The SFT's training steps
    #[arg(long, default_value_t = SFT_STEPS, value_parser = output::count, allow_negative_numbers = true)]
    pub sft_steps: usize,
    /// The reward model's training steps
    #[arg(long, default_value_t = REWARD_STEPS, value_parser = output::count, allow_negative_numbers = true)]
    pub reward_steps: usize,
    /// RLHF's steps (REINFORCE with a KL penalty)
    #[arg(long, default_value_t = RLHF_STEPS, value_parser = output::count, allow_negative_numbers = true)]
    pub rlhf_steps: usize,
    /// Held-out prompts per task in SFT's accuracies
    #[arg(long, default_value_t = EVAL_PROMPTS, value_parser = output::positive, allow_negative_numbers = true)]
    pub eval_prompts: usize,
    /// Held-out pairs for the reward model's pair accuracy
    #[arg(long, default_value_t = reward::EVAL_PAIRS, value_parser = output::positive, allow_negative_numbers = true)]
    pub eval_pairs: usize,
    /// Answers sampled by each of RLHF's evaluations [default: rlhf's]
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true)]
    pub eval_answers: Option<usize>,
    /// Print the loss every this many steps in SFT, the reward model and
    /// RLHF [default: each stage's own]
    #[arg(long, value_parser = output::positive, allow_negative_numbers = true)]
    pub print_every: Option<usize>,
    /// Whose backward passes every stage runs with.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
}

impl Args {
    /// Runs the pipeline with the backward passes `--impl` names.
    pub fn run(self) -> Result<()> {
        self.implementation.run(self)
    }
}

/// A stage: its name, the file it leaves, what that file is, and the
/// command that makes it.
struct Stage {
    name: &'static str,
    file: PathBuf,
    ours: Ours,
    /// What the file is, for a refusal: "a checkpoint of this crate".
    what: &'static str,
    /// The subcommand's words (`train gpt`) and its options.
    words: &'static [&'static str],
    options: Vec<OsString>,
}

impl Stage {
    /// The command line: the program, the words and the options.
    fn argv(&self) -> Vec<OsString> {
        std::iter::once(OsString::from("backprop-ninja"))
            .chain(self.words.iter().map(OsString::from))
            .chain(self.options.iter().cloned())
            .collect()
    }

    /// The command as a shell reads it back.
    fn command(&self) -> String {
        let words: Vec<String> = self
            .argv()
            .iter()
            .map(|w| interrupt::quoted(&w.to_string_lossy()))
            .collect();
        words.join(" ")
    }

    /// The stage's options, parsed by its command's own parser.
    fn parse<A: clap::Args>(&self) -> Result<A> {
        let parsed = Options::<A>::try_parse_from(self.options.iter()).map_err(|e| {
            Error::Config(format!(
                "the pipeline's stage {} ({}): {}",
                self.name,
                self.command(),
                e.render().to_string().trim()
            ))
        })?;
        Ok(parsed.args)
    }

    /// Runs `job` as the stage's command, says so first, and times it; an
    /// error is noted with the stage it stopped the pipeline at (an
    /// interruption has said how to resume the stage).
    fn run<T>(
        &self,
        n: usize,
        of: usize,
        job: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Duration)> {
        say!("");
        say!("== {n}/{of} {}: {}", self.name, self.command());
        let start = Instant::now();
        let done = interrupt::run_as(self.argv(), job).map_err(|error| {
            if interrupt::exit_status(&error).is_some() {
                return error;
            }
            Error::Noted {
                error: Box::new(error),
                note: format!(
                    "the pipeline stopped at its stage {n} of {of}, {}: the stages before left their files, and `{}` reruns this one alone",
                    self.name,
                    self.command()
                ),
            }
        })?;
        Ok((done, start.elapsed()))
    }
}

/// A command's options alone, parsed as the command parses them.
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
struct Options<A: clap::Args> {
    #[command(flatten)]
    args: A,
}

/// A row of the table.
struct Row {
    stage: &'static str,
    trained: String,
    reached: String,
    time: Duration,
}

/// Command-line words of paths and numbers.
fn words(items: &[&dyn AsRef<OsStr>]) -> Vec<OsString> {
    items.iter().map(|w| w.as_ref().to_os_string()).collect()
}

/// `flag value` when there is a value; nothing when there is none.
fn option(flag: &str, value: Option<impl AsRef<OsStr>>) -> Vec<OsString> {
    match value {
        Some(v) => words(&[&flag, &v]),
        None => vec![],
    }
}

/// The stages of `args`, in order; `implementation`, the `--impl` of
/// every stage that trains (none for the reference's).
fn stages(args: &Args, implementation: Option<&str>) -> Vec<Stage> {
    let dir = &args.dir;
    let names = dir.join("pretrain.txt");
    let tok = dir.join("tokenizer.model");
    let base = dir.join("base.safetensors");
    let sft = dir.join("sft.safetensors");
    let reward = dir.join("reward.safetensors");
    let rl = dir.join("rlhf.safetensors");
    let data = option("--data", args.data.as_ref());
    let seed = option("--seed", args.seed.map(|s| s.to_string()));
    let answers = option("--eval-answers", args.eval_answers.map(|n| n.to_string()));
    let every = option("--print-every", args.print_every.map(|n| n.to_string()));
    let imp = option("--impl", implementation);
    let checkpoint = (Ours::Checkpoint, "a checkpoint of this crate");
    let stage = |name, file: &PathBuf, (ours, what), command, parts: &[&[OsString]]| Stage {
        name,
        file: file.clone(),
        ours,
        what,
        words: command,
        options: parts.concat(),
    };
    vec![
        // The names' file carries no mark of the crate: rewritten (with
        // --force) once the check before the run has found that it holds
        // the very names it will hold again.
        stage(
            "names",
            &names,
            (Ours::Names, "the pretraining names of this data"),
            &["sft"],
            &[
                &words(&[&"--pretrain-names", &names]),
                &data,
                &words(&[&"--force"]),
            ],
        ),
        stage(
            "tokenizer",
            &tok,
            (Ours::Tokenizer, "a tokenizer file of this crate"),
            &["tokenizer", "train"],
            &[
                &words(&[
                    &"--text",
                    &names,
                    &"--vocab-size",
                    &args.vocab_size.to_string(),
                    &"--out",
                    &tok,
                ]),
                &imp,
            ],
        ),
        stage(
            "pretrain",
            &base,
            checkpoint,
            &["train", "gpt"],
            &[
                &words(&[
                    &"--data",
                    &names,
                    &"--tokenizer",
                    &tok,
                    &"--steps",
                    &args.pretrain_steps.to_string(),
                    &"--samples",
                    &SAMPLES,
                    &"--out",
                    &base,
                ]),
                &seed,
                &imp,
            ],
        ),
        stage(
            "sft",
            &sft,
            checkpoint,
            &["sft"],
            &[
                &words(&[
                    &"--base",
                    &base,
                    &"--steps",
                    &args.sft_steps.to_string(),
                    &"--eval-prompts",
                    &args.eval_prompts.to_string(),
                    &"--out",
                    &sft,
                ]),
                &every,
                &data,
                &seed,
                &imp,
            ],
        ),
        stage(
            "reward",
            &reward,
            checkpoint,
            &["reward"],
            &[
                &words(&[
                    &"--base",
                    &sft,
                    &"--steps",
                    &args.reward_steps.to_string(),
                    &"--eval-pairs",
                    &args.eval_pairs.to_string(),
                    &"--out",
                    &reward,
                ]),
                &every,
                &data,
                &seed,
                &imp,
            ],
        ),
        stage(
            "rlhf",
            &rl,
            checkpoint,
            &["rlhf"],
            &[
                &words(&[
                    &"--policy",
                    &sft,
                    &"--reward",
                    &reward,
                    &"--steps",
                    &args.rlhf_steps.to_string(),
                    &"--out",
                    &rl,
                ]),
                &answers,
                &every,
                &data,
                &seed,
                &imp,
            ],
        ),
    ]
}

/// Makes `dir` if it is missing; refuses it if it is not a directory.
fn make_dir(dir: &Path) -> Result<()> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Error::Data {
            path: dir.to_path_buf(),
            line: None,
            detail: "--dir is a file, not a directory: give a directory for the pipeline's files (it is made if missing)".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
        Err(source) => Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Refuses, before any work, a stage's file already in the directory:
/// every one without `force`; with it, any that the crate did not write
/// (for the names, any that does not hold `names` exactly).
fn check_earlier(stages: &[Stage], force: bool, names: &str) -> Result<()> {
    let existing: Vec<&Stage> = stages
        .iter()
        .filter(|s| fs::symlink_metadata(&s.file).is_ok())
        .collect();
    let Some(first) = existing.first() else {
        return Ok(());
    };
    if !force {
        let all: Vec<String> = existing
            .iter()
            .map(|s| s.file.display().to_string())
            .collect();
        return Err(Error::Data {
            path: first.file.clone(),
            line: None,
            detail: format!(
                "exists ({} of the pipeline's files are there: {}): pass --force to replace what an earlier pipeline wrote, or choose another --dir",
                existing.len(),
                all.join(", ")
            ),
        });
    }
    for stage in existing {
        let regular = fs::symlink_metadata(&stage.file).is_ok_and(|m| m.is_file());
        let ours = regular
            && match stage.ours {
                Ours::Names => fs::read(&stage.file).is_ok_and(|held| held == names.as_bytes()),
                ours => is_ours(&stage.file, ours),
            };
        if !ours {
            return Err(Error::Data {
                path: stage.file.clone(),
                line: None,
                detail: format!(
                    "exists and is not {}: the pipeline replaces only what the crate wrote, even with --force; move it away or choose another --dir",
                    stage.what
                ),
            });
        }
    }
    Ok(())
}

/// The exercises every stage trains with, once each: the tokenizer's
/// (`get_stats` and `merge`, its pattern splitting the text), the GPT's
/// and its encoder's, `sft_targets`, the reward model's, RLHF's.
fn needs(gpt: &GptArgs) -> Vec<Exercise> {
    let mut all = vec![Exercise::BpeGetStats, Exercise::BpeMerge];
    all.extend(registry::needed_by(ModelKind::Gpt));
    all.extend(gpt.needs());
    all.push(Exercise::SftTargets);
    all.extend(registry::needed_by(ModelKind::Reward));
    all.extend(rlhf::needs());
    let mut seen = HashSet::new();
    all.retain(|e| seen.insert(*e));
    all
}

impl WithBackprop for Args {
    fn run<B: Backprop>(self) -> Result<()> {
        let implementation =
            (B::NAME != <backprop_ninja::Solutions as Backprop>::NAME).then_some(B::NAME);
        let stages = stages(&self, implementation);
        // Every stage's options parsed, and the exercises they train with
        // ready, before any work.
        let names_args: SftArgs = stages[0].parse()?;
        let tokenizer_args: tokenizer::TrainArgs = stages[1].parse()?;
        let gpt_args: GptArgs = stages[2].parse()?;
        let sft_args: SftArgs = stages[3].parse()?;
        let reward_args: RewardArgs = stages[4].parse()?;
        let rlhf_args: RlhfArgs = stages[5].parse()?;
        if implementation.is_some() {
            implementation::ready_for::<B>(&needs(&gpt_args))?;
        }
        let (_, split) = chat::split(self.data.as_deref())?;
        make_dir(&self.dir)?;
        check_earlier(&stages, self.force, &chat::pretrain_text(&split))?;
        let of = stages.len();
        let mut rows = vec![];

        let stage = &stages[0];
        let args = names_args;
        let (kept, time) = stage.run(1, of, || {
            chat::pretrain_names(&stage.file, args.data.as_deref(), args.force)
        })?;
        rows.push(Row {
            stage: stage.name,
            trained: "nothing: the split".into(),
            reached: format!(
                "{} names to train on, {} held out",
                kept.train, kept.held_out
            ),
            time,
        });

        let stage = &stages[1];
        let (learned, time) = stage.run(2, of, || tokenizer_args.learn::<B>())?;
        let text = chat::pretrain_text(&split);
        let ids = learned.tokenizer.encode_ordinary(&text)?;
        rows.push(Row {
            stage: stage.name,
            trained: format!(
                "byte-level BPE, {} merges",
                learned.tokenizer.merges().len()
            ),
            reached: format!(
                "{:.3} bytes per token on the names",
                text.len() as f64 / ids.len().max(1) as f64
            ),
            time,
        });

        let stage = &stages[2];
        let (trained, time) = stage.run(3, of, || run::train::<B, GptArgs>(&gpt_args))?;
        rows.push(Row {
            stage: stage.name,
            trained: format!("base GPT, {} steps", trained.timing.steps),
            reached: format!(
                "{} loss {:.4}",
                trained.held_out,
                trained.losses.last().copied().unwrap_or(f64::NAN)
            ),
            time,
        });

        let stage = &stages[3];
        let (tuned, time) = stage.run(4, of, || sft_args.fine_tune::<B>())?;
        let reached = match &tuned.after {
            Some(after) => Task::ALL
                .iter()
                .zip(after)
                .map(|(t, a)| format!("{} {:.1}%", t.name(), 100.0 * a))
                .collect::<Vec<_>>()
                .join(", "),
            None => "no evaluation".into(),
        };
        rows.push(Row {
            stage: stage.name,
            trained: format!("SFT, {} steps", tuned.timing.steps),
            reached,
            time,
        });

        let stage = &stages[4];
        let (rewarded, time) = stage.run(5, of, || reward_args.train::<B>())?;
        rows.push(Row {
            stage: stage.name,
            trained: format!("reward model, {} steps", rewarded.timing.steps),
            reached: format!(
                "held-out pair accuracy {:.1}% ({} pairs)",
                100.0 * rewarded.after,
                rewarded.pairs
            ),
            time,
        });

        let stage = &stages[5];
        let (summary, time) = stage.run(6, of, || {
            let summary = rlhf::run::<B>(&rlhf_args)?;
            say!("{}", summary.line());
            Ok(summary)
        })?;
        let steps = summary.history.last().map_or(0, |p| p.step);
        let (before, after) = (&summary.before, &summary.after);
        rows.push(Row {
            stage: stage.name,
            trained: format!("policy, REINFORCE + KL, {steps} steps"),
            reached: format!(
                "gold {:.1}% (SFT {:.1}%), RM score {:+.2}, KL {:.2} nats/answer",
                100.0 * after.gold,
                100.0 * before.gold,
                after.reward,
                after.kl
            ),
            time,
        });

        say!("");
        print_table(&rows);
        say!("");
        say!("each stage alone (its file in {}):", self.dir.display());
        for stage in &stages {
            say!("  {:<9}  {}", stage.name, stage.command());
        }
        Ok(())
    }
}

/// The table of `rows`: stage, what it trained, the metric it reached,
/// the time it took; a Markdown table, its columns aligned.
fn print_table(rows: &[Row]) {
    let header = ["stage", "trained", "reached", "time"];
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.stage.to_string(),
                r.trained.clone(),
                r.reached.clone(),
                format!("{:.1} s", r.time.as_secs_f64()),
            ]
        })
        .collect();
    let mut width = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: [&str; 4]| {
        let padded: Vec<String> = row
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    say!("{}", line(header));
    let rule: Vec<String> = width.iter().map(|&w| "-".repeat(w)).collect();
    say!("|-{}-|", rule.join("-|-"));
    for row in &cells {
        say!("{}", line([&row[0], &row[1], &row[2], &row[3]]));
    }
    let total: Duration = rows.iter().map(|r| r.time).sum();
    say!("total {:.1} s", total.as_secs_f64());
}
