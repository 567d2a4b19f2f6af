//! `reward`: *State of GPT*'s reward model, trained on preference pairs;
//! `reward eval`, its pair accuracy; `reward score`, one answer's reward.
//!
//! `reward --base FILE` reads an `sft` checkpoint (or a base `train gpt`
//! on names, grown to the chat format as `sft` grows it), puts a scalar
//! head at zero in place of `lm_head` ([`RewardModel::from_gpt`]: the
//! first loss is `ln 2`), renders each pair's prompt with its chosen and
//! its rejected answer in the chat format, and trains with the one
//! training loop (`train::fit`) and the Bradley–Terry loss, through
//! `reward_head` and `bradley_terry` (yours under `--impl exercises`). The
//! pairs come from the names the SFT trained on, preferred by the gold
//! rule of `backprop_ninja::chat::pairs` (or from `--pairs FILE`); the
//! held-out pair accuracy is measured on pairs of the held-out names (or,
//! with `--pairs`, on every tenth pair of the file, never trained on).
//! The checkpoint is the one format, of kind `reward`, its vocabulary the
//! chat format of its base; `--resume` continues it bit for bit.

use std::path::{Path, PathBuf};

use backprop_ninja::chat::format::{ChatFormat, Conversation};
use backprop_ninja::chat::pairs::{self, GoldRule, Pair};
use backprop_ninja::corpus::Fingerprint;
use backprop_ninja::corpus::codec::{Codec, CodecId};
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::model::Network;
use backprop_ninja::models::reward::{EncodedPairs, RewardModel, pair_accuracy};
use backprop_ninja::registry;
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::{self, Optimizer, OptimizerConfig, Timing, TrainConfig};
use backprop_ninja::{Backprop, Error, Result};

use super::chat::{Loaded, load_chat, split};
use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};

/// The reward model's run: AdamW at makemore's settings with lr 1e-3.
pub const REWARD: TrainConfig = TrainConfig {
    steps: 1000,
    batch_size: 32,
    optimizer: OptimizerConfig::AdamW(AdamW {
        lr: 1e-3,
        ..AdamW::MAKEMORE
    }),
    clip: Some(1.0),
    seed: 2207,
};

/// Pairs generated for training from the training names.
pub const TRAIN_PAIRS: usize = 20_000;

/// The seed of the held-out pairs.
pub const EVAL_SEED: u64 = 7;

/// Held-out pairs for the pair accuracy, by default.
pub const EVAL_PAIRS: usize = 2000;

/// `reward`: train a reward model, or `eval` or `score` one.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RewardArgs {
    #[command(subcommand)]
    pub command: Option<RewardCommand>,
    /// The base: an `sft` checkpoint (or a `train gpt` checkpoint on names)
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// Continue this reward checkpoint to --steps, with its settings
    #[arg(long, conflicts_with = "base")]
    pub resume: Option<PathBuf>,
    /// Preference pairs, `prompt<TAB>chosen<TAB>rejected` a line [default:
    /// generated from the training names by the gold rule]
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// Where the reward model goes
    #[arg(long, default_value = "reward.safetensors")]
    pub out: PathBuf,
    /// Replace --out even if it is a regular file that is not a checkpoint
    /// of this crate; a device, FIFO, socket or symbolic link
    /// never is
    #[arg(long)]
    pub force: bool,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Train up to this step [default: 1000]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// Pairs per step [default: 32]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub batch_size: Option<usize>,
    /// AdamW's learning rate [default: 0.001]
    #[arg(long)]
    pub lr: Option<f64>,
    /// The seed of the pairs and the batches [default: 2207]
    #[arg(long, value_parser = output::seed)]
    pub seed: Option<u64>,
    /// Held-out pairs for the pair accuracy
    #[arg(long, default_value_t = EVAL_PAIRS, value_parser = output::positive)]
    pub eval_pairs: usize,
    /// The gold rule that labels the generated pairs: ends-with-a, or a
    /// sparse one such as ends-with-z [default: ends-with-a]
    #[arg(long, conflicts_with = "pairs")]
    pub gold: Option<String>,
    /// Print the loss every this many steps
    #[arg(long, default_value_t = 100)]
    pub print_every: usize,
    /// Whose backward passes train the model.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
}

