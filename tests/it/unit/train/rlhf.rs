//! `train::rlhf`: the composed RL loss's gradient against finite
//! differences (samples, advantages and the reference frozen), the
//! rollout's batch, the record's round trip, and what the environment
//! refuses.

use std::collections::BTreeMap;

use backprop_ninja::Solutions;
use backprop_ninja::chat::format::ChatFormat;
use backprop_ninja::chat::pairs::GoldRule;
use backprop_ninja::corpus::codec::Codec;
use backprop_ninja::layers::kl_penalty::KlEstimator;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::layers::policy_gradient::PolicyGradient;
use backprop_ninja::layers::ppo_clip::PpoClip;
use backprop_ninja::models::gpt::{Gpt, GptConfig};
use backprop_ninja::models::reward::RewardModel;
use backprop_ninja::train::rlhf::{
    self, Algo, Env, ModelRef, RlRecord, RlSettings, Rollout, gradients,
};
use ndarray::Array1;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const NAMES: [&str; 6] = ["emma", "kayla", "olivia", "ava", "kim", "eve"];

fn format() -> ChatFormat {
    ChatFormat::on_chars(".abcdefghijklmnopqrstuvwxyz").unwrap()
}

/// A tiny GPT in the chat format, drawn from `seed`.
fn gpt(seed: u64) -> Gpt<f32> {
    let config = GptConfig {
        n_layer: 1,
        n_head: 2,
        n_embd: 8,
        block_size: 36,
        ..GptConfig::makemore(format().vocab_size(), 36)
    };
    Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
}

fn names() -> Vec<String> {
    NAMES.iter().map(|s| s.to_string()).collect()
}

/// A rollout of 2 prompts x 3 answers from `policy`, seeded rewards, the
/// reference another model (so that the KL has a gradient).
fn rollout(policy: &Gpt<f32>, settings: &RlSettings) -> Rollout {
    let asks = rlhf::prompts(&names(), settings.prompts, 5).unwrap();
    let samples = rlhf::sample(policy, &format(), &asks, settings.group.group, 1.0, 9).unwrap();
    let n = samples.answers.len();
    let rewards = Array1::from_iter((0..n).map(|i| ((i * 7 % 5) as f32) - 2.0));
    let reference = gpt(77);
    let mut slot = None;
    let ws = rlhf::workspace_for(&mut slot, policy, &samples).unwrap();
    let mut r = rlhf::with_rewards(policy, &reference, samples, rewards, settings, ws).unwrap();
    // For PPO, a sampling policy that is another model's log-probabilities
    // pulled most of the way to the policy's: ratios near 1, most inside
    // the clip and a few outside.
    let old = gpt(78);
    let ws = rlhf::workspace_for(&mut slot, policy, &r.samples).unwrap();
    let then = rlhf::token_logprobs(&old, ws, &r.samples).unwrap().0;
    let now = rlhf::token_logprobs(policy, ws, &r.samples).unwrap().0;
    assert_eq!(
        r.logp_old.is_some(),
        matches!(settings.algo, Algo::Ppo { .. })
    );
    if r.logp_old.is_some() {
        r.logp_old = Some((&then - &now) * 0.1 + &now);
    }
    r
}

fn settings(algo: Algo, kl: KlEstimator) -> RlSettings {
    RlSettings {
        algo,
        prompts: 2,
        group: PolicyGradient {
            group: 3,
            normalize: None,
        },
        kl_coef: 0.5,
        kl,
        temperature: 1.0,
        rule: GoldRule::EndsWith('a'),
    }
}

