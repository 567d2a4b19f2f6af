//! # RLHF on names (*State of GPT*, the last stage)
//!
//! The reward model of the previous stage scores answers; reinforcement
//! learning makes the fine-tuned model (the **policy**) write answers it
//! scores highly, while a KL penalty keeps the policy near the model it
//! started from (the **reference**, frozen). One step of this loop:
//!
//! ```text
//! prompts   P prompts "a name that starts with k", drawn from the training names
//! rollout   G answers to each, sampled from the policy with the KV cache (N = P·G rows)
//! rewards   r (N,)       the reward model's score of each (prompt, answer)
//! batch     idx, tokens, mask (N, T)   the sequences, shifted; mask = the answer's tokens
//! logp_ref  (N, T)       the reference's log-probability of each token (constant)
//! update    logits = policy(idx)                                   (N, T, V)
//!           logp   = answer_logprob(logits, tokens), per token      (N, T)
//!           loss   = policy_gradient(logp, r)  or  ppo_clip(logp, logp_old, A)
//!                  + kl_coef · kl_penalty(logp, logp_ref)
//!           dlogp  = their backward passes;  dlogits = answer_logprob's;  then the GPT's
//! ```
//!
//! Every backward pass is an exercise of the course (`--impl exercises`
//! trains with the learner's): the two losses', the KL's, and
//! `answer_logprob`'s, which here takes each answer token as an answer of
//! one token (the logits `(N, T, V)` seen as `(N·T, 1, V)`), so that the
//! gradient arriving at each token's log-probability reaches its logits.
//!
//! REINFORCE takes one step per rollout; PPO takes `epochs` steps on the
//! same rollout, its ratio measured against the policy that sampled it
//! (`logp_old`), and reports the fraction of tokens its clip holds. A step
//! is one optimiser step: a PPO run's rollouts start every `epochs` steps.
//!
//! Rollout `r` draws its prompts and its answers from random streams of
//! the seed and `r` alone ([`rollout_seed`]), so a resumed run samples
//! what the uninterrupted one sampled.

use std::collections::HashSet;

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::chat::format::ChatFormat;
use crate::chat::pairs::GoldRule;
use crate::chat::tasks::{self, Ask, Task};
use crate::corpus::codec::Codec;
use crate::corpus::fnv1a64;
use crate::error::{Error, Result};
use crate::layers::answer_logprob::{self, AnswerLogprobCache};
use crate::layers::dpo::Dpo;
use crate::layers::kl_penalty::{self, KlEstimator};
use crate::layers::params::NamedParams;
use crate::layers::policy_gradient::{self, PolicyGradient};
use crate::layers::ppo_clip::{self, PpoClip};
use crate::models::gpt::{Gpt, GptGrads, GptWorkspace};
use crate::models::reward::RewardModel;
use crate::train::Optimizer;
use crate::train::gpt::generate_batch;
use crate::train::sampling::Sampling;

/// The policy-gradient algorithm of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Algo {
    /// REINFORCE with a group baseline: one step per rollout.
    Reinforce,
    /// PPO: `epochs` steps per rollout, the clipped surrogate.
    Ppo { clip: PpoClip, epochs: usize },
    /// DPO, trained on preference pairs by `train::fit`, not by rollouts:
    /// its run keeps the same record (the pairs' prompts and sampling, the
    /// reference, the reward model that labelled them).
    Dpo { beta: f64 },
}

impl Algo {
    /// `reinforce` or `ppo`.
    pub fn name(&self) -> &'static str {
        match self {
            Algo::Reinforce => "reinforce",
            Algo::Ppo { .. } => "ppo",
            Algo::Dpo { .. } => "dpo",
        }
    }

    /// Optimiser steps per rollout.
    pub fn epochs(&self) -> usize {
        match self {
            Algo::Reinforce | Algo::Dpo { .. } => 1,
            Algo::Ppo { epochs, .. } => *epochs,
        }
    }
}

