//! `rlhf`: *State of GPT*'s last stage, reinforcement learning from the
//! reward model's scores, with REINFORCE or PPO and a KL penalty to the
//! fine-tuned model.
//!
//! `rlhf --policy SFT --reward RM` starts the policy as the `sft`
//! checkpoint and keeps a frozen copy of it as the reference; each step
//! samples answers to prompts "a name that starts with …" with the KV
//! cache, scores them with the `reward` checkpoint and steps the policy
//! (`backprop_ninja::train::rlhf`, every backward pass yours under `--impl
//! exercises`). Every evaluation samples 1,000 answers and prints the
//! reward model's mean score, the **gold** rule's pass rate (the hidden
//! rule the reward model learnt from: a valid name ending in 'a'), the KL
//! to the reference, and the share of distinct answers and of answers that
//! are not training names. The checkpoint is the one format, a GPT with
//! the chat format's vocabulary and an `rl` record (the settings, which
//! reference and reward model, by path and by identity), so `chat`,
//! `eval-tasks` and `--resume` (bit for bit) read it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use backprop_ninja::chat::pairs::GoldRule;
use backprop_ninja::corpus::codec::{Codec, CodecId};
use backprop_ninja::corpus::{DataKind, Fingerprint, fnv1a64};
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::kl_penalty::KlEstimator;
use backprop_ninja::layers::policy_gradient::{GRPO_EPS, PolicyGradient};
use backprop_ninja::layers::ppo_clip::PpoClip;
use backprop_ninja::models::gpt::Gpt;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::models::reward::RewardModel;
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::rlhf::{
    self, Algo, Env, Evaluation, ModelRef, RlRecord, RlSettings, StepStats,
};
use backprop_ninja::train::{Optimizer, OptimizerConfig, TrainConfig, interrupt};
use backprop_ninja::{Backprop, Error, Result};

use super::chat::{Loaded, claim_out, load_chat, split};
use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};
use super::reward::load_reward;

/// The RLHF run's optimiser: AdamW at makemore's settings, lr 1e-4
/// ([`PPO_LR`] for PPO), gradients clipped at 1, 300 steps.
pub const RLHF: TrainConfig = TrainConfig {
    steps: 300,
    batch_size: RlSettings::DEFAULT.prompts,
    optimizer: OptimizerConfig::AdamW(AdamW {
        lr: 1e-4,
        ..AdamW::MAKEMORE
    }),
    clip: Some(1.0),
    seed: 2207,
};

/// PPO's learning rate: its clip bounds how far a rollout's steps move
/// the policy, so it steps harder than REINFORCE (healthy runs clip 1-20%
/// of tokens; at 1e-4 it clips about 0.5%).
pub const PPO_LR: f64 = 3e-4;

/// `--algo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AlgoName {
    /// REINFORCE with a group baseline, one step per rollout
    Reinforce,
    /// PPO's clipped surrogate, --ppo-epochs steps per rollout
    Ppo,
}

/// `--kl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KlName {
    /// logp − logp_ref
    K1,
    /// exp(u) − u − 1, u = logp_ref − logp
    K3,
}

