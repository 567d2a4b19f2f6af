//! # Diagnostics (makemore part 3): the lecture's contrast, measured
//!
//! A short run of the deep tanh MLP on the embedded corpus: with unit-normal
//! weights and no BatchNorm the tanh layers saturate, with the lecture's
//! init and BatchNorm they do not; and the statistics agree with the layers
//! they describe.

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::models::deep::{Deep, DeepConfig, DeepInit};
use backprop_ninja::models::diagnostics;
use backprop_ninja::train::diagnose::{self, Diagnosis};
use backprop_ninja::train::{Dataset, TrainConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const STEPS: usize = 50;

fn run(init: DeepInit, batchnorm: bool) -> Diagnosis {
    let data = Dataset::new(&Corpus::embedded(), 3, 42).unwrap();
    let cfg = TrainConfig {
        steps: STEPS,
        ..TrainConfig::LECTURE
    };
    let config = DeepConfig {
        init,
        batchnorm,
        ..DeepConfig::LECTURE
    };
    let mut model = Deep::new(data.vocab.len(), config, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
    diagnose::diagnose::<Solutions>(&mut model, &data.train, &cfg, &[1, STEPS], true, |_| {})
        .unwrap()
}

fn saturations(d: &Diagnosis) -> Vec<Vec<f64>> {
    d.snapshots
        .iter()
        .map(|s| s.tanh.iter().map(|t| t.activation.saturated).collect())
        .collect()
}

#[test]
fn naive_init_without_batchnorm_saturates_and_the_lecture_setup_does_not() {
    let naive = run(DeepInit::Naive, false);
    let lecture = run(DeepInit::Lecture, true);
    for d in [&naive, &lecture] {
        assert_eq!(d.snapshots.len(), 2);
        assert_eq!(d.snapshots[1].step, STEPS);
        assert_eq!(d.snapshots[0].tanh.len(), 5, "five tanh layers");
        assert_eq!(d.losses.len(), STEPS);
        assert_eq!(d.updates.len(), STEPS);
        assert_eq!(d.weight_names.len(), 6);
    }
    for layers in saturations(&naive) {
        for (i, s) in layers.iter().enumerate() {
            assert!(
                *s > 50.0,
                "naive, no BatchNorm: layer {i} only {s:.1}% saturated"
            );
        }
    }
    for layers in saturations(&lecture) {
        for (i, s) in layers.iter().enumerate() {
            assert!(
                *s < 10.0,
                "lecture init + BatchNorm: layer {i} {s:.1}% saturated"
            );
        }
    }
    // the naive net's first loss is far above ln 27 ≈ 3.3, the lecture's near it
    assert!(
        naive.losses[0] > 10.0,
        "naive first loss {}",
        naive.losses[0]
    );
    assert!(
        (lecture.losses[0] - 27f32.ln()).abs() < 0.3,
        "lecture first loss {}",
        lecture.losses[0]
    );
}

#[test]
fn snapshot_statistics_describe_the_recorded_values() {
    let d = run(DeepInit::Lecture, true);
    let s = &d.snapshots[0];
    assert_eq!(s.dlogits.dim(), (32, 27));
    // each row of dlogits = (softmax - onehot) / B sums to zero
    for row in s.dlogits.rows() {
        assert!(
            row.sum().abs() < 1e-5,
            "a row of dlogits sums to {}",
            row.sum()
        );
    }
    for t in &s.tanh {
        assert_eq!(t.activations.len(), 32 * 100);
        assert_eq!(t.activation, diagnostics::summarize(&t.activations));
        assert_eq!(t.gradient, diagnostics::summarize(&t.gradients));
        assert!(t.activations.iter().all(|a| a.abs() <= 1.0));
    }
    // BatchNorm centres each unit: tanh of it has a mean near 0
    assert!(s.tanh.iter().all(|t| t.activation.mean.abs() < 0.05));
    // the hidden weights' update:data ratios sit within two decades of
    // 1e-3 at lr 0.1; the last layer, scaled down by 0.1, is the lecture's
    // outlier at first: its updates are large next to its small weights
    for row in &d.updates {
        let (last, hidden) = row.split_last().unwrap();
        for &r in hidden {
            assert!((-5.0..-1.0).contains(&r), "log10 update:data {r}");
        }
        assert!(last.is_finite());
    }
    let first = &d.updates[0];
    assert!(
        first[5] > first[1],
        "the last layer starts as the outlier: {first:?}"
    );
}
