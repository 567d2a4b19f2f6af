//! # The RL losses' forward passes: values, refusals, stability
//!
//! The backward passes are graded (`mutants::rlhf`, the snapshots); here,
//! what the forward passes promise: values worked out by hand, a clear
//! error for each input they cannot take (a group of one, a β or an ε out
//! of range, a mask with no answer token, a token outside the vocabulary),
//! no overflow at extreme margins, PPO's clip fraction, and no panic
//! whatever the settings, shapes and values.

use backprop_ninja::error::Error;
use backprop_ninja::grade::table::SOLUTIONS;
use backprop_ninja::layers::answer_logprob;
use backprop_ninja::layers::dpo::{self, Dpo, Pairs, log_sigmoid};
use backprop_ninja::layers::kl_penalty::{self, KlEstimator};
use backprop_ninja::layers::policy_gradient::{self, GRPO_EPS, PolicyGradient, advantages};
use backprop_ninja::layers::ppo_clip::{self, PpoClip};
use ndarray::{Array1, Array2, Array3, array};
use proptest::prelude::*;

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn an_answers_logprob_sums_its_tokens_alone() {
    // Uniform logits over 4 classes: every token has log-probability -ln 4.
    let logits = Array3::<f64>::zeros((2, 3, 4));
    let tokens = array![[0usize, 1, 2], [3, 3, 3]];
    let mask = array![[false, true, true], [true, false, false]];
    let (s, cache) = answer_logprob::forward(&logits, &tokens, &mask).unwrap();
    let l4 = 4f64.ln();
    assert!((s[0] + 2.0 * l4).abs() < 1e-12, "{s}");
    assert!((s[1] + l4).abs() < 1e-12, "{s}");
    assert!(cache.logp.iter().all(|&l| (l + l4).abs() < 1e-12));
}

#[test]
fn an_answers_logprob_refuses_a_token_outside_the_vocabulary() {
    let logits = Array3::<f64>::zeros((1, 2, 4));
    let e =
        answer_logprob::forward(&logits, &array![[0usize, 4]], &array![[true, true]]).unwrap_err();
    let m = message(e);
    assert!(m.contains("token 4 at row 0, position 1"), "{m}");
    let e = answer_logprob::forward(&logits, &array![[0usize, 1]], &array![[true, true, true]])
        .unwrap_err();
    assert!(message(e).contains("answer mask"));
}

#[test]
fn advantages_subtract_the_groups_mean_and_grpo_divides_by_its_std() {
    let rewards: Array1<f64> = array![1.0, 0.0, 0.0, 0.0, 3.0, 3.0];
    let pg = PolicyGradient::new(3, None).unwrap();
    let a = advantages(&rewards, &pg).unwrap();
    let third: f64 = 1.0 / 3.0;
    let expected = [2.0 * third, -third, -third, -2.0, 1.0, 1.0];
    for (a, e) in a.iter().zip(expected) {
        assert!((a - e).abs() < 1e-12, "{a} {e}");
    }
    // GRPO: the first group's std (1/(G-1)) is √(1/3).
    let grpo = PolicyGradient::new(3, Some(GRPO_EPS)).unwrap();
    let a = advantages(&rewards, &grpo).unwrap();
    assert!(
        (a[0] - (2.0 * third) / (third.sqrt() + GRPO_EPS)).abs() < 1e-12,
        "{a}"
    );
    // A group whose answers all scored the same teaches nothing.
    let flat = advantages(&array![0.5, 0.5, 0.5], &grpo).unwrap();
    assert!(flat.iter().all(|&a| a == 0.0), "{flat}");
}

#[test]
fn a_group_of_one_sample_is_refused_with_the_reason() {
    let e = PolicyGradient::new(1, None).unwrap_err();
    let m = message(e);
    assert!(
        m.contains("1 sample(s) per prompt") && m.contains("baseline"),
        "{m}"
    );
    let e = PolicyGradient::new(0, None).unwrap_err();
    assert!(message(e).contains("0 sample(s) per prompt"));
    // Built by hand, the struct is checked where it is used.
    let pg = PolicyGradient {
        group: 1,
        normalize: None,
    };
    assert!(advantages(&array![1.0, 2.0], &pg).is_err());
    let pg = PolicyGradient::new(2, None).unwrap();
    let e = advantages(&array![1.0, 2.0, 3.0], &pg).unwrap_err();
    assert!(message(e).contains("3 rewards do not make groups of 2"));
    let e = advantages(&array![1.0, f64::NAN], &pg).unwrap_err();
    assert!(message(e).contains("reward NaN of answer 1"));
    assert!(PolicyGradient::new(2, Some(f64::NAN)).is_err());
    assert!(PolicyGradient::new(2, Some(-1.0)).is_err());
}