/// `rlhf`: train a policy on the reward model's scores.
#[derive(clap::Args)]
pub struct RlhfArgs {
    /// The policy to start from: an `sft` checkpoint (also the frozen reference)
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The reward model: a `reward` checkpoint of the same chat format
    #[arg(long)]
    pub reward: Option<PathBuf>,
    /// The frozen reference [default: --policy; on --resume, the run's]
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// Continue this rlhf checkpoint to --steps, with its settings
    #[arg(long, conflicts_with = "policy")]
    pub resume: Option<PathBuf>,
    /// Where the policy goes
    #[arg(long, default_value = "rlhf.safetensors")]
    pub out: PathBuf,
    /// Replace --out even if it is a regular file that is not a checkpoint
    /// of this crate; a device, FIFO, socket or symbolic link never is
    #[arg(long)]
    pub force: bool,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The policy-gradient algorithm [default: reinforce]
    #[arg(long, value_enum)]
    pub algo: Option<AlgoName>,
    /// The KL penalty's coefficient; 0 turns it off [default: 0.05]
    #[arg(long, allow_negative_numbers = true)]
    pub kl_coef: Option<f64>,
    /// The KL estimator [default: k3]
    #[arg(long, value_enum)]
    pub kl: Option<KlName>,
    /// Answers sampled per prompt, the group of the baseline (at least 2) [default: 8]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub samples: Option<usize>,
    /// Prompts per rollout [default: 16]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub prompts: Option<usize>,
    /// GRPO: divide each advantage by its group's standard deviation (+ 1e-4)
    #[arg(long)]
    pub grpo: bool,
    /// PPO's clip ε [default: 0.2]
    #[arg(long, allow_negative_numbers = true)]
    pub ppo_eps: Option<f64>,
    /// PPO's steps per rollout [default: 4]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub ppo_epochs: Option<usize>,
    /// The temperature answers are sampled at [default: 1]
    #[arg(long, allow_negative_numbers = true)]
    pub temperature: Option<f32>,
    /// The gold rule the reward model learnt, for the gold pass rate
    /// [default: ends-with-a]
    #[arg(long)]
    pub gold: Option<String>,
    /// Train up to this step (optimiser steps) [default: 300]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// AdamW's learning rate [default: 0.0001; PPO, whose clip bounds its
    /// steps, 0.0003]
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// The seed of the prompts and the samples [default: 2207]
    #[arg(long, value_parser = output::seed)]
    pub seed: Option<u64>,
    /// Evaluate every this many steps (0: before and after only)
    #[arg(long, default_value_t = 100)]
    pub eval_every: usize,
    /// Answers sampled per evaluation
    #[arg(long, default_value_t = 1000, value_parser = output::positive)]
    pub eval_answers: usize,
    /// Print a line every this many steps
    #[arg(long, default_value_t = 20)]
    pub print_every: usize,
    /// Save the checkpoint every this many steps too (each once the next
    /// rollout's losses are sound: a run that diverges keeps its last good
    /// checkpoint)
    #[arg(long, default_value_t = 100)]
    pub save_every: usize,
    /// Draw the reward, the gold rate and the KL over the steps into this
    /// folder (built with --features plots)
    #[arg(long)]
    pub plots: Option<PathBuf>,
    /// Whose backward passes train the policy.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
}

/// One evaluation, at a step.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub step: usize,
    pub eval: Evaluation,
}

/// What a run reached: the evaluations before and after, the last step's
/// statistics, the time.
#[derive(Clone, Debug)]
pub struct Summary {
    pub before: Evaluation,
    pub after: Evaluation,
    pub history: Vec<Point>,
    pub clip_fraction: f64,
    pub seconds: f64,
}

/// The exercises an RLHF run trains with.
pub fn needs() -> Vec<Exercise> {
    let mut needs = registry::needed_by(ModelKind::Gpt);
    needs.extend([
        Exercise::AnswerLogprob,
        Exercise::PolicyGradient,
        Exercise::KlPenalty,
        Exercise::PpoClip,
    ]);
    needs
}

/// The settings of a run from the options, `base`'s where not given
/// ([`RlSettings::DEFAULT`] for a new run, the record's on `--resume`).
fn settings_of(args: &RlhfArgs, base: &RlSettings) -> Result<RlSettings> {
    let (base_eps, base_epochs) = match base.algo {
        Algo::Ppo { clip, epochs } => (clip.eps, epochs),
        _ => (backprop_ninja::layers::ppo_clip::EPS, 4),
    };
    let base_name = match base.algo {
        Algo::Ppo { .. } => AlgoName::Ppo,
        _ => AlgoName::Reinforce,
    };
    let algo = match args.algo.unwrap_or(base_name) {
        AlgoName::Reinforce => {
            if args.ppo_eps.is_some() || args.ppo_epochs.is_some() {
                return Err(Error::Config(
                    "--ppo-eps and --ppo-epochs are PPO's: give --algo ppo".into(),
                ));
            }
            Algo::Reinforce
        }
        AlgoName::Ppo => Algo::Ppo {
            clip: PpoClip::new(args.ppo_eps.unwrap_or(base_eps))?,
            epochs: args.ppo_epochs.unwrap_or(base_epochs),
        },
    };
    let settings = RlSettings {
        algo,
        prompts: args.prompts.unwrap_or(base.prompts),
        group: PolicyGradient {
            group: args.samples.unwrap_or(base.group.group),
            normalize: if args.grpo {
                Some(GRPO_EPS)
            } else {
                base.group.normalize
            },
        },
        kl_coef: args.kl_coef.unwrap_or(base.kl_coef),
        kl: match args.kl {
            None => base.kl,
            Some(KlName::K1) => KlEstimator::K1,
            Some(KlName::K3) => KlEstimator::K3,
        },
        temperature: args.temperature.unwrap_or(base.temperature),
        rule: match &args.gold {
            Some(g) => GoldRule::parse(g)?,
            None => base.rule,
        },
    };
    settings.validate()?;
    Ok(settings)
}

