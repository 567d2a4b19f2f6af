//! The reward model of State of GPT: a GPT's trunk with a scalar head. Its
//! first loss with the head at zero (`ln 2`), every parameter's gradient
//! against finite differences, training through the one training loop
//! (resumed bit for bit), and the pairs it refuses.

use backprop_ninja::Solutions;
use backprop_ninja::grade::oracle::{self, Config};
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig};
use backprop_ninja::models::reward::{EncodedPairs, RewardModel, pair_accuracy};
use backprop_ninja::train::{self, TrainConfig};
use ndarray::ArrayD;
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// makemore's GPT, small: 7 tokens, block 6, 2 layers, 2 heads, `n_embd` 8.
fn small_config() -> GptConfig {
    GptConfig {
        n_layer: 2,
        n_head: 2,
        n_embd: 8,
        ..GptConfig::makemore(7, 6)
    }
}

/// A base GPT of the small configuration, its LayerNorms and biases moved
/// off their initial values.
fn base<F: backprop_ninja::Float>(seed: u64) -> Gpt<F> {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut gpt = Gpt::<F>::new(small_config(), rng).unwrap();
    for (name, mut p) in gpt.named_params_mut() {
        if name.contains("ln_") || name.ends_with("bias") {
            let r = ArrayD::<f64>::random_using(p.raw_dim(), StandardNormal, rng) * 0.3;
            p += &r.mapv(F::lit);
        }
    }
    gpt
}

/// Pairs of the toy rule: a prompt `1 x`, an answer `3` or `4`, the end
/// token `6`; the answer `3` is preferred. Some answers are longer
/// (`x 3 5 6`), so that end positions differ between rows.
fn toy_pairs(count: usize, seed: u64) -> EncodedPairs {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut pairs = EncodedPairs::default();
    for _ in 0..count {
        let x = rng.random_range(0..3);
        let long = rng.random_bool(0.5);
        let answer = |a: usize| {
            let mut s = vec![1, x, a];
            if long {
                s.push(5);
            }
            s.push(6);
            s
        };
        pairs.chosen.push(answer(3));
        pairs.rejected.push(answer(4));
    }
    pairs
}

#[test]
fn with_a_zero_head_the_first_loss_is_ln_2() {
    let pairs = toy_pairs(5, 1);
    for seed in [1, 2] {
        let model = RewardModel::from_gpt(base::<f32>(seed)).unwrap();
        let mut ws = model.workspace(4, 6).unwrap();
        pairs.sample_into(&mut ws, 3, 0).unwrap();
        let loss = model.forward(&mut ws).unwrap();
        assert!(
            (loss - std::f32::consts::LN_2).abs() <= f32::EPSILON,
            "{loss}"
        );
        assert_eq!(format!("{loss:.4}"), "0.6931");
        let model = RewardModel::from_gpt(base::<f64>(seed)).unwrap();
        let mut ws = model.workspace(4, 6).unwrap();
        pairs.sample_into(&mut ws, 3, 0).unwrap();
        let loss = model.forward(&mut ws).unwrap();
        assert!(
            (loss - std::f64::consts::LN_2).abs() <= 2.0 * f64::EPSILON,
            "{loss}"
        );
        // Every reward is 0, and only the head learns at the first step:
        // the trunk's gradient passes through the head's zero weight.
        assert!(ws.r.iter().all(|&r| r == 0.0));
        let mut grads = model.zero_grads();
        model.backward::<Solutions>(&mut ws, &mut grads);
        for (name, g) in model.named_grads(&grads) {
            let moved = g.iter().any(|&x| x != 0.0);
            assert_eq!(moved, name == "reward_head.weight", "{name}: {g}");
        }
    }
}

#[test]
fn every_parameter_gradient_matches_finite_differences() {
    let rng = &mut ChaCha8Rng::seed_from_u64(7);
    let mut model = RewardModel::from_gpt(base::<f64>(11)).unwrap();
    model.head.w = ndarray::Array2::random_using((8, 1), StandardNormal, rng);
    model.head.b = Some(ndarray::Array1::from_elem(1, 0.3));
    let pairs = toy_pairs(6, 2);
    let mut ws = model.workspace(3, 6).unwrap();
    pairs.sample_into(&mut ws, 5, 0).unwrap();
    assert!(
        ws.end.iter().any(|&e| e < 5),
        "some rows padded after their end"
    );
    model.forward(&mut ws).unwrap();
    let mut grads = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut grads);
    let analytic: Vec<(String, ArrayD<f64>)> = model
        .named_grads(&grads)
        .into_iter()
        .map(|(n, g)| (n, g.to_owned()))
        .collect();
    let params: Vec<ArrayD<f64>> = (model.named_params().into_iter())
        .map(|(_, p)| p.to_owned())
        .collect();
    assert_eq!(analytic.len(), params.len());
    assert_eq!(analytic.last().unwrap().0, "reward_head.bias");
    for ((name, g), p) in analytic.iter().zip(&params) {
        let loss = |v: &ArrayD<f64>| {
            let mut m = model.clone();
            m.set_param(name, v).unwrap();
            let mut ws = ws.clone();
            m.forward(&mut ws).unwrap()
        };
        let report = oracle::check(name, p, g, loss, &Config::default());
        assert!(report.passed(), "{report}");
        // Only differences of rewards count: a shift of every reward, the
        // head's bias, changes no loss, and its gradient Σ dr is 0.
        if name == "reward_head.bias" {
            assert!(g.iter().all(|&x| x.abs() < 1e-15), "{name}: {g}");
        } else {
            assert!(g.iter().any(|&x| x != 0.0), "{name} has a gradient");
        }
    }
}

