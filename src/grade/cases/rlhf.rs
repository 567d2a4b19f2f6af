//! Grading cases of the RLHF chapter (State of GPT): an answer's
//! log-probability, the policy gradient with a group baseline.
//!
//! Each loss is graded like a layer (see [`super`]): the oracle
//! differentiates the loss, times a fixed upstream gradient, with respect
//! to the policy's logits or log-probabilities alone. What RL holds fixed
//! is a constant of the case, drawn from the seed: the sampled tokens and
//! the answer mask, the rewards (so the advantages). The sequences are
//! those of a batch of prompts and answers: each row a prompt (masked
//! out), then its answer (masked in), then padding (masked out).

use ndarray::{Array1, Array2, Array3, ArrayD};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, ix2, ix3, randn};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::layers::answer_logprob;
use crate::layers::policy_gradient::{self, GRPO_EPS, PolicyGradient};

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
