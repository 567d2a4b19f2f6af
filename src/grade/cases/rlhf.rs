//! Grading cases of the RLHF chapter (State of GPT): an answer's
//! log-probability, the policy gradient with a group baseline, the KL
//! penalty to the frozen reference, DPO, PPO's clipped surrogate.
//!
//! Each loss is graded like a layer (see [`super`]): the oracle
//! differentiates the loss, times a fixed upstream gradient, with respect
//! to the policy's logits or log-probabilities alone. What RL holds fixed
//! is a constant of the case, drawn from the seed: the sampled tokens and
//! the answer mask, the rewards and the advantages, the reference's and
//! the sampling policy's log-probabilities. The sequences are
//! those of a batch of prompts and answers: each row a prompt (masked
//! out), then its answer (masked in), then padding (masked out).

use ndarray::{Array1, Array2, Array3, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, ix1, ix2, ix3, randn};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::layers::answer_logprob;
use crate::layers::dpo::{self, Dpo, Pairs};
use crate::layers::kl_penalty::{self, KlEstimator};
use crate::layers::policy_gradient::{self, GRPO_EPS, PolicyGradient};
use crate::layers::ppo_clip::{self, PpoClip};

/// A mask of `n` sequences of `t` positions: row `i`'s prompt takes its
/// first `1 + i % 2` positions and, in every other row, padding its last;
/// the answer is the rest.
fn answer_mask(n: usize, t: usize) -> Array2<bool> {
    Array2::from_shape_fn((n, t), |(i, j)| {
        let prompt = 1 + i % 2;
        let end = if i % 2 == 0 { t - 1 } else { t };
        (prompt..end).contains(&j)
    })
}

/// Per-token log-probabilities `(n, t)` of a policy: negative, spread
/// from about -0.1 to -5.
fn logprobs(n: usize, t: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    randn((n, t), rng).mapv(|z: f64| -0.1 - 1.5 * z.abs())
}

/// The row names of a mask, for the message when a function panics.
fn show_mask(mask: &Array2<bool>) -> String {
    let rows: Vec<String> = mask
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&m| if m { '1' } else { '0' }).collect())
        .collect();
    format!("[{}]", rows.join(", "))
}

pub fn answer_logprob(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t, v) = (3, 5, 6);
    let logits = randn((n, t, v), rng) * 2.0;
    let tokens = Array2::from_shape_fn((n, t), |_| rng.random_range(0..v));
    let mask = answer_mask(n, t);
    let ds = randn(n, rng);
    let dlogits0 = randn((n, t, v), rng);

    fn run(
        bp: &BackpropTable,
        logits: &Array3<f64>,
        tokens: &Array2<usize>,
        mask: &Array2<bool>,
        ds: &Array1<f64>,
        dlogits0: &Array3<f64>,
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = answer_logprob::forward(logits, tokens, mask).expect("tokens fit");
        let mut dlogits = dlogits0.clone();
        (bp.answer_logprob_backward)(&mut dlogits, ds, &cache, tokens, mask);
        vec![dlogits.into_dyn()]
    }
    let loss = |l: &ArrayD<f64>| {
        let (s, _) = answer_logprob::forward(&ix3(l), &tokens, &mask).expect("tokens fit");
        (s * &ds).sum()
    };
    let case = LayerCase {
        known: Known::none(),
        id,
        vars: vec![("dlogits".into(), dyn_(&logits), Box::new(loss))],
        prefill: vec![dyn_(&dlogits0)],
        seed,
        handed: format!(
            "dlogits ({n}, {t}, {v}), ds ({n},), cache.probs ({n}, {t}, {v}), tokens ({n}, {t}), mask ({n}, {t}) = {}",
            show_mask(&mask)
        ),
    };
    let learner = attempt(|| run(bp, &logits, &tokens, &mask, &ds, &dlogits0));
    case.grade(
        learner,
        run(&SOLUTIONS, &logits, &tokens, &mask, &ds, &dlogits0),
        vec![],
    )
}

/// The two ways of making advantages the policy gradient is graded with:
/// the group's mean subtracted, and GRPO's division by its std besides.
const BASELINES: [(&str, Option<f64>); 2] = [("dlogp", None), ("dlogp (GRPO)", Some(GRPO_EPS))];

