//! `dpo`: *State of GPT*'s preferences without reinforcement learning.
//!
//! `dpo --policy SFT --reward RM` samples two answers to each of
//! `--prompts` prompts "a name that starts with …" from the `sft` model,
//! lets the reward model say which it prefers (an answer that never
//! ended scores below every answer that did; a pair of equal scores is
//! dropped), and trains the policy
//! on those pairs with DPO against a frozen copy of itself, through the one
//! training loop (`train::fit`, [`DpoPolicy`]): `dpo` and `answer_logprob`
//! are the backward passes, yours under `--impl exercises`. `--pairs FILE`
//! trains on a pairs file instead (`prompt<TAB>chosen<TAB>rejected`).
//! Before and after, it prints the evaluation of `rlhf` (the reward
//! model's score, the gold rule's pass rate, the KL, distinct and novel
//! answers). The checkpoint is the one format, a GPT in the chat format
//! with the run's record, so `chat`, `eval-tasks` and `--resume` (bit for
//! bit) read it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use backprop_ninja::chat::format::{ChatFormat, Conversation};
use backprop_ninja::chat::pairs::{self, GoldRule};
use backprop_ninja::corpus::codec::{Codec, CodecId};
use backprop_ninja::corpus::{DataKind, Fingerprint, fnv1a64};
use backprop_ninja::io::checkpoint::{self, Checkpoint};
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::dpo::{BETA, Dpo};
use backprop_ninja::layers::kl_penalty::KlEstimator;
use backprop_ninja::layers::policy_gradient::PolicyGradient;
use backprop_ninja::models::dpo_policy::{DpoPairs, DpoPolicy, Sequence};
use backprop_ninja::models::gpt::Gpt;
use backprop_ninja::models::kind::ModelKind;
use backprop_ninja::registry::{self, Exercise};
use backprop_ninja::train::budget::{self, Need};
use backprop_ninja::train::rlhf::{self, Algo, Env, ModelRef, RlRecord, RlSettings};
use backprop_ninja::train::{self, Optimizer, OptimizerConfig, TrainConfig};
use backprop_ninja::{Backprop, Error, Result};

use super::chat::{Loaded, claim_out, split};
use super::implementation::{self, Impl, WithBackprop};
use super::output::{self, say};
use super::rlhf::{check_identity, eval_line, load_policy, load_reward_for};

/// The DPO run: AdamW at makemore's settings, lr 1e-4, 32 pairs a step,
/// clipped at 1, 300 steps.
pub const DPO: TrainConfig = TrainConfig {
    steps: 300,
    batch_size: 32,
    optimizer: OptimizerConfig::AdamW(AdamW {
        lr: 1e-4,
        ..AdamW::MAKEMORE
    }),
    clip: Some(1.0),
    seed: 2207,
};

/// Prompts whose two sampled answers the reward model labels.
pub const PROMPTS: usize = 4000;

/// Prompts sampled together.
const CHUNK: usize = 250;

/// `dpo`: train a policy on preference pairs against a frozen reference.
#[derive(clap::Args)]
pub struct DpoArgs {
    /// The policy to start from: an `sft` checkpoint (also the frozen reference)
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The reward model that labels the pairs and scores the evaluation
    #[arg(long)]
    pub reward: Option<PathBuf>,
    /// Continue this dpo checkpoint to --steps, with its settings
    #[arg(long, conflicts_with = "policy")]
    pub resume: Option<PathBuf>,
    /// Preference pairs, `prompt<TAB>chosen<TAB>rejected` a line [default:
    /// two answers sampled from the policy per prompt, labelled by the reward model]
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// Prompts sampled for pairs (without --pairs) [default: 4000]
    #[arg(long, value_parser = output::positive)]
    pub prompts: Option<usize>,
    /// DPO's β [default: 0.1]
    #[arg(long, allow_negative_numbers = true)]
    pub beta: Option<f64>,
    /// The gold rule the reward model learnt, for the gold pass rate
    /// [default: ends-with-a]
    #[arg(long)]
    pub gold: Option<String>,
    /// Where the policy goes
    #[arg(long, default_value = "dpo.safetensors")]
    pub out: PathBuf,
    /// Replace --out even if it is a regular file that is not a checkpoint
    /// of this crate; a device, FIFO, socket or symbolic link never is
    #[arg(long)]
    pub force: bool,
    /// One name per line [default: the embedded names]
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Train up to this step [default: 300]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub steps: Option<usize>,
    /// Pairs per step [default: 32]
    #[arg(long, value_parser = output::count, allow_negative_numbers = true)]
    pub batch_size: Option<usize>,
    /// AdamW's learning rate [default: 0.0001]
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// The seed of the pairs and the batches [default: 2207]
    #[arg(long, value_parser = output::seed)]
    pub seed: Option<u64>,
    /// Answers sampled per evaluation
    #[arg(long, default_value_t = 1000, value_parser = output::positive)]
    pub eval_answers: usize,
    /// Print the loss every this many steps
    #[arg(long, default_value_t = 50)]
    pub print_every: usize,
    /// Whose backward passes train the policy.
    #[arg(long = "impl", value_enum, default_value_t = Impl::Solutions)]
    pub implementation: Impl,
}

