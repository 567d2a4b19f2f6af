use backprop_ninja::train::sampling::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_defaults_leave_the_logits_as_they_are() {
    let logits = [0.3f32, -1.25, 2.0, 0.1];
    let mut shaped = logits;
    Sampling::default().apply(&mut shaped);
    assert_eq!(shaped.map(f32::to_bits), logits.map(f32::to_bits));
}

#[test]
fn temperature_and_top_k_shape_the_logits() {
    let mut logits = [1.0f32, 4.0, 2.0, 3.0];
    Sampling {
        temperature: 2.0,
        top_k: Some(2),
    }
    .apply(&mut logits);
    assert_eq!(logits, [f32::NEG_INFINITY, 2.0, f32::NEG_INFINITY, 1.5]);
    assert!(
        Sampling {
            temperature: 0.0,
            top_k: None
        }
        .validate()
        .is_err()
    );
    assert!(
        Sampling {
            temperature: 1.0,
            top_k: Some(0)
        }
        .validate()
        .is_err()
    );
}

#[test]
fn a_draw_follows_the_weights_and_never_picks_a_zero() {
    let rng = &mut ChaCha8Rng::seed_from_u64(1);
    let weights = [0.0f64, 3.0, 1.0, 0.0];
    let mut counts = [0usize; 4];
    for _ in 0..4000 {
        counts[multinomial(&weights, rng)] += 1;
    }
    assert_eq!((counts[0], counts[3]), (0, 0));
    assert!((2800..3200).contains(&counts[1]), "{counts:?}");
}