pub fn policy_gradient(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // Two prompts, three answers each.
    let (prompts, group, t) = (2, 3, 5);
    let n = prompts * group;
    let logp = logprobs(n, t, rng);
    let mask = answer_mask(n, t);
    let rewards: Array1<f64> = Array1::from_shape_fn(n, |_| rng.random_range(-1.0..2.0));
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let dlogp0 = randn((n, t), rng);
    let pgs = BASELINES.map(|(_, normalize)| PolicyGradient { group, normalize });

    let run = |bp: &BackpropTable| -> Vec<ArrayD<f64>> {
        pgs.iter()
            .map(|pg| {
                let mut dlogp = dlogp0.clone();
                (bp.policy_gradient_backward)(&mut dlogp, dloss, &rewards, &mask, pg);
                dlogp.into_dyn()
            })
            .collect()
    };
    let vars: Vec<(String, ArrayD<f64>, Loss)> = BASELINES
        .iter()
        .zip(pgs)
        .map(|(&(name, _), pg)| {
            let (mask, rewards) = (&mask, &rewards);
            let loss: Loss = Box::new(move |l: &ArrayD<f64>| {
                dloss * policy_gradient::forward(&ix2(l), mask, rewards, &pg).expect("inputs fit")
            });
            (name.to_string(), dyn_(&logp), loss)
        })
        .collect();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dlogp0), dyn_(&dlogp0)],
        seed,
        handed: format!(
            "dlogp ({n}, {t}), dloss {dloss:.3}, rewards ({n},), mask ({n}, {t}) = {}, pg {{ group: {group}, normalize: None, then Some({GRPO_EPS}) }}",
            show_mask(&mask)
        ),
    };
    let learner = attempt(|| run(bp));
    case.grade(learner, run(&SOLUTIONS), vec![])
}

pub fn kl_penalty(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t) = (4, 5);
    let logp = logprobs(n, t, rng);
    let logp_ref = &logp + &(randn::<f64, _>((n, t), rng) * 0.5);
    let mask = answer_mask(n, t);
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let dlogp0 = randn((n, t), rng);

    let run = |bp: &BackpropTable| -> Vec<ArrayD<f64>> {
        KlEstimator::ALL
            .iter()
            .map(|&estimator| {
                let mut dlogp = dlogp0.clone();
                (bp.kl_penalty_backward)(&mut dlogp, dloss, &logp, &logp_ref, &mask, estimator);
                dlogp.into_dyn()
            })
            .collect()
    };
    let vars: Vec<(String, ArrayD<f64>, Loss)> = KlEstimator::ALL
        .iter()
        .map(|&estimator| {
            let (mask, logp_ref) = (&mask, &logp_ref);
            let loss: Loss = Box::new(move |l: &ArrayD<f64>| {
                dloss * kl_penalty::forward(&ix2(l), logp_ref, mask, estimator).expect("inputs fit")
            });
            (format!("dlogp ({})", estimator.name()), dyn_(&logp), loss)
        })
        .collect();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dlogp0), dyn_(&dlogp0)],
        seed,
        handed: format!(
            "dlogp ({n}, {t}), dloss {dloss:.3}, logp ({n}, {t}), logp_ref ({n}, {t}), mask ({n}, {t}) = {}, estimator K1 then K3",
            show_mask(&mask)
        ),
    };
    let learner = attempt(|| run(bp));
    case.grade(learner, run(&SOLUTIONS), vec![])
}

pub fn dpo(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let n = 5;
    // Answers' log-probabilities from about -5 to -20; the reference's
    // differ by a few nats, so that z spreads on both sides of 0.
    let mut summed = || Array1::from_shape_fn(n, |_| -rng.random_range(5.0..20.0));
    let (chosen, rejected) = (summed(), summed());
    let chosen_ref = &chosen + &(randn::<f64, _>(n, rng) * 5.0);
    let rejected_ref = &rejected + &(randn::<f64, _>(n, rng) * 5.0);
    let dpo = Dpo::default();
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let (dchosen0, drejected0) = (randn(n, rng), randn(n, rng));
    let pairs = |chosen: &Array1<f64>, rejected: &Array1<f64>| Pairs {
        chosen: chosen.clone(),
        rejected: rejected.clone(),
        chosen_ref: chosen_ref.clone(),
        rejected_ref: rejected_ref.clone(),
    };
    let graded = pairs(&chosen, &rejected);

    let run = |bp: &BackpropTable| -> Vec<ArrayD<f64>> {
        let (mut dw, mut dl) = (dchosen0.clone(), drejected0.clone());
        (bp.dpo_backward)(&mut dw, &mut dl, dloss, &graded, &dpo);
        vec![dw.into_dyn(), dl.into_dyn()]
    };
    let loss = |w: &ArrayD<f64>, l: &ArrayD<f64>| {
        dloss * dpo::forward(&pairs(&ix1(w), &ix1(l)), &dpo).expect("pairs fit")
    };
    let (w, l) = (dyn_(&chosen), dyn_(&rejected));
    let vars: Vec<(String, ArrayD<f64>, Loss)> = vec![
        (
            "dchosen (ds_w)".into(),
            w.clone(),
            Box::new(|v| loss(v, &l)),
        ),
        (
            "drejected (ds_l)".into(),
            l.clone(),
            Box::new(|v| loss(&w, v)),
        ),
    ];
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dchosen0), dyn_(&drejected0)],
        seed,
        handed: format!(
            "dchosen ({n},), drejected ({n},), dloss {dloss:.3}, pairs: chosen, rejected, chosen_ref, rejected_ref ({n},) each, dpo {{ beta: {} }}",
            dpo.beta
        ),
    };
    let learner = attempt(|| run(bp));
    case.grade(learner, run(&SOLUTIONS), vec![])
}

