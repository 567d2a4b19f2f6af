use backprop_ninja::Solutions;
use backprop_ninja::course::step_by_step::{Forward, lecture_setup};
use backprop_ninja::grade::scalar_check::*;

#[test]
fn the_scalar_loss_is_the_tensor_loss() {
    let (params, batch) = lecture_setup(SIZES, BATCH, 7);
    let f = Forward::new(&params, &batch).unwrap();
    let s = scalar_grads(&params, &batch).unwrap();
    assert!((f.loss - s.loss).abs() < 1e-13, "{} vs {}", f.loss, s.loss);
}

#[test]
fn a_batch_that_does_not_fit_is_an_error() {
    let (params, mut batch) = lecture_setup(SIZES, BATCH, 7);
    batch.Yb[0] = 99;
    assert!(scalar_grads(&params, &batch).is_err());
    assert!(cross_check::<Solutions>(1).is_ok());
}