/// What an RLHF run sets beyond the optimiser's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RlSettings {
    pub algo: Algo,
    /// Prompts per rollout, `P`.
    pub prompts: usize,
    /// Answers per prompt and GRPO's normalisation: the group baseline.
    pub group: PolicyGradient,
    /// The KL penalty's coefficient (0: none).
    pub kl_coef: f64,
    pub kl: KlEstimator,
    /// The temperature answers are sampled at.
    pub temperature: f32,
    /// The hidden rule the reward model learnt from: what the gold pass
    /// rate counts.
    pub rule: GoldRule,
}

impl RlSettings {
    /// REINFORCE, 16 prompts of 8 answers, the mean baseline, KL `k3` at
    /// 0.05, temperature 1, the gold rule "ends in 'a'".
    pub const DEFAULT: RlSettings = RlSettings {
        algo: Algo::Reinforce,
        prompts: 16,
        group: PolicyGradient {
            group: 8,
            normalize: None,
        },
        kl_coef: 0.05,
        kl: KlEstimator::K3,
        temperature: 1.0,
        rule: GoldRule::EndsWith('a'),
    };

    /// Fails, naming the setting, on a setting no run can use.
    pub fn validate(&self) -> Result<()> {
        PolicyGradient::new(self.group.group, self.group.normalize)?;
        if self.prompts == 0 {
            return Err(Error::Config(
                "0 prompts per step: a rollout needs at least one".into(),
            ));
        }
        if !(self.kl_coef.is_finite() && self.kl_coef >= 0.0) {
            return Err(Error::Config(format!(
                "the KL coefficient is {}: it must be a finite number >= 0 (0 turns the penalty off; a negative one would push the policy away from the reference)",
                self.kl_coef
            )));
        }
        match self.algo {
            Algo::Reinforce => {}
            Algo::Ppo { clip, epochs } => {
                PpoClip::new(clip.eps)?;
                if epochs == 0 {
                    return Err(Error::Config(
                        "PPO with 0 epochs: each rollout needs at least one step".into(),
                    ));
                }
            }
            Algo::Dpo { beta } => {
                Dpo::new(beta)?;
            }
        }
        Sampling {
            temperature: self.temperature,
            top_k: None,
        }
        .validate()
    }

    /// Rows of a rollout, `N = P·G`.
    pub fn rows(&self) -> usize {
        self.prompts * self.group.group
    }
}

/// A model's identity: FNV-1a of its parameters' bits in the order of its
/// walk, so that a resumed run can tell its reference and its reward model
/// from others.
pub fn identity<M: NamedParams<f32>>(model: &M) -> u64 {
    let params = model.named_params();
    fnv1a64(
        params
            .iter()
            .flat_map(|(name, p)| name.bytes().chain(p.iter().flat_map(|x| x.to_le_bytes()))),
    )
}

/// Rollout `r`'s seed: the run's seed and `r`, mixed.
pub fn rollout_seed(seed: u64, r: usize) -> u64 {
    seed ^ (r as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// What a rollout reads besides the policy: the frozen reference, the
/// reward model, the chat format, the names its prompts ask about.
#[derive(Clone, Copy, Debug)]
pub struct Env<'a> {
    pub reference: &'a Gpt<f32>,
    pub reward: &'a RewardModel<f32>,
    pub format: &'a ChatFormat,
    /// The names prompts draw their first letters from.
    pub names: &'a [String],
}

impl Env<'_> {
    /// Fails unless the policy, the reference and the reward model read
    /// the same vocabulary and block.
    pub fn check(&self, policy: &Gpt<f32>) -> Result<()> {
        let v = self.format.vocab_size();
        for (what, vocab, block) in [
            (
                "the policy",
                policy.config.vocab_size,
                policy.config.block_size,
            ),
            (
                "the reference",
                self.reference.config.vocab_size,
                self.reference.config.block_size,
            ),
            (
                "the reward model",
                self.reward.config.vocab_size,
                self.reward.config.block_size,
            ),
        ] {
            if vocab != v {
                return Err(Error::Config(format!(
                    "{what} reads {vocab} tokens, the chat format has {v}: the policy, the reference and the reward model must share one tokenizer"
                )));
            }
            if block != policy.config.block_size {
                return Err(Error::Config(format!(
                    "{what} reads {block} positions, the policy {}: they must share one block",
                    policy.config.block_size
                )));
            }
        }
        if policy.config != self.reference.config {
            return Err(Error::Config(format!(
                "the policy is a GPT of {}, the reference of {}: the policy starts as the reference",
                policy.config.sizes(),
                self.reference.config.sizes()
            )));
        }
        if self.names.is_empty() {
            return Err(Error::Config("no names to ask about".into()));
        }
        Ok(())
    }
}

