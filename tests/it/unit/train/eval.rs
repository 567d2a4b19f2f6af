use backprop_ninja::train::eval::*;

#[test]
fn bits_per_byte_share_the_splits_bits_among_its_bytes() {
    use std::f64::consts::LN_2;
    // ln 2 nats a token is a bit a token: 4 tokens for 2 bytes, 2 bits
    // a byte.
    assert!((bits_per_byte(LN_2, 4, 2) - 2.0).abs() < 1e-12);
    // The character GPT on tiny Shakespeare (a byte per character):
    // val 1.81 nats a character is 1.81 / 0.693147 = 2.6113 bits a byte.
    assert!((bits_per_byte(1.81, 111_540, 111_540) - 2.611_278).abs() < 1e-6);
    // "héé": 3 characters in 5 bytes at 1 nat each: 3 nats = 4.328 bits,
    // 0.8656 a byte.
    assert!((bits_per_byte(1.0, 3, 5) - 0.865_617).abs() < 1e-6);
    // Byte pairs: 2 tokens for the same 5 bytes at 1.5 nats each.
    assert!((bits_per_byte(1.5, 2, 5) - 0.865_617).abs() < 1e-6);
}

const NAMES: [&str; 2] = ["train", "val"];

/// The losses of a run, evaluation by evaluation: the first step at
/// which the watch stops it (1-based), if any.
fn stops_at(vocab: usize, held_out: &[f64]) -> Option<usize> {
    let mut watch = Watch::new(vocab);
    held_out
        .iter()
        .position(|&l| watch.check(0, &NAMES, &[2.0, l]).is_err())
}

#[test]
fn a_good_run_and_a_short_one_near_a_uniform_guess_go_on() {
    let ln27 = 27f64.ln();
    assert_eq!(stops_at(27, &[3.8, 2.9, 2.4, 2.2, 2.25, 2.1]), None);
    // A fresh model above ln V, and a few steps that stay there.
    assert_eq!(stops_at(27, &[3.62, 3.63, 3.5, ln27 + 0.1]), None);
    // Overfitting: the held-out loss rises by tenths of a nat.
    assert_eq!(stops_at(27, &[3.3, 1.5, 1.6, 1.9, 2.4]), None);
}

#[test]
fn a_loss_that_is_not_finite_stops_the_run() {
    assert_eq!(stops_at(27, &[3.3, 2.5, f64::NAN]), Some(2));
    assert_eq!(stops_at(27, &[f64::INFINITY]), Some(0));
    let mut watch = Watch::new(27);
    let err = watch.check(5, &NAMES, &[f64::NAN, 2.0]).unwrap_err();
    assert!(
        err.to_string().contains("the train loss of the evaluation"),
        "{err}"
    );
}

#[test]
fn a_loss_far_above_the_best_so_far_stops_the_run() {
    // The MLP at --lr 4: 3.80 at the start, 25.8 at the first evaluation.
    assert_eq!(stops_at(27, &[3.80, 25.75]), Some(1));
    assert_eq!(stops_at(65, &[4.36, 2.5, 2.2, 3.21]), Some(3));
    assert_eq!(stops_at(65, &[4.36, 2.5, 2.2, 3.19]), None);
    let mut watch = Watch::new(65);
    for (step, l) in [(0, 4.36), (500, 2.2)] {
        watch.check(step, &NAMES, &[l, l]).unwrap();
    }
    let err = watch.check(1000, &NAMES, &[2.0, 39.6]).unwrap_err();
    assert!(
        err.to_string()
            .contains("the val loss is 39.6000 at step 1000, above 3.2000, the best so far (of step 500) plus 1 nat"),
        "{err}"
    );
    assert_eq!(watch.best(), Some((2.2, 500)));
}

#[test]
fn a_run_that_beat_a_uniform_guess_may_not_fall_back_above_it() {
    let ln27 = 27f64.ln();
    // Within a nat of its best, but worse than guessing.
    assert_eq!(stops_at(27, &[3.6, ln27 - 0.5, ln27 + 0.2]), Some(2));
    let mut watch = Watch::new(27);
    watch.check(0, &NAMES, &[3.6, 3.6]).unwrap();
    watch.check(10, &NAMES, &[3.0, 3.0]).unwrap();
    let err = watch.check(20, &NAMES, &[3.4, 3.4]).unwrap_err();
    assert!(err.to_string().contains("a uniform guess"), "{err}");
}