#[derive(clap::Subcommand)]
pub enum RewardCommand {
    /// The pair accuracy of a reward model on held-out pairs
    Eval(RewardEvalArgs),
    /// The reward of one answer to one prompt
    Score(ScoreArgs),
}

/// `reward eval`.
#[derive(clap::Args)]
pub struct RewardEvalArgs {
    /// A checkpoint of `reward`
    #[arg(long)]
    pub model: PathBuf,
    /// Pairs to measure on [default: pairs of the held-out names by the gold rule]
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Held-out pairs generated (without --pairs)
    #[arg(long, default_value_t = EVAL_PAIRS, value_parser = output::positive)]
    pub eval_pairs: usize,
}

/// `reward score`.
#[derive(clap::Args)]
pub struct ScoreArgs {
    /// A checkpoint of `reward`
    #[arg(long)]
    pub model: PathBuf,
    /// The prompt, e.g. "a name that starts with k"
    pub prompt: String,
    /// The answer
    pub answer: String,
}

impl RewardArgs {
    /// Runs the subcommand, or the training with `--impl`'s backward passes.
    pub fn run(self) -> Result<()> {
        match self.command {
            Some(RewardCommand::Eval(args)) => eval(args),
            Some(RewardCommand::Score(args)) => score(args),
            None => self.implementation.run(self),
        }
    }
}

/// The reward model of the checkpoint `path` and its chat format.
pub fn load_reward(path: &Path) -> Result<(RewardModel<f32>, ChatFormat, Checkpoint)> {
    let ckpt = checkpoint::load(path)?;
    let Network::Reward(model) = &ckpt.model else {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "it holds a {}, not a reward model: train one with `reward --base FILE`",
                ckpt.model.kind().title()
            ),
        });
    };
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
    Ok((model.clone(), format, ckpt))
}

/// `pairs` rendered in the chat format: each prompt with its chosen answer
/// and with its rejected one, as token ids ending in `<|assistant_end|>`.
pub fn encode(format: &ChatFormat, pairs: &[Pair]) -> Result<EncodedPairs> {
    let mut encoded = EncodedPairs::default();
    for (i, p) in pairs.iter().enumerate() {
        let render = |answer: &str| {
            let conversation = Conversation {
                prompt: p.prompt.clone(),
                answer: answer.to_string(),
            };
            format.render(&conversation).map_err(|e| Error::Noted {
                error: Box::new(e),
                note: format!("in pair {}", i + 1),
            })
        };
        encoded.chosen.push(render(&p.chosen)?.ids);
        encoded.rejected.push(render(&p.rejected)?.ids);
    }
    Ok(encoded)
}

/// The training pairs and the held-out ones: a pairs file's (every tenth
/// held out) or the gold rule's on the training and the held-out names.
fn pairs_of(
    file: Option<&Path>,
    data: Option<&Path>,
    rule: GoldRule,
    seed: u64,
    eval_pairs: usize,
) -> Result<(Vec<Pair>, Vec<Pair>, String)> {
    if let Some(path) = file {
        let all = pairs::read(path)?;
        let (held, train): (Vec<_>, Vec<_>) =
            all.into_iter().enumerate().partition(|(i, _)| i % 10 == 0);
        let strip = |v: Vec<(usize, Pair)>| v.into_iter().map(|(_, p)| p).collect::<Vec<_>>();
        let (train, held) = (strip(train), strip(held));
        if train.is_empty() {
            return Err(Error::Data {
                path: path.to_path_buf(),
                line: None,
                detail: format!(
                    "{} pair(s): every tenth pair is held out for the accuracy, which leaves none to train on",
                    held.len()
                ),
            });
        }
        let source = format!(
            "{} ({} pairs trained on, {} held out)",
            path.display(),
            train.len(),
            held.len()
        );
        return Ok((train, held, source));
    }
    let (_, names) = split(data)?;
    let train = pairs::generate(&names.train, rule, TRAIN_PAIRS, seed)?;
    let held = pairs::generate(&names.held_out, rule, eval_pairs, EVAL_SEED)?;
    let source = format!(
        "{} pairs of {} training names, {} pairs of {} held-out names; gold rule: {}",
        train.len(),
        names.train.len(),
        held.len(),
        names.held_out.len(),
        rule.describe()
    );
    Ok((train, held, source))
}