/// Answers sampled after prompts, as text and as the model's batch.
#[derive(Clone, Debug)]
pub struct Samples {
    /// `(N,)` the prompt of each row
    pub asks: Vec<Ask>,
    /// `(N,)` each row's answer, without its end token
    pub answers: Vec<String>,
    /// `(N,)` whether `<|assistant_end|>` ended it
    pub ended: Vec<bool>,
    /// `(N, T)` the sequences' inputs (prompt and answer, padded with 0)
    pub idx: Array2<usize>,
    /// `(N, T)` the token each position predicts
    pub tokens: Array2<usize>,
    /// `(N, T)` true where that token is the answer's (its end token included)
    pub mask: Array2<bool>,
    /// `(N,)` each full sequence, for the reward model
    pub sequences: Vec<Vec<usize>>,
    /// `(N,)` how many of each sequence's tokens are its prompt's
    pub prompt_lens: Vec<usize>,
}

/// `per_prompt` answers to each of `asks`, sampled from `policy` at
/// `temperature` with the KV cache, row `i` from stream `i` of `seed`.
pub fn sample(
    policy: &Gpt<f32>,
    format: &ChatFormat,
    asks: &[Ask],
    per_prompt: usize,
    temperature: f32,
    seed: u64,
) -> Result<Samples> {
    let block = policy.config.block_size;
    let mut rows: Vec<Ask> = Vec::with_capacity(asks.len() * per_prompt);
    let mut prompts: Vec<Vec<usize>> = Vec::with_capacity(rows.capacity());
    for ask in asks {
        let ids = format.render_prompt(&ask.prompt())?;
        if ids.len() >= block {
            return Err(Error::Input {
                layer: "rlhf",
                detail: format!(
                    "the prompt {:?} is {} tokens with its special tokens: the block of {block} leaves no room for an answer",
                    ask.prompt(),
                    ids.len()
                ),
            });
        }
        for _ in 0..per_prompt {
            rows.push(ask.clone());
            prompts.push(ids.clone());
        }
    }
    let views: Vec<&[usize]> = prompts.iter().map(Vec::as_slice).collect();
    let max_new = block - prompts.iter().map(Vec::len).max().unwrap_or(0);
    let end = format.assistant_end();
    let sampling = Sampling {
        temperature,
        top_k: None,
    };
    let gens = generate_batch(policy, &views, max_new, Some(end), sampling, seed)?;
    let sequences: Vec<Vec<usize>> = prompts
        .iter()
        .zip(&gens)
        .map(|(p, g)| p.iter().chain(&g.tokens).copied().collect())
        .collect();
    let t = sequences.iter().map(Vec::len).max().unwrap_or(2).max(2) - 1;
    let n = rows.len();
    let (mut idx, mut tokens) = (Array2::zeros((n, t)), Array2::zeros((n, t)));
    let mut mask = Array2::from_elem((n, t), false);
    let (mut answers, mut ended) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (i, ((seq, p), g)) in sequences.iter().zip(&prompts).zip(&gens).enumerate() {
        for s in 0..seq.len() - 1 {
            idx[[i, s]] = seq[s];
            tokens[[i, s]] = seq[s + 1];
            mask[[i, s]] = s + 1 >= p.len();
        }
        let (text, stopped) = format.decode_answer(&g.tokens)?;
        answers.push(text);
        ended.push(stopped);
    }
    Ok(Samples {
        asks: rows,
        answers,
        ended,
        idx,
        tokens,
        mask,
        sequences,
        prompt_lens: prompts.iter().map(Vec::len).collect(),
    })
}