#[test]
fn a_mask_without_an_answer_token_is_refused() {
    let logp = Array2::<f64>::zeros((2, 3));
    let mask = Array2::from_elem((2, 3), false);
    let pg = PolicyGradient::new(2, None).unwrap();
    let e = policy_gradient::forward(&logp, &mask, &array![1.0, 0.0], &pg).unwrap_err();
    assert!(message(e).contains("marks no token"));
    let e = kl_penalty::forward(&logp, &logp, &mask, KlEstimator::K3).unwrap_err();
    assert!(message(e).contains("marks no token"));
    let e =
        ppo_clip::forward(&logp, &logp, &array![1.0, 0.0], &mask, &PpoClip::default()).unwrap_err();
    assert!(message(e).contains("marks no token"));
}

#[test]
fn the_kl_estimators_are_zero_where_the_policy_is_the_reference() {
    let logp: Array2<f64> = array![[-1.0, -2.0], [-0.5, -3.0]];
    let mask = array![[true, true], [false, true]];
    for estimator in KlEstimator::ALL {
        assert_eq!(
            kl_penalty::forward(&logp, &logp, &mask, estimator).unwrap(),
            0.0
        );
    }
    // k3 is never negative, k1 can be.
    let other = array![[-1.5, -1.0], [0.0, -3.5]];
    let k1 = kl_penalty::forward(&logp, &other, &mask, KlEstimator::K1).unwrap();
    let k3 = kl_penalty::forward(&logp, &other, &mask, KlEstimator::K3).unwrap();
    assert!((k1 - (0.5 - 1.0 + 0.5) / 3.0).abs() < 1e-12, "{k1}");
    assert!(k3 > 0.0, "{k3}");
    let e = kl_penalty::forward(&logp, &array![[0.0]], &mask, KlEstimator::K1).unwrap_err();
    assert!(message(e).contains("the reference's logp"));
}

#[test]
fn dpos_beta_must_be_a_positive_number() {
    for beta in [-0.1, 0.0, f64::NAN, f64::INFINITY] {
        let e = Dpo::new(beta).unwrap_err();
        assert!(message(e).contains(&format!("DPO's β is {beta}")), "{beta}");
    }
    assert_eq!(Dpo::default().beta, 0.1);
    let pairs = Pairs {
        chosen: array![-1.0],
        rejected: array![-1.0],
        chosen_ref: array![-1.0],
        rejected_ref: array![-1.0],
    };
    // Checked in the forward pass too, for a struct built by hand.
    assert!(dpo::forward(&pairs, &Dpo { beta: -1.0 }).is_err());
    // No preference yet: the loss is ln 2.
    let loss = dpo::forward(&pairs, &Dpo::default()).unwrap();
    assert!((loss - 2f64.ln()).abs() < 1e-15, "{loss}");
    let uneven = Pairs {
        rejected: array![-1.0, -2.0],
        ..pairs.clone()
    };
    assert!(message(dpo::forward(&uneven, &Dpo::default()).unwrap_err()).contains("s_l"));
}

#[test]
fn dpos_loss_and_gradient_stay_finite_at_extreme_margins() {
    for z in [-1e4, -50.0, 0.0, 50.0, 1e4] {
        let l: f64 = log_sigmoid(z);
        assert!(l.is_finite() && l <= 0.0, "{z}: {l}");
    }
    assert!((log_sigmoid(-1e4f64) + 1e4).abs() < 1e-9);
    let pairs: Pairs<f64> = Pairs {
        chosen: array![-1.0, -5000.0],
        rejected: array![-5000.0, -1.0],
        chosen_ref: array![-10.0, -10.0],
        rejected_ref: array![-10.0, -10.0],
    };
    let dpo = Dpo::new(1.0).unwrap();
    let loss = dpo::forward(&pairs, &dpo).unwrap();
    assert!((loss - 4999.0 / 2.0).abs() < 1e-9, "{loss}");
    let (mut dw, mut dl) = (array![0.0, 0.0], array![0.0, 0.0]);
    (SOLUTIONS.dpo_backward)(&mut dw, &mut dl, 1.0, &pairs, &dpo);
    // The pair ranked right by a mile sends nothing, the one ranked wrong β/N.
    assert_eq!(dw[0], 0.0);
    assert!(
        (dw[1] + 0.5).abs() < 1e-12 && (dl[1] - 0.5).abs() < 1e-12,
        "{dw} {dl}"
    );
}

#[test]
fn ppo_reports_the_fraction_of_answer_tokens_clipped() {
    let clip = PpoClip::default();
    let logp_old = Array2::<f64>::zeros((2, 3));
    // Ratios 1, e^0.5, e^-0.5 / 1.1, 1, e^0.5; the prompt's first token is out.
    let logp = array![[0.0, 0.5, -0.5], [1.1f64.ln(), 0.0, 0.5]];
    let mask = array![[false, true, true], [true, true, true]];
    let out = ppo_clip::forward(&logp, &logp_old, &array![1.0, -1.0], &mask, &clip).unwrap();
    assert_eq!(out.clip_fraction, 3.0 / 5.0);
    // At ratio 1 the surrogate is A: the loss is minus the mean advantage per token.
    let fresh = ppo_clip::forward(&logp_old, &logp_old, &array![1.0, -1.0], &mask, &clip).unwrap();
    assert!(
        (fresh.loss - (-(2.0 - 3.0) / 5.0)).abs() < 1e-12,
        "{}",
        fresh.loss
    );
    assert_eq!(fresh.clip_fraction, 0.0);
    for eps in [0.0, 1.0, -0.2, f64::NAN] {
        let e = PpoClip::new(eps).unwrap_err();
        assert!(message(e).contains("PPO's ε is"), "{eps}");
    }
}