/// The gradient of the whole RL loss at every parameter against central
/// differences of the loss, in f32: the largest entries of each tensor.
fn check_gradient(settings: RlSettings) {
    let policy = gpt(3);
    let r = rollout(&policy, &settings);
    let (n, t) = r.samples.idx.dim();
    let mut ws = policy.workspace(n, t).unwrap();
    let mut grads = policy.zero_grads();
    gradients::<Solutions>(&policy, &mut grads, &mut ws, &r, &settings).unwrap();
    let loss = |m: &Gpt<f32>| {
        let mut ws = m.workspace(n, t).unwrap();
        let mut g = m.zero_grads();
        f64::from(
            gradients::<Solutions>(m, &mut g, &mut ws, &r, &settings)
                .unwrap()
                .loss,
        )
    };
    let named: Vec<(String, Vec<f32>)> = policy
        .named_grads(&grads)
        .into_iter()
        .map(|(name, g)| (name, g.iter().copied().collect()))
        .collect();
    let mut checked = 0;
    for (name, g) in named {
        // The two largest entries of each tensor.
        let mut order: Vec<usize> = (0..g.len()).collect();
        order.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
        for &i in order.iter().take(2) {
            if g[i].abs() < 1e-3 {
                continue;
            }
            let eps = 1e-2f32;
            let at = |delta: f32| {
                let mut m = policy.clone();
                for (n2, mut p) in m.named_params_mut() {
                    if n2 == name {
                        let x = p.iter_mut().nth(i).unwrap();
                        *x += delta;
                    }
                }
                loss(&m)
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * f64::from(eps));
            let analytic = f64::from(g[i]);
            assert!(
                (numeric - analytic).abs() <= 3e-2 * analytic.abs() + 2e-4,
                "{} {name}[{i}]: analytic {analytic:e}, numeric {numeric:e}",
                settings.algo.name()
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 8,
        "only {checked} entries were large enough to check"
    );
}

#[test]
fn reinforce_with_k3_kl_has_the_gradient_of_its_loss() {
    check_gradient(settings(Algo::Reinforce, KlEstimator::K3));
}

#[test]
fn reinforce_with_k1_kl_and_grpo_has_the_gradient_of_its_loss() {
    let mut s = settings(Algo::Reinforce, KlEstimator::K1);
    s.group.normalize = Some(1e-4);
    check_gradient(s);
}

#[test]
fn ppo_with_k3_kl_has_the_gradient_of_its_loss() {
    check_gradient(settings(
        Algo::Ppo {
            clip: PpoClip { eps: 0.2 },
            epochs: 2,
        },
        KlEstimator::K3,
    ));
}

#[test]
fn a_rollout_masks_the_answer_and_its_end_token_alone() {
    let policy = gpt(3);
    let s = settings(Algo::Reinforce, KlEstimator::K3);
    let r = rollout(&policy, &s);
    let samples = &r.samples;
    for (i, seq) in samples.sequences.iter().enumerate() {
        let p = samples.prompt_lens[i];
        for t in 0..samples.idx.ncols() {
            let in_seq = t + 1 < seq.len();
            assert_eq!(
                samples.mask[[i, t]],
                in_seq && t + 1 >= p,
                "row {i}, position {t}"
            );
            if in_seq {
                assert_eq!(samples.idx[[i, t]], seq[t]);
                assert_eq!(samples.tokens[[i, t]], seq[t + 1]);
            }
        }
    }
    // The same seed samples the same answers; another seed others.
    let again = rollout(&policy, &s);
    assert_eq!(again.samples.sequences, samples.sequences);
    assert_eq!(r.rewards.len(), 6);
}

#[test]
fn the_record_round_trips_through_metadata_and_names_a_bad_value() {
    for algo in [
        Algo::Reinforce,
        Algo::Ppo {
            clip: PpoClip { eps: 0.1 },
            epochs: 3,
        },
        Algo::Dpo { beta: 0.5 },
    ] {
        let mut settings = settings(algo, KlEstimator::K1);
        settings.group.normalize = Some(1e-4);
        let record = RlRecord {
            settings,
            reference: ModelRef {
                path: "sft.safetensors".into(),
                identity: 0x0123_4567_89ab_cdef,
            },
            reward: ModelRef {
                path: "reward.safetensors".into(),
                identity: 42,
            },
        };
        let meta: BTreeMap<String, String> = record
            .metadata()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(RlRecord::from_metadata(&meta).unwrap(), Some(record));
        let mut bad = meta.clone();
        bad.insert("rl_kl_coef".into(), "-1".into());
        let err = RlRecord::from_metadata(&bad).unwrap_err();
        assert!(err.contains("the KL coefficient is -1"), "{err}");
        let mut bad = meta;
        bad.insert("rl_algo".into(), "sgd".into());
        let err = RlRecord::from_metadata(&bad).unwrap_err();
        assert!(
            err.contains("\"sgd\" is not reinforce, ppo or dpo"),
            "{err}"
        );
    }
    assert_eq!(RlRecord::from_metadata(&BTreeMap::new()).unwrap(), None);
}

#[test]
fn the_environment_refuses_models_of_another_vocabulary_or_block() {
    let policy = gpt(3);
    let format = format();
    let reward = RewardModel::from_gpt(gpt(4)).unwrap();
    let names = names();
    let ok = Env {
        reference: &policy,
        reward: &reward,
        format: &format,
        names: &names,
    };
    ok.check(&policy).unwrap();
    let other = {
        let config = GptConfig {
            vocab_size: format.vocab_size() + 3,
            ..policy.config
        };
        RewardModel::from_gpt(Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(1)).unwrap()).unwrap()
    };
    let err = Env {
        reward: &other,
        ..ok
    }
    .check(&policy)
    .unwrap_err()
    .to_string();
    assert!(err.contains("the reward model reads"), "{err}");
    assert!(err.contains("must share one tokenizer"), "{err}");
    let short = {
        let config = GptConfig {
            block_size: 20,
            ..policy.config
        };
        Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(1)).unwrap()
    };
    let err = Env {
        reference: &short,
        ..ok
    }
    .check(&policy)
    .unwrap_err()
    .to_string();
    assert!(err.contains("the reference reads 20 positions"), "{err}");
    // Settings no run can use.
    let mut s = RlSettings::DEFAULT;
    s.group.group = 1;
    assert!(
        s.validate()
            .unwrap_err()
            .to_string()
            .contains("1 sample(s) per prompt")
    );
    s = RlSettings::DEFAULT;
    s.kl_coef = f64::NAN;
    assert!(
        s.validate()
            .unwrap_err()
            .to_string()
            .contains("the KL coefficient is NaN")
    );
    s.kl_coef = 0.1;
    s.algo = Algo::Dpo { beta: -1.0 };
    assert!(
        s.validate()
            .unwrap_err()
            .to_string()
            .contains("DPO's β is -1")
    );
}
