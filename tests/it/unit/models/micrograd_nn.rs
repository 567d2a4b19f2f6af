use backprop_ninja::course::micrograd::Graph;
use backprop_ninja::models::micrograd_nn::*;
use backprop_ninja::solutions::Solutions;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn the_lecture_mlp_has_41_parameters() {
    let mut g = Graph::new();
    let mlp = ScalarMlp::new(&mut g, 3, &[4, 4, 1], &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    assert_eq!(mlp.parameters().len(), 41);
    assert_eq!(g.len(), 41);
    assert!(ScalarMlp::new(&mut g, 3, &[4, 0], &mut ChaCha8Rng::seed_from_u64(0)).is_err());
}

/// The lecture's goal: the predictions match the targets.
#[test]
fn the_toy_mlp_reaches_a_loss_below_0_01() {
    let (losses, ypred) = train_toy::<Solutions>(100, 0.1, 1).unwrap();
    let last = *losses.last().unwrap();
    assert!(last < 0.01, "loss {last} after 100 steps: {losses:?}");
    for (yp, y) in ypred.iter().zip(TOY_YS) {
        assert!((yp - y).abs() < 0.1, "{ypred:?}");
    }
}