/// The reward model's score of each sample. An answer that never wrote
/// `<|assistant_end|>` (it ran out of block) has no end for the reward
/// model to read: it gets the lowest score of the others, minus 1 (or -1
/// if none ended).
pub fn rewards(reward: &RewardModel<f32>, samples: &Samples) -> Result<Array1<f32>> {
    let mut r = Array1::<f32>::zeros(samples.answers.len());
    let ended: Vec<usize> = (0..r.len()).filter(|&i| samples.ended[i]).collect();
    if let Some(&first) = ended.first() {
        // One batch, the reward model's rows in pairs: the ended answers,
        // the last row repeating the first if they are odd in number.
        let t = ended
            .iter()
            .map(|&i| samples.sequences[i].len())
            .max()
            .unwrap_or(1);
        let mut ws = reward.workspace(ended.len().div_ceil(2), t)?;
        let rows = ws.end.len();
        for row in 0..rows {
            let seq = &samples.sequences[*ended.get(row).unwrap_or(&first)];
            let mut idx = ws.trunk.idx.row_mut(row);
            idx.fill(0);
            idx.iter_mut().zip(seq).for_each(|(a, &b)| *a = b);
            ws.end[row] = seq.len() - 1;
        }
        reward.rewards(&mut ws)?;
        for (row, &i) in ended.iter().enumerate() {
            r[i] = ws.r[row];
        }
    }
    let lowest = ended.iter().map(|&i| r[i]).fold(f32::INFINITY, f32::min);
    let floor = if lowest.is_finite() {
        lowest - 1.0
    } else {
        -1.0
    };
    for (r, &e) in r.iter_mut().zip(&samples.ended) {
        if !e {
            *r = floor;
        }
    }
    Ok(r)
}

/// The per-token log-probabilities `(N, T)` of `samples.tokens` under
/// `model` (its logits left in `ws`), and `answer_logprob`'s cache, with
/// each token as an answer of one token.
pub fn token_logprobs(
    model: &Gpt<f32>,
    ws: &mut GptWorkspace<f32>,
    samples: &Samples,
) -> Result<(Array2<f32>, AnswerLogprobCache<f32>)> {
    if ws.dim() != samples.idx.dim() {
        return Err(Error::Input {
            layer: "rlhf",
            detail: format!(
                "a workspace of {:?} rows and positions for samples of {:?}",
                ws.dim(),
                samples.idx.dim()
            ),
        });
    }
    ws.idx.assign(&samples.idx);
    model.forward_logits(ws)?;
    let (n, t) = samples.idx.dim();
    let v = model.config.vocab_size;
    let logits = ws
        .logits
        .view()
        .into_shape_with_order((n * t, 1, v))
        .map_err(shape)?;
    let tokens = samples
        .tokens
        .view()
        .into_shape_with_order((n * t, 1))
        .map_err(shape)?;
    let mask = samples
        .mask
        .view()
        .into_shape_with_order((n * t, 1))
        .map_err(shape)?;
    let (_, cache) = answer_logprob::forward(&logits, &tokens, &mask)?;
    let logp = cache
        .logp
        .clone()
        .into_shape_with_order((n, t))
        .map_err(shape)?;
    Ok((logp, cache))
}

/// A reshape that cannot fail on these contiguous arrays, as an error if
/// it does.
fn shape(e: ndarray::ShapeError) -> Error {
    Error::Input {
        layer: "rlhf",
        detail: format!("the rollout's tensors as one token per row: {e}"),
    }
}

/// One rollout: its samples, their rewards and advantages, the
/// reference's and the sampling policy's log-probabilities.
#[derive(Clone, Debug)]
pub struct Rollout {
    pub samples: Samples,
    /// `(N,)`
    pub rewards: Array1<f32>,
    /// `(N,)` reward minus the group's mean (GRPO: over its std)
    pub advantages: Array1<f32>,
    /// `(N, T)` the frozen reference's
    pub logp_ref: Array2<f32>,
    /// `(N, T)` the policy's when it sampled (PPO's `logp_old`; REINFORCE
    /// reads none)
    pub logp_old: Option<Array2<f32>>,
}

