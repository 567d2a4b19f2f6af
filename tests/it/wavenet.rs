//! # The WaveNet of makemore part 5: gradients, training, the lecture's sizes
//!
//! The whole model's parameter gradients, through the trainer's own path
//! (`WaveNet::backward`), against finite differences on a small instance;
//! determinism and resuming; and, ignored unless asked for (CI runs it), a
//! short run on the lecture's `../shared/names.txt`.

use crate::common;

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::grade::cases::wavenet::wavenet_loss;
use backprop_ninja::grade::oracle::{self, Config};
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::wavenet::WaveNet;
use backprop_ninja::train::{self, Dataset, TrainConfig, wavenet_hyper};
use common::{SmallWaveNet, small_wavenet_forward, straight_and_resumed, train_quietly};
use exercises::Exercises;
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn every_parameter_gradient_of_a_small_wavenet_matches_finite_differences() {
    for seed in [1, 2, 3] {
        let SmallWaveNet {
            model,
            idx,
            targets,
            mut ws,
            loss,
        } = small_wavenet_forward(seed);
        assert!((loss - wavenet_loss(&model, &idx, &targets)).abs() < 1e-15);
        let mut grads = model.zero_grads();
        model.backward::<Solutions>(&mut ws, &mut grads);
        let analytic = model.named_grads(&grads);
        let named = model.named_params();
        assert_eq!(named.len(), 9, "table, 2 × (w, gain, bias), output w and b");
        for ((name, value), (grad_name, analytic)) in named.into_iter().zip(&analytic) {
            assert_eq!(&name, grad_name, "each parameter with its own gradient");
            let report = oracle::check(
                &name,
                &value,
                analytic,
                |v| {
                    let mut m = model.clone();
                    m.set_param(&name, v).unwrap();
                    wavenet_loss(&m, &idx, &targets)
                },
                &Config {
                    seed,
                    ..Config::default()
                },
            );
            assert!(report.passed(), "seed {seed}: {report}");
            assert!(analytic.iter().any(|&g| g != 0.0), "{name} is all zero");
        }
    }
}

#[test]
fn a_wrong_gradient_of_the_whole_model_is_caught() {
    let SmallWaveNet {
        model,
        idx,
        targets,
        mut ws,
        ..
    } = small_wavenet_forward(1);
    let mut grads = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut grads);
    let (name, wrong) = &model.named_grads(&grads)[1];
    assert_eq!(name, "layers.2.weight");
    let mut wrong = wrong.to_owned();
    wrong[[0, 0]] *= 1.01;
    let report = oracle::check(
        "layers[2] dw",
        &model.named_params()[1].1,
        &wrong,
        |v| {
            let mut m = model.clone();
            m.set_param(name, v).unwrap();
            wavenet_loss(&m, &idx, &targets)
        },
        &Config::default(),
    );
    assert!(!report.passed(), "{report}");
}

#[test]
#[ignore = "maintainers: needs the shipped todo!() stubs"]
fn maintainers_the_shipped_stubs_cannot_train_a_wavenet() {
    let SmallWaveNet { model, mut ws, .. } = small_wavenet_forward(1);
    let mut grads = model.zero_grads();
    let stub = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        model.backward::<Exercises>(&mut ws, &mut grads)
    }));
    assert!(stub.is_err(), "the shipped exercises are todo!()");
}

/// `(B, 1, C)` is the lecture's `(B, C)`: the last level's Linear is the 2-D layer.
#[test]
fn a_single_position_is_the_lectures_2d_input() {
    let layer = Linear::new(
        Array2::from_shape_fn((6, 4), |(i, j)| ((i * 4 + j) as f64).sin()),
        Some(ndarray::Array1::from_vec(vec![0.1, 0.2, 0.3, 0.4])),
    )
    .unwrap();
    let x = Array2::from_shape_fn((3, 6), |(b, c)| (b * 6 + c) as f64 * 0.1);
    let out2 = layer.forward(&x).unwrap();
    let out3 = layer.forward_3d(&x.clone().insert_axis(Axis(1))).unwrap();
    assert_eq!(out3.index_axis(Axis(1), 0), out2);
}

/// The lecture's WaveNet run, cut to `steps`, decayed at three quarters.
fn short(steps: usize) -> TrainConfig {
    common::short(TrainConfig::WAVENET, steps, steps * 3 / 4)
}

fn fresh(data: &Dataset, cfg: &TrainConfig) -> WaveNet<f32> {
    WaveNet::lecture_init(
        wavenet_hyper(data.vocab.len()),
        &mut ChaCha8Rng::seed_from_u64(cfg.seed),
    )
    .unwrap()
}

#[test]
fn wavenet_training_is_deterministic_resumable_and_learns() {
    let cfg = short(300);
    let data = Dataset::new(&Corpus::embedded(), 8, cfg.seed).unwrap();
    let model = fresh(&data, &cfg);
    let before = model.loss(&data.val.x, &data.val.y).unwrap();
    assert!(
        (before - 27f64.ln()).abs() < 0.1,
        "first loss near ln 27: {before}"
    );
    let (straight, resumed) = straight_and_resumed(model, &data, &cfg, 150);
    assert_eq!(resumed, straight, "resumed bit for bit");
    let after = straight.loss(&data.val.x, &data.val.y).unwrap();
    assert!(after < before - 0.5, "val loss {before} → {after}");
    let names = train::sample(&straight, &data.vocab, 5, "ja", 1).unwrap();
    assert!(names.iter().all(|n| n.starts_with("ja")), "{names:?}");
}

/// A short WaveNet run on the lecture's data set (10,000 steps; the full
/// 200,000 take minutes in the test profile: see docs/training.md's results for
/// the command and its losses).
#[test]
#[ignore = "needs ../shared/names.txt; run by CI"]
fn a_short_wavenet_run_on_names_txt_learns() {
    let corpus = common::names_txt();
    let cfg = short(10_000);
    let data = Dataset::new(&corpus, 8, cfg.seed).unwrap();
    let mut model = fresh(&data, &cfg);
    assert_eq!(model.num_params(), 76_579);
    train_quietly(&mut model, &data, &cfg);
    let train_loss = model.loss(&data.train.x, &data.train.y).unwrap();
    let val_loss = model.loss(&data.val.x, &data.val.y).unwrap();
    println!("after 10,000 steps: train {train_loss:.4}  val {val_loss:.4}");
    assert!(val_loss <= 2.15, "val loss {val_loss}");
}