#[test]
fn the_padding_after_the_end_token_changes_no_reward() {
    let model = {
        let mut m = RewardModel::from_gpt(base::<f64>(3)).unwrap();
        m.head.w.fill(0.5);
        m
    };
    let pairs = toy_pairs(4, 3);
    let mut ws = model.workspace(4, 6).unwrap();
    pairs.window_into(&mut ws, 0).unwrap();
    model.rewards(&mut ws).unwrap();
    let before = ws.r.clone();
    for (row, &e) in ws.end.clone().iter().enumerate() {
        for t in e + 1..6 {
            ws.trunk.idx[[row, t]] = 2;
        }
    }
    model.rewards(&mut ws).unwrap();
    assert_eq!(before, ws.r);
    // score() reads one sequence the same way.
    let r0 = model.score(&pairs.chosen[0]).unwrap();
    assert!((r0 - ws.r[0]).abs() < 1e-12, "{r0} vs {}", ws.r[0]);
}

fn toy_config(steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 8,
        seed: 5,
        ..TrainConfig::GPT_LECTURE
    }
}

#[test]
fn training_learns_the_rule_and_resumes_bit_for_bit() {
    let pairs = toy_pairs(40, 4);
    let held_out = toy_pairs(40, 5);
    let start = RewardModel::from_gpt(base::<f32>(4)).unwrap();
    let cfg = toy_config(60);
    let run = |model: &mut RewardModel<f32>, opt: &mut train::Optimizer, from: usize, every| {
        let mut saved = None;
        train::fit::<Solutions, _>(
            model,
            opt,
            &pairs,
            &cfg.run(every),
            from,
            |_| {},
            |m: &RewardModel<f32>, o: &train::Optimizer, step| {
                saved.get_or_insert((m.clone(), o.clone(), step));
                Ok(())
            },
        )
        .unwrap();
        saved
    };
    let mut straight = start.clone();
    let mut opt = cfg.optimizer_for(&straight).unwrap();
    let (mut resumed, mut resumed_opt, at) = run(&mut straight, &mut opt, 0, 20).unwrap();
    assert_eq!(at, 20);
    run(&mut resumed, &mut resumed_opt, at, 0);
    assert_eq!(
        straight, resumed,
        "resumed at step 20, the run ends the same"
    );
    let before = pair_accuracy(&start, &held_out, 16).unwrap();
    let after = pair_accuracy(&straight, &held_out, 16).unwrap();
    assert_eq!(before, 0.0, "a zero head ties every pair");
    assert!(after >= 0.9, "held-out pair accuracy {after}");
}

#[test]
fn bad_pairs_and_bases_are_errors_that_say_why() {
    let model = RewardModel::from_gpt(base::<f32>(1)).unwrap();
    let fails = |pairs: &EncodedPairs, says: &str| {
        let e = pairs.check(6, 7).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
        let e = pair_accuracy(&model, pairs, 4).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    };
    fails(&EncodedPairs::default(), "no pairs");
    let same = EncodedPairs {
        chosen: vec![vec![1, 3, 6], vec![1, 2, 6]],
        rejected: vec![vec![1, 4, 6], vec![1, 2, 6]],
    };
    fails(
        &same,
        "pair 1: the chosen and the rejected sequences are the same",
    );
    let long = EncodedPairs {
        chosen: vec![vec![1; 7]],
        rejected: vec![vec![2]],
    };
    fails(&long, "pair 0: the chosen sequence has 7 tokens");
    let outside = EncodedPairs {
        chosen: vec![vec![1, 3, 6]],
        rejected: vec![vec![1, 9, 6]],
    };
    fails(&outside, "token 9, outside the model's 7 tokens");
    let bigram = Gpt::<f32>::new(
        small_config().with_arch(Arch::Bigram),
        &mut ChaCha8Rng::seed_from_u64(1),
    )
    .unwrap();
    let e = RewardModel::from_gpt(bigram).unwrap_err().to_string();
    assert!(e.contains("the bigram has none"), "{e}");
    assert!(model.score(&[]).is_err());
    assert!(model.score(&[1; 7]).is_err());
}