/// The prompts of rollout `r`: `P` prompts "a name that starts with …",
/// their letters those of names drawn from `names`.
pub fn prompts(names: &[String], count: usize, seed: u64) -> Result<Vec<Ask>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| tasks::ask(Task::Starts, names, &mut rng))
        .collect()
}

/// Samples, scores and measures rollout `r` of a run seeded `seed`.
pub fn rollout(
    policy: &Gpt<f32>,
    env: &Env<'_>,
    settings: &RlSettings,
    seed: u64,
    r: usize,
    ws: &mut Option<GptWorkspace<f32>>,
) -> Result<Rollout> {
    let seed = rollout_seed(seed, r);
    let asks = prompts(env.names, settings.prompts, seed)?;
    let samples = sample(
        policy,
        env.format,
        &asks,
        settings.group.group,
        settings.temperature,
        seed,
    )?;
    let rewards = rewards(env.reward, &samples)?;
    let ws = workspace_for(ws, policy, &samples)?;
    with_rewards(policy, env.reference, samples, rewards, settings, ws)
}

/// What one optimiser step measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepStats {
    /// The policy loss: REINFORCE's or PPO's surrogate
    pub policy_loss: f32,
    /// The KL penalty's estimate (per answer token)
    pub kl: f32,
    /// `policy_loss + kl_coef · kl`
    pub loss: f32,
    /// PPO's clip fraction (0 for REINFORCE)
    pub clip_fraction: f64,
}

/// The loss of `policy` on `rollout` and its gradient into `grads`
/// (zeroed first), through `B`'s backward passes: the policy loss's, the
/// KL's, `answer_logprob`'s (each token an answer of one token), then the
/// GPT's. Samples, advantages and the reference's log-probabilities are
/// constants.
pub fn gradients<B: Backprop>(
    policy: &Gpt<f32>,
    grads: &mut GptGrads<f32>,
    ws: &mut GptWorkspace<f32>,
    rollout: &Rollout,
    settings: &RlSettings,
) -> Result<StepStats> {
    let samples = &rollout.samples;
    let (logp, cache) = token_logprobs(policy, ws, samples)?;
    let mask = &samples.mask;
    let mut dlogp = Array2::<f32>::zeros(logp.dim());
    let (policy_loss, clip_fraction) = match settings.algo {
        Algo::Reinforce => {
            let loss = policy_gradient::forward(&logp, mask, &rollout.rewards, &settings.group)?;
            B::policy_gradient_backward(&mut dlogp, 1.0, &rollout.rewards, mask, &settings.group);
            (loss, 0.0)
        }
        Algo::Dpo { .. } => {
            return Err(Error::Config(
                "DPO trains on pairs (`dpo`), not on rollouts".into(),
            ));
        }
        Algo::Ppo { clip, .. } => {
            let logp_old = rollout.logp_old.as_ref().ok_or_else(|| {
                Error::Config(
                    "PPO's step needs the sampling policy's log-probabilities: a rollout made for PPO"
                        .into(),
                )
            })?;
            let out = ppo_clip::forward(&logp, logp_old, &rollout.advantages, mask, &clip)?;
            B::ppo_clip_backward(
                &mut dlogp,
                1.0,
                &logp,
                logp_old,
                &rollout.advantages,
                mask,
                &clip,
            );
            (out.loss, out.clip_fraction)
        }
    };
    let kl = kl_penalty::forward(&logp, &rollout.logp_ref, mask, settings.kl)?;
    if settings.kl_coef > 0.0 {
        B::kl_penalty_backward(
            &mut dlogp,
            settings.kl_coef as f32,
            &logp,
            &rollout.logp_ref,
            mask,
            settings.kl,
        );
    }
    let (n, t) = samples.idx.dim();
    let v = policy.config.vocab_size;
    ws.dlogits.fill(0.0);
    {
        let mut dlogits = ws
            .dlogits
            .view_mut()
            .into_shape_with_order((n * t, 1, v))
            .map_err(shape)?;
        let ds = dlogp.view().into_shape_with_order(n * t).map_err(shape)?;
        let tokens = samples
            .tokens
            .view()
            .into_shape_with_order((n * t, 1))
            .map_err(shape)?;
        let mask = mask
            .view()
            .into_shape_with_order((n * t, 1))
            .map_err(shape)?;
        B::answer_logprob_backward(&mut dlogits, &ds, &cache, &tokens, &mask);
    }
    policy.backward_from_logits::<B>(ws, grads);
    Ok(StepStats {
        policy_loss,
        kl,
        loss: policy_loss + settings.kl_coef as f32 * kl,
        clip_fraction,
    })
}

