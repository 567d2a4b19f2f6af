use backprop_ninja::hyper::Hyper;
use backprop_ninja::models::wavenet::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_lecture_model_has_76579_parameters() {
    let hyper = Hyper {
        vocab: 27,
        block: 8,
        n_embd: 24,
        n_hidden: 128,
    };
    let model = WaveNet::<f32>::lecture_init(hyper, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    assert_eq!(model.num_params(), 76_579);
    assert_eq!(model.net.layers.len(), 1 + 3 * 4 + 1);
    let shapes = model.net.shapes(32, 8).unwrap();
    assert_eq!(shapes[1], (32, 4, 48));
    assert_eq!(shapes[4], (32, 4, 128));
    assert_eq!(shapes[5], (32, 2, 256));
    assert_eq!(shapes[9], (32, 1, 256));
    assert_eq!(shapes[13], (32, 1, 27));
}

#[test]
fn a_block_that_is_not_a_power_of_two_is_refused() {
    let hyper = Hyper {
        vocab: 27,
        block: 6,
        n_embd: 4,
        n_hidden: 4,
    };
    let err = WaveNet::<f32>::lecture_init(hyper, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("power of two") && err.contains("got 6"),
        "{err}"
    );
}
