//! # Training: determinism, resuming, and the lecture's losses
//!
//! The quick tests run on the embedded corpus. The ignored ones need the
//! lecture's data set at `../shared/names.txt` and run in CI
//! (`cargo test -- --ignored`).

use crate::common;

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::train::{self, Dataset, OptimizerConfig, Schedule, TrainConfig, lecture_hyper};
use common::{straight_and_resumed, train_quietly};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The lecture's run, cut to `steps`, decayed halfway.
fn short(steps: usize) -> TrainConfig {
    common::short(TrainConfig::LECTURE, steps, steps / 2)
}

fn fresh_model(data: &Dataset, cfg: &TrainConfig) -> Mlp<f32> {
    Mlp::lecture_init(
        lecture_hyper(data.vocab.len()),
        &mut ChaCha8Rng::seed_from_u64(cfg.seed),
    )
    .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_numbers_bit_for_bit() {
    let cfg = short(300);
    let data = Dataset::new(&Corpus::embedded(), 3, cfg.seed).unwrap();
    let run = || {
        let mut model = fresh_model(&data, &cfg);
        train_quietly(&mut model, &data, &cfg);
        model
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    let mut other = TrainConfig { seed: 7, ..cfg };
    other.seed = 7;
    let mut c = fresh_model(&data, &cfg);
    train_quietly(&mut c, &data, &other);
    assert_ne!(a, c, "another seed draws other batches");
}

#[test]
fn a_resumed_run_continues_exactly_where_it_stopped() {
    let cfg = short(200);
    let data = Dataset::new(&Corpus::embedded(), 3, cfg.seed).unwrap();
    let (straight, resumed) = straight_and_resumed(fresh_model(&data, &cfg), &data, &cfg, 100);
    assert_eq!(resumed, straight);
}

#[test]
fn a_diverging_loss_stops_with_the_step_number() {
    let cfg = TrainConfig {
        optimizer: OptimizerConfig::Sgd(Schedule {
            lr: 1e30,
            lr_decayed: 1e30,
            ..short(50).sgd().unwrap()
        }),
        ..short(50)
    };
    let data = Dataset::new(&Corpus::embedded(), 3, cfg.seed).unwrap();
    let mut model = fresh_model(&data, &cfg);
    let mut saved_after = vec![];
    let err = train::train::<Solutions, _>(
        &mut model,
        &data.train,
        &cfg,
        0,
        1,
        |_| {},
        |_, step| {
            saved_after.push(step);
            Ok(())
        },
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("at step"), "{message}");
    let backprop_ninja::Error::Diverged { step, .. } = err else {
        panic!("{message}")
    };
    assert!(
        saved_after.iter().all(|&s| s <= step),
        "no checkpoint after the divergence: {saved_after:?}, step {step}"
    );
}

#[test]
fn a_short_run_learns_and_samples_names() {
    let cfg = short(2000);
    let data = Dataset::new(&Corpus::embedded(), 3, cfg.seed).unwrap();
    let mut model = fresh_model(&data, &cfg);
    let before = model.loss(&data.val.x, &data.val.y).unwrap();
    train_quietly(&mut model, &data, &cfg);
    model.calibrate_batchnorm(&data.train.x).unwrap();
    let after = model.loss(&data.val.x, &data.val.y).unwrap();
    assert!(
        after < 2.6 && after < before - 0.5,
        "val loss {before} → {after}"
    );
    let names = train::sample(&model, &data.vocab, 10, "", 1).unwrap();
    assert_eq!(names.len(), 10);
    assert!(
        names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase())),
        "{names:?}"
    );
    let with_prefix = train::sample(&model, &data.vocab, 3, "ja", 1).unwrap();
    assert!(with_prefix.iter().all(|n| n.starts_with("ja")));
    let err = train::sample(&model, &data.vocab, 1, "jö", 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("'ö'"), "{err}");
}

/// The lecture's run on its own data: 200,000 steps must reach its losses.
#[test]
#[ignore = "needs ../shared/names.txt; run by CI"]
fn the_lecture_run_on_names_txt_reaches_the_lecture_losses() {
    let corpus = common::names_txt();
    let cfg = TrainConfig::LECTURE;
    let data = Dataset::new(&corpus, 3, cfg.seed).unwrap();
    let mut model = fresh_model(&data, &cfg);
    assert_eq!(model.num_params(), 12_297);
    train_quietly(&mut model, &data, &cfg);
    model.calibrate_batchnorm(&data.train.x).unwrap();
    let train_loss = model.loss(&data.train.x, &data.train.y).unwrap();
    let val_loss = model.loss(&data.val.x, &data.val.y).unwrap();
    println!("train {train_loss:.4}  val {val_loss:.4}");
    assert!(train_loss <= 2.08, "train loss {train_loss}");
    assert!(val_loss <= 2.12, "val loss {val_loss}");
}