/// One optimiser step of `policy` on `rollout`: [`gradients`], clipping
/// their norm at `clip`, and `opt`'s step `step`.
#[allow(clippy::too_many_arguments)]
pub fn update<B: Backprop>(
    policy: &mut Gpt<f32>,
    opt: &mut Optimizer,
    grads: &mut GptGrads<f32>,
    ws: &mut GptWorkspace<f32>,
    rollout: &Rollout,
    settings: &RlSettings,
    clip: Option<f64>,
    step: usize,
) -> Result<StepStats> {
    let stats = gradients::<B>(policy, grads, ws, rollout, settings)?;
    if let Some(max) = clip {
        policy.clip_grad_norm(grads, max);
    }
    opt.step::<B, Gpt<f32>>(policy, grads, step);
    Ok(stats)
}

/// What the evaluation of a policy measured on its sampled answers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// How many answers.
    pub answers: usize,
    /// The reward model's mean score.
    pub reward: f64,
    /// The share of answers that are right for their prompt and preferred
    /// by the gold rule (e.g. a name starting with the letter and ending
    /// in 'a').
    pub gold: f64,
    /// The share preferred by the gold rule, right or not.
    pub rule: f64,
    /// The share right for their prompt (and ended).
    pub valid: f64,
    /// The KL to the reference, per answer (nats): the mean over answers
    /// of `Σ_t logp − logp_ref`, the sequences sampled from the policy.
    pub kl: f64,
    /// The share of distinct answers.
    pub distinct: f64,
    /// The share of answers that are not training names.
    pub novel: f64,
}

/// The answers sampled for an evaluation: `prompts` prompts, one answer
/// each, at the run's temperature, from a fixed seed.
pub const EVAL_SEED: u64 = 11;

/// Rows sampled and measured together in an evaluation.
const EVAL_CHUNK: usize = 250;