#[test]
fn ppo_sends_exactly_nothing_where_the_clip_holds() {
    let clip = PpoClip::default();
    let logp_old = Array2::<f64>::zeros((2, 2));
    // A > 0 moved past 1 + ε, A < 0 moved below 1 - ε.
    let logp = array![[0.4, 0.3], [-0.5, -0.4]];
    let mask = Array2::from_elem((2, 2), true);
    let mut dlogp = Array2::<f64>::zeros((2, 2));
    let a = array![1.0, -2.0];
    (SOLUTIONS.ppo_clip_backward)(&mut dlogp, 1.0, &logp, &logp_old, &a, &mask, &clip);
    assert!(dlogp.iter().all(|&d| d == 0.0), "{dlogp}");
    // Moved the other way, the gradient stays: A·ratio/M.
    let back = array![[-0.4, -0.3], [0.5, 0.4]];
    (SOLUTIONS.ppo_clip_backward)(&mut dlogp, 1.0, &back, &logp_old, &a, &mask, &clip);
    assert!(
        (dlogp[[0, 0]] + (-0.4f64).exp() / 4.0).abs() < 1e-15,
        "{dlogp}"
    );
    assert!(
        (dlogp[[1, 0]] - 2.0 * 0.5f64.exp() / 4.0).abs() < 1e-15,
        "{dlogp}"
    );
}

#[test]
fn the_losses_read_the_same_in_f32_as_in_f64() {
    let logp = array![[-1.0, -2.5, -0.3], [-0.7, -4.0, -1.2]];
    let other = array![[-1.2, -2.0, -0.1], [-0.9, -3.0, -1.0]];
    let mask = array![[false, true, true], [true, true, false]];
    let r = array![0.5, -1.0];
    let pg = PolicyGradient::new(2, Some(GRPO_EPS)).unwrap();
    let f = |x: &Array2<f64>| x.mapv(|v| v as f32);
    let pg64 = policy_gradient::forward(&logp, &mask, &r, &pg).unwrap();
    let pg32 = policy_gradient::forward(&f(&logp), &mask, &r.mapv(|v| v as f32), &pg).unwrap();
    assert!((pg64 - pg32 as f64).abs() < 1e-5, "{pg64} {pg32}");
    let k64 = kl_penalty::forward(&logp, &other, &mask, KlEstimator::K3).unwrap();
    let k32 = kl_penalty::forward(&f(&logp), &f(&other), &mask, KlEstimator::K3).unwrap();
    assert!((k64 - k32 as f64).abs() < 1e-5, "{k64} {k32}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// No setting, shape or value makes a forward pass panic: each is
    /// computed or refused.
    #[test]
    fn the_forward_passes_never_panic(
        n in 0usize..5,
        t in 0usize..4,
        rows in 0usize..5,
        group in 0usize..4,
        token in 0usize..5,
        setting in prop::num::f64::ANY,
        value in prop::num::f64::ANY,
        masked in any::<bool>(),
    ) {
        let logp = Array2::from_elem((n, t), value);
        let other = Array2::from_elem((rows, t), -1.0);
        let mask = Array2::from_elem((n, t), masked);
        let per_answer = Array1::from_elem(rows, value);
        let logits = Array3::from_elem((n, t, 3), value);
        let tokens = Array2::from_elem((n, t), token);
        let _ = answer_logprob::forward(&logits, &tokens, &mask);
        let pg = PolicyGradient { group, normalize: Some(setting) };
        let _ = policy_gradient::forward(&logp, &mask, &per_answer, &pg);
        let _ = advantages(&per_answer, &pg);
        for estimator in KlEstimator::ALL {
            let _ = kl_penalty::forward(&logp, &other, &mask, estimator);
            let _ = kl_penalty::forward(&logp, &logp, &mask, estimator);
        }
        let _ = ppo_clip::forward(&logp, &other, &per_answer, &mask, &PpoClip { eps: setting });
        let pairs = Pairs {
            chosen: Array1::from_elem(n, value),
            rejected: Array1::from_elem(rows, -1.0),
            chosen_ref: Array1::from_elem(n, -1.0),
            rejected_ref: Array1::from_elem(n, -2.0),
        };
        let _ = dpo::forward(&pairs, &Dpo { beta: setting });
    }
}