/// The settings a DPO run records: β, the prompts its pairs were sampled
/// for, two answers each, at temperature 1.
fn settings(beta: f64, prompts: usize, rule: GoldRule) -> Result<RlSettings> {
    let s = RlSettings {
        algo: Algo::Dpo { beta },
        prompts,
        group: PolicyGradient {
            group: 2,
            normalize: None,
        },
        kl_coef: 0.0,
        kl: KlEstimator::K1,
        temperature: 1.0,
        rule,
    };
    s.validate()?;
    Ok(s)
}

/// Pairs sampled from `policy` for `settings.prompts` prompts, labelled by
/// the reward model: the higher-scored answer chosen.
fn sampled_pairs(
    policy: &Gpt<f32>,
    env: &Env<'_>,
    settings: &RlSettings,
    seed: u64,
) -> Result<(Vec<Sequence>, Vec<Sequence>)> {
    let (mut chosen, mut rejected) = (vec![], vec![]);
    let asks = rlhf::prompts(env.names, settings.prompts, seed)?;
    for (c, chunk) in asks.chunks(CHUNK).enumerate() {
        let samples = rlhf::sample(
            policy,
            env.format,
            chunk,
            2,
            settings.temperature,
            rlhf::rollout_seed(seed, c),
        )?;
        let r = rlhf::rewards(env.reward, &samples)?;
        for i in (0..samples.answers.len()).step_by(2) {
            let (a, b) = (i, i + 1);
            // Two answers the reward model scores the same (both never
            // ended, or both alike) say nothing of a preference.
            if samples.answers[a] == samples.answers[b] || r[a] == r[b] {
                continue;
            }
            let (w, l) = if r[a] > r[b] { (a, b) } else { (b, a) };
            let seq = |k: usize| Sequence {
                ids: samples.sequences[k].clone(),
                prompt: samples.prompt_lens[k],
            };
            chosen.push(seq(w));
            rejected.push(seq(l));
        }
    }
    Ok((chosen, rejected))
}

/// The pairs of a pairs file, rendered in the chat format.
fn file_pairs(format: &ChatFormat, path: &Path) -> Result<(Vec<Sequence>, Vec<Sequence>)> {
    let (mut chosen, mut rejected) = (vec![], vec![]);
    for (i, p) in pairs::read(path)?.iter().enumerate() {
        let note = |e: Error| Error::Noted {
            error: Box::new(e),
            note: format!("in pair {} of {}", i + 1, path.display()),
        };
        let prompt = format.render_prompt(&p.prompt).map_err(note)?.len();
        for (answer, into) in [(&p.chosen, &mut chosen), (&p.rejected, &mut rejected)] {
            let ids = format
                .render(&Conversation {
                    prompt: p.prompt.clone(),
                    answer: answer.clone(),
                })
                .map_err(note)?
                .ids;
            into.push(Sequence { ids, prompt });
        }
    }
    Ok((chosen, rejected))
}

/// FNV-1a of the pairs' tokens, the data's fingerprint.
fn pairs_hash(chosen: &[Sequence], rejected: &[Sequence]) -> u64 {
    fnv1a64(chosen.iter().chain(rejected).flat_map(|s| {
        s.ids
            .iter()
            .chain([&s.prompt, &usize::MAX])
            .flat_map(|t| (*t as u64).to_le_bytes())
    }))
}

/// The exercises a DPO run trains with.
fn needs() -> Vec<Exercise> {
    let mut needs = registry::needed_by(ModelKind::Gpt);
    needs.extend([Exercise::AnswerLogprob, Exercise::Dpo]);
    needs
}