/// Samples one answer to each of `count` prompts drawn from `names` and
/// measures them: the reward model's mean score, the gold rule's pass
/// rate, the KL to the reference, the distinct and the novel answers
/// (`known`, the training names).
pub fn evaluate(
    policy: &Gpt<f32>,
    env: &Env<'_>,
    settings: &RlSettings,
    known: &HashSet<&str>,
    count: usize,
) -> Result<Evaluation> {
    if count == 0 {
        return Err(Error::Config("an evaluation of 0 answers".into()));
    }
    let asks = prompts(env.names, count, EVAL_SEED)?;
    let mut e = Evaluation {
        answers: count,
        ..Evaluation::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    for (c, chunk) in asks.chunks(EVAL_CHUNK).enumerate() {
        let samples = sample(
            policy,
            env.format,
            chunk,
            1,
            settings.temperature,
            rollout_seed(EVAL_SEED, c),
        )?;
        let r = rewards(env.reward, &samples)?;
        e.reward += r.iter().map(|&r| f64::from(r)).sum::<f64>();
        let (n, t) = samples.idx.dim();
        let mut ws = policy.workspace(n, t)?;
        let (logp, _) = token_logprobs(policy, &mut ws, &samples)?;
        let (logp_ref, _) = token_logprobs(env.reference, &mut ws, &samples)?;
        ndarray::Zip::from(logp.rows())
            .and(logp_ref.rows())
            .and(samples.mask.rows())
            .for_each(|l, lr, m| {
                for ((&l, &lr), &m) in l.iter().zip(&lr).zip(&m) {
                    if m {
                        e.kl += f64::from(l - lr);
                    }
                }
            });
        for ((ask, answer), &ended) in samples
            .asks
            .iter()
            .zip(&samples.answers)
            .zip(&samples.ended)
        {
            let valid = ended && ask.check(answer);
            let preferred = ended && settings.rule.prefers(answer);
            e.valid += f64::from(u8::from(valid));
            e.rule += f64::from(u8::from(preferred));
            e.gold += f64::from(u8::from(valid && preferred));
            e.novel += f64::from(u8::from(!known.contains(answer.as_str())));
            seen.insert(answer.clone());
        }
    }
    let n = count as f64;
    for x in [
        &mut e.reward,
        &mut e.gold,
        &mut e.rule,
        &mut e.valid,
        &mut e.kl,
        &mut e.novel,
    ] {
        *x /= n;
    }
    e.distinct = seen.len() as f64 / n;
    Ok(e)
}

/// A rollout of `samples` whose rewards are given: their advantages, the
/// reference's log-probabilities and, for PPO, the policy's, computed in
/// `ws` (of the samples' `(N, T)`, [`workspace_for`]; the update then
/// reuses it). What [`rollout`] does after the reward model's scores; the
/// benches start here.
pub fn with_rewards(
    policy: &Gpt<f32>,
    reference: &Gpt<f32>,
    samples: Samples,
    rewards: Array1<f32>,
    settings: &RlSettings,
    ws: &mut GptWorkspace<f32>,
) -> Result<Rollout> {
    let advantages = policy_gradient::advantages(&rewards, &settings.group)?;
    let (logp_ref, _) = token_logprobs(reference, ws, &samples)?;
    let logp_old = match settings.algo {
        Algo::Ppo { .. } => Some(token_logprobs(policy, ws, &samples)?.0),
        Algo::Reinforce | Algo::Dpo { .. } => None,
    };
    Ok(Rollout {
        samples,
        rewards,
        advantages,
        logp_ref,
        logp_old,
    })
}

/// The workspace in `slot` if it has `samples`' `(N, T)`, else a new one
/// of that size put there: a run allocates one only when a rollout's
/// longest sequence changes.
pub fn workspace_for<'w>(
    slot: &'w mut Option<GptWorkspace<f32>>,
    model: &Gpt<f32>,
    samples: &Samples,
) -> Result<&'w mut GptWorkspace<f32>> {
    let dim = samples.idx.dim();
    if slot.as_ref().is_none_or(|ws| ws.dim() != dim) {
        *slot = Some(model.workspace(dim.0, dim.1)?);
    }
    slot.as_mut()
        .ok_or_else(|| Error::Config("no workspace".into()))
}

/// A model a run reads but does not train (the reference, the reward
/// model): where it was, and its [`identity`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelRef {
    pub path: String,
    pub identity: u64,
}

/// What an RLHF checkpoint keeps beyond the policy and its optimiser: the
/// run's settings, and which reference and reward model it runs against,
/// so that `--resume` continues the same run, bit for bit.
#[derive(Clone, Debug, PartialEq)]
pub struct RlRecord {
    pub settings: RlSettings,
    pub reference: ModelRef,
    pub reward: ModelRef,
}