impl WithBackprop for RewardArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        self.train::<B>().map(|_| ())
    }
}

/// What a reward model's run reached: its held-out pair accuracy, on how
/// many pairs, and its training time.
pub struct Rewarded {
    pub after: f64,
    pub pairs: usize,
    pub timing: Timing,
}

impl RewardArgs {
    /// `reward` from a base (or `--resume`): trains the reward model, saves
    /// it, and says its held-out pair accuracy before and after.
    pub fn train<B: Backprop>(self) -> Result<Rewarded> {
        let args = self;
        if B::NAME == "exercises" {
            let mut needs = registry::needed_by(ModelKind::Gpt);
            needs.extend(registry::needed_by(ModelKind::Reward));
            implementation::ready_for::<B>(&needs)?;
        }
        let _claimed = super::chat::claim_out(
            &args.out,
            &[
                ("--base", args.base.as_deref()),
                ("--resume", args.resume.as_deref()),
                ("--pairs", args.pairs.as_deref()),
                ("--data", args.data.as_deref()),
            ],
            args.force,
        )?;
        let (mut model, format, config, start, opt) = match (&args.base, &args.resume) {
            (Some(base), _) => {
                let Loaded { model, format, .. } = load_chat(base)?;
                let config = TrainConfig {
                    steps: args.steps.unwrap_or(REWARD.steps),
                    batch_size: args.batch_size.unwrap_or(REWARD.batch_size),
                    optimizer: OptimizerConfig::AdamW(AdamW {
                        lr: args.lr.unwrap_or(1e-3),
                        ..AdamW::MAKEMORE
                    }),
                    clip: REWARD.clip,
                    seed: args.seed.unwrap_or(REWARD.seed),
                };
                config.validate()?;
                let model = RewardModel::from_gpt(model)?;
                say!(
                    "base {}: the trunk of a GPT of {} tokens ({}), block {}; reward head Linear({}, 1) at zero",
                    base.display(),
                    model.config.vocab_size,
                    format.describe(),
                    model.config.block_size,
                    model.config.n_embd
                );
                let opt = config.optimizer_for(&model)?;
                (model, format, config, 0, opt)
            }
            (None, Some(path)) => {
                let (model, format, ckpt) = load_reward(path)?;
                let mut config = ckpt.config;
                config.steps = args.steps.unwrap_or(config.steps);
                for (given, held, what) in [
                    (
                        args.batch_size.map(|b| b as u64),
                        config.batch_size as u64,
                        "--batch-size",
                    ),
                    (args.seed, config.seed, "--seed"),
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
                    "reward needs --base FILE (an sft checkpoint), or --resume FILE".into(),
                ));
            }
        };
        let rule = match &args.gold {
            Some(g) => GoldRule::parse(g)?,
            None => GoldRule::default(),
        };
        let (train_pairs, held_pairs, source) = pairs_of(
            args.pairs.as_deref(),
            args.data.as_deref(),
            rule,
            config.seed,
            args.eval_pairs,
        )?;
        let train_set = encode(&format, &train_pairs)?;
        let held_out = encode(&format, &held_pairs)?;
        let block = model.config.block_size;
        train_set.check(block, model.config.vocab_size)?;
        held_out.check(block, model.config.vocab_size)?;
        say!("pairs: {source}");
        if start == 0 {
            let a = pair_accuracy(&model, &held_out, 64)?;
            say!(
                "before: held-out pair accuracy {:.1}% (a zero head ties every pair)",
                100.0 * a
            );
        }
        let fingerprint = Fingerprint {
            kind: backprop_ninja::corpus::DataKind::Names,
            len: train_pairs.len(),
            hash: pairs_hash(&train_pairs),
            source: format!("reward pairs: {source}"),
        };
        let vocab = format.record()?;
        let codec = Some(CodecId::of(&format));
        let make = |model: &RewardModel<f32>, opt: &Optimizer, step: usize| Checkpoint {
            model: model.clone().into(),
            optimizer: opt.clone(),
            step,
            config,
            vocab: vocab.clone(),
            data: fingerprint.source.clone(),
            fingerprint: Some(fingerprint.clone()),
            eval_batches: None,
            codec: codec.clone(),
            rl: None,
        };
        let mut opt = opt;
        let every = args.print_every;
        let out = args.out.clone();
        // The one memory budget: a step holds the chosen and the rejected
        // rows of its pairs.
        budget::check(&Need::Gpt {
            config: &model.config,
            batch: config.batch_size.saturating_mul(2),
            eval_rows: 1,
            eval_batches: 0,
            splits: 1,
        })?;
        // Ctrl-C or SIGTERM: the step finished is saved, and the command
        // that resumes it said.
        let catching = super::interrupt::catch()?;
        let timing = train::fit::<B, RewardModel<f32>>(
            &mut model,
            &mut opt,
            &train_set,
            &config.run(500),
            start,
            |p| {
                if every > 0 && (p.step == start + 1 || p.step % every == 0 || p.step == p.steps) {
                    say!("step {:>6}/{}: loss {:.4}", p.step, p.steps, p.loss);
                }
            },
            |m, o, step| checkpoint::save(&out, &make(m, o, step)),
        )
        .map_err(|e| super::chat::interrupted(e, &out, "--base"))?;
        checkpoint::save(&out, &make(&model, &opt, config.steps.max(start)))?;
        super::interrupt::after_last_step(config.steps.max(start), &out)?;
        drop(catching);
        say!(
            "saved {} (step {}), {:.1}s of training",
            out.display(),
            config.steps.max(start),
            timing.total().as_secs_f64()
        );
        let a = pair_accuracy(&model, &held_out, 64)?;
        say!(
            "after: held-out pair accuracy {:.1}% ({} pairs)",
            100.0 * a,
            held_out.len()
        );
        Ok(Rewarded {
            after: a,
            pairs: held_out.len(),
            timing,
        })
    }
}