/// A log-ratio `logp - logp_old` on one side of PPO's clip, never near its
/// kinks `ln(1 ± ε)` (`ε = 0.2`: -0.223 and 0.182), where the surrogate has
/// no derivative: inside (`0`), above (`1`) or below (`2`).
fn log_ratio(side: u8, rng: &mut ChaCha8Rng) -> f64 {
    match side {
        0 => rng.random_range(-0.12..0.12),
        1 => rng.random_range(0.3..0.6),
        _ => rng.random_range(-0.6..-0.35),
    }
}

pub fn ppo_clip(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t) = (4, 5);
    let clip = PpoClip::default();
    // Advantages of both signs, none near 0.
    let advantages = Array1::from_shape_fn(n, |i| {
        (0.3 + rng.random_range(0.0..1.5)) * if i % 2 == 0 { 1.0 } else { -1.0 }
    });
    let logp_old = logprobs(n, t, rng);
    let mask = answer_mask(n, t);
    // Every side of the clip, each token at random.
    let mixed = Array2::from_shape_fn((n, t), |(i, j)| {
        let side = rng.random_range(0..3);
        logp_old[[i, j]] + log_ratio(side, rng)
    });
    // Every token where the clip holds: moved past 1 + ε with A > 0,
    // below 1 - ε with A < 0. No gradient at all.
    let held = Array2::from_shape_fn((n, t), |(i, j)| {
        let side = if advantages[i] > 0.0 { 1 } else { 2 };
        logp_old[[i, j]] + log_ratio(side, rng)
    });
    let dloss = rng.sample(rand::distr::Uniform::new(0.5, 2.0).expect("a range"));
    let dlogp0 = randn((n, t), rng);
    let points = [("dlogp", &mixed), ("dlogp (all clipped)", &held)];

    let run = |bp: &BackpropTable| -> Vec<ArrayD<f64>> {
        points
            .iter()
            .map(|&(_, logp)| {
                let mut dlogp = dlogp0.clone();
                (bp.ppo_clip_backward)(
                    &mut dlogp,
                    dloss,
                    logp,
                    &logp_old,
                    &advantages,
                    &mask,
                    &clip,
                );
                dlogp.into_dyn()
            })
            .collect()
    };
    let vars: Vec<(String, ArrayD<f64>, Loss)> = points
        .iter()
        .map(|&(name, logp)| {
            let (logp_old, advantages, mask) = (&logp_old, &advantages, &mask);
            let loss: Loss = Box::new(move |l: &ArrayD<f64>| {
                dloss
                    * ppo_clip::forward(&ix2(l), logp_old, advantages, mask, &clip)
                        .expect("inputs fit")
                        .loss
            });
            (name.to_string(), dyn_(logp), loss)
        })
        .collect();
    let case = LayerCase {
        known: Known::none(),
        id,
        vars,
        prefill: vec![dyn_(&dlogp0), dyn_(&dlogp0)],
        seed,
        handed: format!(
            "dlogp ({n}, {t}), dloss {dloss:.3}, logp ({n}, {t}), logp_old ({n}, {t}), advantages ({n},) = {advantages:.3}, mask ({n}, {t}) = {}, clip {{ eps: {} }}",
            show_mask(&mask),
            clip.eps
        ),
    };
    let learner = attempt(|| run(bp));
    case.grade(learner, run(&SOLUTIONS), vec![])
}