impl RlRecord {
    /// As checkpoint metadata, `rl_*` keys.
    pub fn metadata(&self) -> Vec<(&'static str, String)> {
        let s = &self.settings;
        let (eps, epochs, beta) = match s.algo {
            Algo::Reinforce => ("none".to_string(), 1, "none".to_string()),
            Algo::Ppo { clip, epochs } => (clip.eps.to_string(), epochs, "none".to_string()),
            Algo::Dpo { beta } => ("none".to_string(), 1, beta.to_string()),
        };
        let GoldRule::EndsWith(letter) = s.rule;
        vec![
            ("rl_algo", s.algo.name().to_string()),
            ("rl_ppo_eps", eps),
            ("rl_ppo_epochs", epochs.to_string()),
            ("rl_dpo_beta", beta),
            ("rl_prompts", s.prompts.to_string()),
            ("rl_samples", s.group.group.to_string()),
            (
                "rl_grpo_eps",
                s.group
                    .normalize
                    .map_or_else(|| "none".to_string(), |e| e.to_string()),
            ),
            ("rl_kl_coef", s.kl_coef.to_string()),
            ("rl_kl", s.kl.name().to_string()),
            ("rl_temperature", s.temperature.to_string()),
            ("rl_rule", format!("ends-with-{letter}")),
            ("rl_reference", self.reference.path.clone()),
            (
                "rl_reference_fnv1a64",
                format!("{:016x}", self.reference.identity),
            ),
            ("rl_reward", self.reward.path.clone()),
            (
                "rl_reward_fnv1a64",
                format!("{:016x}", self.reward.identity),
            ),
        ]
    }

    /// From checkpoint metadata; `None` without `rl_algo`; an error naming
    /// the key of a value it cannot read.
    pub fn from_metadata(
        meta: &std::collections::BTreeMap<String, String>,
    ) -> std::result::Result<Option<RlRecord>, String> {
        let Some(algo) = meta.get("rl_algo") else {
            return Ok(None);
        };
        let text = |key: &str| {
            meta.get(key)
                .cloned()
                .ok_or_else(|| format!("metadata {key:?} is missing"))
        };
        fn parse<T: std::str::FromStr>(key: &str, v: &str) -> std::result::Result<T, String> {
            v.parse()
                .map_err(|_| format!("metadata {key:?} = {v:?} cannot be read"))
        }
        let optional = |key: &str| -> std::result::Result<Option<f64>, String> {
            match text(key)?.as_str() {
                "none" => Ok(None),
                v => parse(key, v).map(Some),
            }
        };
        let hex = |key: &str| -> std::result::Result<u64, String> {
            let v = text(key)?;
            u64::from_str_radix(&v, 16)
                .map_err(|_| format!("metadata {key:?} = {v:?} is not a 64-bit hexadecimal hash"))
        };
        let algo = match algo.as_str() {
            "reinforce" => Algo::Reinforce,
            "ppo" => Algo::Ppo {
                clip: PpoClip {
                    eps: optional("rl_ppo_eps")?.ok_or("metadata \"rl_ppo_eps\" is none")?,
                },
                epochs: parse("rl_ppo_epochs", &text("rl_ppo_epochs")?)?,
            },
            "dpo" => Algo::Dpo {
                beta: optional("rl_dpo_beta")?.ok_or("metadata \"rl_dpo_beta\" is none")?,
            },
            other => {
                return Err(format!(
                    "metadata \"rl_algo\" = {other:?} is not reinforce, ppo or dpo"
                ));
            }
        };
        let kl = match text("rl_kl")?.as_str() {
            "k1" => KlEstimator::K1,
            "k3" => KlEstimator::K3,
            other => return Err(format!("metadata \"rl_kl\" = {other:?} is not k1 or k3")),
        };
        let settings = RlSettings {
            algo,
            prompts: parse("rl_prompts", &text("rl_prompts")?)?,
            group: PolicyGradient {
                group: parse("rl_samples", &text("rl_samples")?)?,
                normalize: optional("rl_grpo_eps")?,
            },
            kl_coef: parse("rl_kl_coef", &text("rl_kl_coef")?)?,
            kl,
            temperature: parse("rl_temperature", &text("rl_temperature")?)?,
            rule: GoldRule::parse(&text("rl_rule")?).map_err(|e| e.to_string())?,
        };
        settings.validate().map_err(|e| e.to_string())?;
        Ok(Some(RlRecord {
            settings,
            reference: ModelRef {
                path: text("rl_reference")?,
                identity: hex("rl_reference_fnv1a64")?,
            },
            reward: ModelRef {
                path: text("rl_reward")?,
                identity: hex("rl_reward_fnv1a64")?,
            },
        }))
    }
}