/// Refuses, on `--resume`, options that would change the run's settings
/// (the same values, as the printed resume command repeats them, are
/// fine).
fn refuse_changes(args: &RlhfArgs, record: &RlSettings, config: &TrainConfig) -> Result<()> {
    let same = |what: &str, differs: bool| {
        if differs {
            Err(Error::Config(format!(
                "{what} differs from the run's: a resumed run keeps its settings (only --steps may grow)"
            )))
        } else {
            Ok(())
        }
    };
    same(
        "the algorithm, KL, samples, prompts, GRPO, PPO, temperature or gold rule given",
        settings_of(args, record)? != *record,
    )?;
    same(
        "--lr",
        args.lr
            .is_some_and(|lr| Some(lr) != config.adamw().map(|a| a.lr)),
    )?;
    same("--seed", args.seed.is_some_and(|s| s != config.seed))
}

/// The model at `path`, checked against the identity a run recorded.
pub fn check_identity<M: backprop_ninja::layers::params::NamedParams<f32>>(
    model: &M,
    path: &Path,
    recorded: &ModelRef,
    what: &str,
) -> Result<()> {
    let id = rlhf::identity(model);
    if id != recorded.identity {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "it is not the {what} this run started with ({}, identity {:016x}; this file's is {id:016x}): a resumed run keeps its {what}",
                recorded.path, recorded.identity
            ),
        });
    }
    Ok(())
}

/// An `sft` policy: a GPT in a chat format; a base is refused.
pub fn load_policy(path: &Path) -> Result<Loaded> {
    let loaded = load_chat(path)?;
    if !backprop_ninja::chat::format::ChatFormat::is_record(&loaded.ckpt.vocab) {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: "it is a base model, not an SFT model: RLHF starts from `sft`'s checkpoint"
                .into(),
        });
    }
    Ok(loaded)
}

/// The reward model at `path`, in the policy's chat format.
pub fn load_reward_for(path: &Path, policy: &Loaded) -> Result<RewardModel<f32>> {
    let (reward, format, _) = load_reward(path)?;
    if format.record()? != policy.format.record()? {
        return Err(Error::Checkpoint {
            path: path.to_path_buf(),
            detail: format!(
                "its chat format ({}) is not the policy's ({}): the reward model must read the policy's tokens",
                format.describe(),
                policy.format.describe()
            ),
        });
    }
    Ok(reward)
}

/// The line of one evaluation.
pub fn eval_line(label: &str, e: &Evaluation, rule: GoldRule) -> String {
    let GoldRule::EndsWith(c) = rule;
    format!(
        "{label}: RM score {:+.3}  gold {:5.1}% (ends in '{c}' {:5.1}%, valid {:5.1}%)  KL {:.3} nats/answer  distinct {:5.1}%  novel {:5.1}%",
        e.reward,
        100.0 * e.gold,
        100.0 * e.rule,
        100.0 * e.valid,
        e.kl,
        100.0 * e.distinct,
        100.0 * e.novel
    )
}

impl WithBackprop for RlhfArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        let s = run::<B>(&self)?;
        say!("{}", s.line());
        Ok(())
    }
}