impl WithBackprop for DpoArgs {
    fn run<B: Backprop>(self) -> Result<()> {
        let args = self;
        if B::NAME == "exercises" {
            implementation::ready_for::<B>(&needs())?;
        }
        let _claimed = claim_out(
            &args.out,
            &[
                ("--policy", args.policy.as_deref()),
                ("--reward", args.reward.as_deref()),
                ("--resume", args.resume.as_deref()),
                ("--pairs", args.pairs.as_deref()),
                ("--data", args.data.as_deref()),
            ],
            args.force,
        )?;
        let (policy, reference, reward, config, record, start, opt, source) = match (
            &args.policy,
            &args.resume,
        ) {
            (Some(path), _) => {
                let Some(reward_path) = &args.reward else {
                    return Err(Error::Config(
                            "dpo needs --reward FILE (a `reward` checkpoint): it labels the pairs and scores the evaluation".into(),
                        ));
                };
                if args.pairs.is_some() && args.prompts.is_some() {
                    return Err(Error::Config(
                        "--prompts samples pairs; --pairs reads them: give one".into(),
                    ));
                }
                let policy = load_policy(path)?;
                let reward = load_reward_for(reward_path, &policy)?;
                let rule = match &args.gold {
                    Some(g) => GoldRule::parse(g)?,
                    None => GoldRule::default(),
                };
                let settings = settings(
                    args.beta.unwrap_or(BETA),
                    args.prompts.unwrap_or(PROMPTS),
                    rule,
                )?;
                let config = TrainConfig {
                    steps: args.steps.unwrap_or(DPO.steps),
                    batch_size: args.batch_size.unwrap_or(DPO.batch_size),
                    optimizer: OptimizerConfig::AdamW(AdamW {
                        lr: args.lr.unwrap_or(1e-4),
                        ..AdamW::MAKEMORE
                    }),
                    clip: DPO.clip,
                    seed: args.seed.unwrap_or(DPO.seed),
                };
                config.validate()?;
                let reference = policy.model.clone();
                let record = RlRecord {
                    settings,
                    reference: ModelRef {
                        path: path.display().to_string(),
                        identity: rlhf::identity(&reference),
                    },
                    reward: ModelRef {
                        path: reward_path.display().to_string(),
                        identity: rlhf::identity(&reward),
                    },
                };
                let source = match &args.pairs {
                    Some(p) => p.display().to_string(),
                    None => "sampled".to_string(),
                };
                let opt = config.optimizer_for(&policy.model)?;
                (policy, reference, reward, config, record, 0, opt, source)
            }
            (None, Some(path)) => {
                let policy = load_policy(path)?;
                let record = match &policy.ckpt.rl {
                    Some(r) if matches!(r.settings.algo, Algo::Dpo { .. }) => r.clone(),
                    _ => {
                        return Err(Error::Checkpoint {
                            path: path.to_path_buf(),
                            detail: "it is not a dpo checkpoint: start a run with --policy".into(),
                        });
                    }
                };
                let ref_path = PathBuf::from(&record.reference.path);
                let reference = load_policy(&ref_path)?.model;
                check_identity(&reference, &ref_path, &record.reference, "reference")?;
                let reward_path = args
                    .reward
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(&record.reward.path));
                let reward = load_reward_for(&reward_path, &policy)?;
                check_identity(&reward, &reward_path, &record.reward, "reward model")?;
                let mut config = policy.ckpt.config;
                // The options the printed resume command repeats must be the run's own.
                let Algo::Dpo { beta } = record.settings.algo else {
                    return Err(Error::Config(
                        "a dpo run's record names another algorithm".into(),
                    ));
                };
                let rule = args.gold.as_deref().map(GoldRule::parse).transpose()?;
                for (option, differs) in [
                    ("--beta", args.beta.is_some_and(|b| b != beta)),
                    (
                        "--prompts",
                        args.prompts.is_some_and(|p| p != record.settings.prompts),
                    ),
                    (
                        "--pairs",
                        args.pairs
                            .as_ref()
                            .is_some_and(|p| p.display().to_string() != policy.ckpt.data),
                    ),
                    ("--gold", rule.is_some_and(|r| r != record.settings.rule)),
                    (
                        "--batch-size",
                        args.batch_size.is_some_and(|b| b != config.batch_size),
                    ),
                    (
                        "--lr",
                        args.lr
                            .is_some_and(|l| Some(l) != config.adamw().map(|a| a.lr)),
                    ),
                    ("--seed", args.seed.is_some_and(|s| s != config.seed)),
                ] {
                    if differs {
                        return Err(Error::Config(format!(
                            "{option} differs from the run's: a resumed run keeps its settings (only --steps may grow)"
                        )));
                    }
                }
                config.steps = args.steps.unwrap_or(config.steps);
                say!(
                    "resuming {} at step {} of {}",
                    path.display(),
                    policy.ckpt.step,
                    config.steps
                );
                let (start, opt) = (policy.ckpt.step, policy.ckpt.optimizer.clone());
                let source = policy.ckpt.data.clone();
                (
                    policy, reference, reward, config, record, start, opt, source,
                )
            }
            (None, None) => {
                return Err(Error::Config(
                        "dpo needs --policy FILE (an sft checkpoint) and --reward FILE, or --resume FILE"
                            .into(),
                    ));
            }
        };
        let Algo::Dpo { beta } = record.settings.algo else {
            return Err(Error::Config(
                "a dpo run's record names another algorithm".into(),
            ));
        };
        let (_, names) = split(args.data.as_deref())?;
        let known: HashSet<&str> = names.train.iter().map(String::as_str).collect();
        let Loaded {
            model: gpt,
            format,
            ckpt,
        } = policy;
        let env = Env {
            reference: &reference,
            reward: &reward,
            format: &format,
            names: &names.train,
        };
        env.check(&gpt)?;
        budget::check(&Need::Gpt {
            config: &gpt.config,
            batch: config.batch_size.saturating_mul(2),
            eval_rows: 1,
            eval_batches: 0,
            splits: 1,
        })?;
        let (chosen, rejected) = if source == "sampled" {
            sampled_pairs(&reference, &env, &record.settings, config.seed)?
        } else {
            file_pairs(&format, Path::new(&source))?
        };
        let hash = pairs_hash(&chosen, &rejected);
        if start > 0 {
            let held = ckpt.fingerprint.as_ref().map(|f| f.hash);
            if held != Some(hash) {
                return Err(Error::Checkpoint {
                    path: args.resume.clone().unwrap_or_default(),
                    detail: format!(
                        "its pairs ({source}) are not the ones this run trained on: a resumed run keeps its data"
                    ),
                });
            }
        }
        let data = DpoPairs::new(&reference, chosen, rejected, 64)?;
        say!(
            "dpo: β {beta}, {} pairs ({}), {} pairs a step, lr {}, seed {}; gold rule: {}",
            data.len(),
            if source == "sampled" {
                format!(
                    "two answers to each of {} prompts sampled from the policy, labelled by the reward model",
                    record.settings.prompts
                )
            } else {
                source.clone()
            },
            config.batch_size,
            config.adamw().map_or(0.0, |a| a.lr),
            config.seed,
            record.settings.rule.describe()
        );
        let vocab = format.record()?;
        let fingerprint = Fingerprint {
            kind: DataKind::Names,
            len: data.len(),
            hash,
            source: format!("dpo pairs: {source}"),
        };
        let codec = Some(CodecId::of(&format));
        let make = |model: &DpoPolicy<f32>, opt: &Optimizer, step: usize| Checkpoint {
            model: model.gpt.clone().into(),
            optimizer: opt.clone(),
            step,
            config,
            vocab: vocab.clone(),
            data: source.clone(),
            fingerprint: Some(fingerprint.clone()),
            eval_batches: Some(0),
            codec: codec.clone(),
            rl: Some(record.clone()),
        };
        let settings = record.settings;
        let rule = settings.rule;
        // Ctrl-C or SIGTERM from here on: the step finished is saved, and
        // the command that resumes it said.
        let catching = super::interrupt::catch()?;
        let before = rlhf::evaluate(&gpt, &env, &settings, &known, args.eval_answers)?;
        say!("{}", eval_line(&format!("step {start:>5}"), &before, rule));
        let mut model = DpoPolicy {
            gpt,
            dpo: Dpo::new(beta)?,
        };
        let mut opt = opt;
        let every = args.print_every;
        let out = args.out.clone();
        let timing = train::fit::<B, DpoPolicy<f32>>(
            &mut model,
            &mut opt,
            &data,
            &config.run(100),
            start,
            |p| {
                if every > 0 && (p.step == start + 1 || p.step % every == 0 || p.step == p.steps) {
                    say!("step {:>6}/{}: loss {:.4}", p.step, p.steps, p.loss);
                }
            },
            |m, o, step| checkpoint::save(&out, &make(m, o, step)),
        )
        .map_err(|e| super::chat::interrupted(e, &out, "--policy"))?;
        let end = config.steps.max(start);
        checkpoint::save(&out, &make(&model, &opt, end))?;
        super::interrupt::after_last_step(end, &out)?;
        drop(catching);
        say!(
            "saved {} (step {end}), {:.1}s of training",
            out.display(),
            timing.total().as_secs_f64()
        );
        let after = rlhf::evaluate(&model.gpt, &env, &settings, &known, args.eval_answers)?;
        say!("{}", eval_line(&format!("step {end:>5}"), &after, rule));
        Ok(())
    }
}