/// FNV-1a of the pairs' text, for the checkpoint's fingerprint.
fn pairs_hash(pairs: &[Pair]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in pairs {
        for b in [&p.prompt, &p.chosen, &p.rejected]
            .iter()
            .flat_map(|s| s.bytes().chain([b'\t']))
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// `reward eval`.
pub fn eval(args: RewardEvalArgs) -> Result<()> {
    let (model, format, _) = load_reward(&args.model)?;
    let (pairs, what) = match &args.pairs {
        Some(path) => (pairs::read(path)?, format!("{}", path.display())),
        None => {
            let (_, names) = split(args.data.as_deref())?;
            let rule = GoldRule::default();
            let pairs = pairs::generate(&names.held_out, rule, args.eval_pairs, EVAL_SEED)?;
            let what = format!("the held-out names; gold rule: {}", rule.describe());
            (pairs, what)
        }
    };
    let encoded = encode(&format, &pairs)?;
    let a = pair_accuracy(&model, &encoded, 64)?;
    say!(
        "{}: pair accuracy {:.1}% on {} pairs of {what}",
        args.model.display(),
        100.0 * a,
        pairs.len()
    );
    Ok(())
}

/// `reward score`.
pub fn score(args: ScoreArgs) -> Result<()> {
    let (model, format, _) = load_reward(&args.model)?;
    let ids = format
        .render(&Conversation {
            prompt: args.prompt.clone(),
            answer: args.answer.clone(),
        })?
        .ids;
    let r = model.score(&ids)?;
    say!("{r:.4}");
    Ok(())
}