impl Summary {
    /// Before and after, in one line.
    pub fn line(&self) -> String {
        let (b, a) = (&self.before, &self.after);
        let clip = if self.clip_fraction > 0.0 {
            format!(
                "; PPO clipped {:.1}% of answer tokens (healthy runs clip 1-20%)",
                100.0 * self.clip_fraction
            )
        } else {
            String::new()
        };
        format!(
            "gold {:.1}% -> {:.1}%, RM score {:+.3} -> {:+.3}, KL {:.3} -> {:.3} nats/answer, distinct {:.1}% -> {:.1}%, novel {:.1}% -> {:.1}% ({} evaluations, {:.1}s of training){clip}",
            100.0 * b.gold,
            100.0 * a.gold,
            b.reward,
            a.reward,
            b.kl,
            a.kl,
            100.0 * b.distinct,
            100.0 * a.distinct,
            100.0 * b.novel,
            100.0 * a.novel,
            self.history.len(),
            self.seconds
        )
    }
}

/// Runs `rlhf` with `B`'s backward passes; what it reached.
pub fn run<B: Backprop>(args: &RlhfArgs) -> Result<Summary> {
    if B::NAME == "exercises" {
        implementation::ready_for::<B>(&needs())?;
    }
    if cfg!(not(feature = "plots")) && args.plots.is_some() {
        return Err(Error::Config(
            "--plots draws with the `plots` feature: cargo run --release --features plots -- rlhf …"
                .into(),
        ));
    }
    let _claimed = claim_out(
        &args.out,
        &[
            ("--policy", args.policy.as_deref()),
            ("--reward", args.reward.as_deref()),
            ("--reference", args.reference.as_deref()),
            ("--resume", args.resume.as_deref()),
            ("--data", args.data.as_deref()),
        ],
        args.force,
    )?;
    // The policy, its optimiser, the run's settings, the reference and the
    // reward model: from the options, or from the checkpoint resumed.
    let (policy, config, settings, start, opt, reference, reward, record) =
        match (&args.policy, &args.resume) {
            (Some(path), _) => {
                let Some(reward_path) = &args.reward else {
                    return Err(Error::Config(
                        "rlhf needs --reward FILE (a `reward` checkpoint)".into(),
                    ));
                };
                let policy = load_policy(path)?;
                let settings = settings_of(args, &RlSettings::DEFAULT)?;
                let config = TrainConfig {
                    steps: args.steps.unwrap_or(RLHF.steps),
                    batch_size: settings.prompts,
                    optimizer: OptimizerConfig::AdamW(AdamW {
                        lr: args.lr.unwrap_or(match settings.algo {
                            Algo::Ppo { .. } => PPO_LR,
                            Algo::Reinforce | Algo::Dpo { .. } => 1e-4,
                        }),
                        ..AdamW::MAKEMORE
                    }),
                    clip: RLHF.clip,
                    seed: args.seed.unwrap_or(RLHF.seed),
                };
                config.validate()?;
                let ref_path = args.reference.as_deref().unwrap_or(path);
                let reference = match &args.reference {
                    None => policy.model.clone(),
                    Some(r) => load_policy(r)?.model,
                };
                let reward = load_reward_for(reward_path, &policy)?;
                let record = RlRecord {
                    settings,
                    reference: ModelRef {
                        path: ref_path.display().to_string(),
                        identity: rlhf::identity(&reference),
                    },
                    reward: ModelRef {
                        path: reward_path.display().to_string(),
                        identity: rlhf::identity(&reward),
                    },
                };
                let opt = config.optimizer_for(&policy.model)?;
                (policy, config, settings, 0, opt, reference, reward, record)
            }
            (None, Some(path)) => {
                let policy = load_policy(path)?;
                let Some(record) = policy.ckpt.rl.clone() else {
                    return Err(Error::Checkpoint {
                        path: path.to_path_buf(),
                        detail:
                            "it is not an rlhf checkpoint (no rl record): start a run with --policy"
                                .into(),
                    });
                };
                if let Algo::Dpo { .. } = record.settings.algo {
                    return Err(Error::Checkpoint {
                        path: path.to_path_buf(),
                        detail: "it is a dpo checkpoint: resume it with `dpo --resume`".into(),
                    });
                }
                let mut config = policy.ckpt.config;
                refuse_changes(args, &record.settings, &config)?;
                config.steps = args.steps.unwrap_or(config.steps);
                let ref_path = args
                    .reference
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(&record.reference.path));
                let reference = load_policy(&ref_path)?.model;
                check_identity(&reference, &ref_path, &record.reference, "reference")?;
                let reward_path = args
                    .reward
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(&record.reward.path));
                let reward = load_reward_for(&reward_path, &policy)?;
                check_identity(&reward, &reward_path, &record.reward, "reward model")?;
                say!(
                    "resuming {} at step {} of {}",
                    path.display(),
                    policy.ckpt.step,
                    config.steps
                );
                let (start, opt) = (policy.ckpt.step, policy.ckpt.optimizer.clone());
                (
                    policy,
                    config,
                    record.settings,
                    start,
                    opt,
                    reference,
                    reward,
                    record,
                )
            }
            (None, None) => {
                return Err(Error::Config(
                "rlhf needs --policy FILE (an sft checkpoint) and --reward FILE, or --resume FILE"
                    .into(),
            ));
            }
        };
    let epochs = settings.algo.epochs();
    if config.steps % epochs != 0 {
        return Err(Error::Config(format!(
            "--steps {} is not a whole number of PPO rollouts of {epochs} steps each",
            config.steps
        )));
    }
    let (_, names) = split(args.data.as_deref())?;
    let known: HashSet<&str> = names.train.iter().map(String::as_str).collect();
    let Loaded {
        model: mut policy,
        format,
        ckpt,
    } = policy;
    let env = Env {
        reference: &reference,
        reward: &reward,
        format: &format,
        names: &names.train,
    };
    env.check(&policy)?;
    // The one memory budget: a rollout's rows at the whole block.
    budget::check(&Need::Gpt {
        config: &policy.config,
        batch: settings.rows(),
        eval_rows: 1,
        eval_batches: 0,
        splits: 1,
    })?;
    say!(
        "rlhf: {} on {} prompts x {} answers per step, KL {} x {}{}, lr {}, seed {}; gold rule: {}",
        match settings.algo {
            Algo::Reinforce => "REINFORCE with the group baseline".to_string(),
            Algo::Ppo { clip, epochs } =>
                format!("PPO (ε {}, {epochs} steps per rollout)", clip.eps),
            Algo::Dpo { beta } => format!("DPO (β {beta})"),
        },
        settings.prompts,
        settings.group.group,
        settings.kl.name(),
        settings.kl_coef,
        if settings.group.normalize.is_some() {
            ", GRPO's normalisation"
        } else {
            ""
        },
        config.adamw().map_or(0.0, |a| a.lr),
        config.seed,
        settings.rule.describe()
    );
    let vocab = format.record()?;
    let fingerprint = Fingerprint {
        kind: DataKind::Names,
        len: names.train.len(),
        hash: fnv1a64(names.train.iter().flat_map(|n| n.bytes().chain([b'\n']))),
        source: format!("rlhf prompts about {} training names", names.train.len()),
    };
    if start > 0 && ckpt.fingerprint.as_ref().map(|f| f.hash) != Some(fingerprint.hash) {
        return Err(Error::Config(format!(
            "the names the prompts are drawn from ({}) are not the ones this run started with: give its --data",
            fingerprint.source
        )));
    }
    let codec = Some(CodecId::of(&format));
    let make = |model: &Gpt<f32>, opt: &Optimizer, step: usize| Checkpoint {
        model: model.clone().into(),
        optimizer: opt.clone(),
        step,
        config,
        vocab: vocab.clone(),
        data: fingerprint.source.clone(),
        fingerprint: Some(fingerprint.clone()),
        eval_batches: Some(0),
        codec: codec.clone(),
        rl: Some(record.clone()),
    };
    let mut opt = opt;
    opt.check_start(start)?;
    let rule = settings.rule;
    let evaluate =
        |policy: &Gpt<f32>| rlhf::evaluate(policy, &env, &settings, &known, args.eval_answers);
    // Ctrl-C or SIGTERM from here on: the step finished is saved, and
    // the command that resumes it said.
    let catching = super::interrupt::catch()?;
    let before = evaluate(&policy)?;
    say!("{}", eval_line(&format!("step {start:>5}"), &before, rule));
    let mut history = vec![Point {
        step: start,
        eval: before,
    }];
    let mut grads = policy.zero_grads();
    let t0 = Instant::now();
    let mut step = start;
    let mut last = StepStats::default();
    let mut clip_sum = (0.0, 0usize);
    // One workspace, reallocated only when a rollout's longest sequence
    // changes: the rollout's log-probabilities and its steps share it.
    let mut slot = None;
    let mut pending: Option<(Gpt<f32>, Optimizer, usize)> = None;
    while step < config.steps {
        let rollout = rlhf::rollout(
            &policy,
            &env,
            &settings,
            config.seed,
            step / epochs,
            &mut slot,
        )?;
        let ws = rlhf::workspace_for(&mut slot, &policy, &rollout.samples)?;
        for _ in 0..epochs {
            last = rlhf::update::<B>(
                &mut policy,
                &mut opt,
                &mut grads,
                ws,
                &rollout,
                &settings,
                config.clip,
                step,
            )?;
            if !(last.loss.is_finite() && last.kl.is_finite()) {
                return Err(Error::Diverged {
                    step: step + 1,
                    loss: f64::from(last.loss),
                });
            }
            if matches!(settings.algo, Algo::Ppo { .. }) {
                clip_sum.0 += last.clip_fraction;
                clip_sum.1 += 1;
            }
            step += 1;
        }
        let done = step;
        let every = |k: usize| k > 0 && done % k < epochs && done < config.steps;
        if every(args.print_every) || done == config.steps {
            let mean = rollout.rewards.mean().unwrap_or(0.0);
            let clip = match settings.algo {
                Algo::Ppo { .. } => format!("  clip {:4.1}%", 100.0 * last.clip_fraction),
                Algo::Reinforce | Algo::Dpo { .. } => String::new(),
            };
            say!(
                "step {done:>5}/{}: reward {mean:+.3}  kl {:.4}/token  loss {:+.4}{clip}",
                config.steps,
                last.kl,
                last.loss
            );
        }
        if every(args.eval_every) {
            let e = evaluate(&policy)?;
            say!("{}", eval_line(&format!("step {done:>5}"), &e, rule));
            history.push(Point {
                step: done,
                eval: e,
            });
        }
        // The state a checkpoint is due for is saved once the next
        // rollout's steps have sound losses (as the one training loop
        // does): a run that diverges keeps its last good checkpoint.
        if let Some((kept, kept_opt, at)) = pending.take() {
            checkpoint::save(&args.out, &make(&kept, &kept_opt, at))?;
        }
        if every(args.save_every) {
            pending = Some((policy.clone(), opt.clone(), done));
        }
        if let Some(signal) = interrupt::caught()
            && done < config.steps
        {
            checkpoint::save(&args.out, &make(&policy, &opt, done))?;
            return Err(super::chat::interrupted(
                Error::Interrupted {
                    step: done,
                    signal,
                    saved: true,
                },
                &args.out,
                "--policy",
            ));
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let end = config.steps.max(start);
    checkpoint::save(&args.out, &make(&policy, &opt, end))?;
    super::interrupt::after_last_step(end, &args.out)?;
    drop(catching);
    let after = if history.last().is_some_and(|p| p.step == end) {
        history.last().expect("an evaluation").eval
    } else {
        let e = evaluate(&policy)?;
        say!("{}", eval_line(&format!("step {end:>5}"), &e, rule));
        history.push(Point { step: end, eval: e });
        e
    };
    let clip_fraction = if clip_sum.1 > 0 {
        clip_sum.0 / clip_sum.1 as f64
    } else {
        0.0
    };
    say!(
        "saved {} (step {end}), {seconds:.1}s of training",
        args.out.display()
    );
    #[cfg(feature = "plots")]
    if let Some(dir) = &args.plots {
        let points: Vec<(usize, f64, f64, f64)> = history
            .iter()
            .map(|p| (p.step, p.eval.reward, p.eval.gold, p.eval.kl))
            .collect();
        for file in backprop_ninja::train::plots::rlhf(dir, &points)? {
            say!("drew {}", file.display());
        }
    }
    Ok(Summary {
        before,
        after,
        history,
        clip_fraction,
        seconds,
    })
}
