//! # Bad input gets a clear error, never a panic from inside ndarray

use backprop_ninja::course::step_by_step::{BATCH, Batch, Forward, lecture_setup};
use backprop_ninja::hyper::Hyper;
use backprop_ninja::layers::batchnorm::BatchNorm1d;
use backprop_ninja::layers::cross_entropy;
use backprop_ninja::layers::embedding::Embedding;
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::{Backprop, Solutions};
use ndarray::{Array1, Array2, array};

#[test]
fn linear_names_itself_and_both_shapes() {
    let layer = Linear::new(Array2::<f64>::zeros((3, 4)), Some(Array1::zeros(4))).unwrap();
    let err = layer
        .forward(&Array2::zeros((2, 5)))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "linear: shape mismatch: input x has shape [2, 5], expected [2, 3]"
    );
    let err = Linear::new(Array2::<f64>::zeros((3, 4)), Some(Array1::zeros(3)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bias b has shape [3], expected [4]"), "{err}");
}

#[test]
fn batchnorm_refuses_a_training_batch_of_one() {
    let bn = BatchNorm1d::<f64>::new(4);
    let err = bn
        .forward_train(&Array2::zeros((1, 4)))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("batchnorm:") && err.contains("at least 2 rows") && err.contains("got 1"),
        "{err}"
    );
    // Eval mode takes any batch.
    assert!(bn.forward_eval(&Array2::zeros((1, 4))).is_ok());
    let err = bn
        .forward_train(&Array2::zeros((5, 3)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("input x has shape [5, 3], expected [5, 4]"),
        "{err}"
    );
}

#[test]
fn cross_entropy_names_the_row_and_the_value_of_a_bad_target() {
    let logits = Array2::<f64>::zeros((3, 5));
    let err = cross_entropy::forward(&logits, &[0, 7, 1])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "cross_entropy: target 7 at row 1 is outside the 5 classes of the logits"
    );
    let err = cross_entropy::forward(&logits, &[0, 1])
        .unwrap_err()
        .to_string();
    assert!(err.contains("targets has shape [2], expected [3]"), "{err}");
}

#[test]
fn embedding_names_the_position_of_a_bad_index() {
    let emb = Embedding::new(Array2::<f64>::zeros((4, 2)));
    let err = emb
        .forward(&array![[0, 1], [3, 9]])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "embedding: index 9 at row 1, position 1 is outside the table of 4 rows"
    );
}

#[test]
fn huge_logits_give_a_finite_loss_and_gradient() {
    let logits: Array2<f64> = array![[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]];
    let targets = [1, 2];
    let (loss, cache) = cross_entropy::forward(&logits, &targets).unwrap();
    assert!(loss.is_finite() && (loss - 1e4).abs() < 1e-6, "{loss}");
    let mut dlogits = Array2::zeros((2, 3));
    Solutions::cross_entropy_backward(&mut dlogits, 1.0, &cache, &targets);
    assert!(dlogits.iter().all(|v| v.is_finite()));
    approx::assert_abs_diff_eq!(
        dlogits,
        array![[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]],
        epsilon = 1e-12
    );
    // f32 too.
    let (loss32, _) = cross_entropy::forward(&logits.mapv(|v| v as f32), &targets).unwrap();
    assert!(loss32.is_finite());
}

#[test]
fn the_step_by_step_forward_refuses_a_batch_that_does_not_fit() {
    let (params, mut batch) = lecture_setup(Hyper::BACKPROP_NINJA, BATCH, 1);
    batch.Yb[3] = 27;
    let err = Forward::new(&params, &batch).unwrap_err().to_string();
    assert!(err.contains("target 27 at row 3"), "{err}");
    let one_row = Batch {
        Xb: batch.Xb.slice(ndarray::s![..1, ..]).to_owned(),
        Yb: vec![0],
    };
    let err = Forward::new(&params, &one_row).unwrap_err().to_string();
    assert!(err.contains("at least 2 rows"), "{err}");
}

#[test]
fn checking_gradients_leaves_the_running_statistics_alone() {
    let mut bn = BatchNorm1d::<f64>::new(3);
    let x = array![[1.0, 2.0, 3.0], [2.0, 0.0, -1.0], [0.5, 0.5, 0.5]];
    let before = bn.clone();
    let (_, cache) = bn.forward_train(&x).unwrap();
    assert_eq!(bn, before, "forward_train moves nothing");
    bn.update_running_stats(&cache);
    assert_ne!(bn.running_mean, before.running_mean);
}
