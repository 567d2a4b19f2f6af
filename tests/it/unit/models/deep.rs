use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::layers::sequential::Layer;
use backprop_ninja::models::deep::*;
use backprop_ninja::models::diagnostics;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_lecture_stack_has_its_layers_and_shapes() {
    let m = Deep::new(27, DeepConfig::LECTURE, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    // embedding, flatten, 5 × (linear, bn, tanh), linear
    assert_eq!(m.model.net.layers.len(), 2 + 5 * 3 + 1);
    let shapes = m.model.net.shapes(32, 3).unwrap();
    assert_eq!(shapes[1], (32, 1, 30));
    assert_eq!(shapes[4], (32, 1, 100));
    assert_eq!(*shapes.last().unwrap(), (32, 1, 27));
    // 270 + 30·100 + 4·100·100 + 5·200 (bn) + 100·27 + 27
    assert_eq!(m.num_params(), 270 + 3000 + 40_000 + 1000 + 2700 + 27);
    let plain = DeepConfig {
        batchnorm: false,
        ..DeepConfig::LECTURE
    };
    let m = Deep::new(27, plain, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    assert_eq!(m.model.net.layers.len(), 2 + 5 * 2 + 1);
    assert_eq!(m.num_params(), 270 + 3000 + 40_000 + 500 + 2700 + 27);
    assert_eq!(m.weight_names().len(), 6);
}

#[test]
fn inits_scale_the_weights_as_named() {
    let std_of = |init| {
        let cfg = DeepConfig {
            init,
            ..DeepConfig::LECTURE
        };
        let m = Deep::new(27, cfg, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let Layer::Linear(l) = &m.model.net.layers[5] else {
            panic!("layer 5 is the second Linear")
        };
        diagnostics::mean_std(l.w.iter()).1
    };
    // fan_in 100: 5/3 / 10, 1, 0.5 / 10
    assert!((std_of(DeepInit::Lecture) - 1.0 / 6.0).abs() < 0.01);
    assert!((std_of(DeepInit::Naive) - 1.0).abs() < 0.05);
    assert!((std_of(DeepInit::Small) - 0.05).abs() < 0.005);
}
