use backprop_ninja::layers::weighted_average::*;
use ndarray::array;

#[test]
fn the_uniform_weights_average_the_past_as_the_loop_does() {
    let x = array![[[1.0, 10.0], [3.0, 20.0], [5.0, -30.0]]];
    let out = forward(&averaging_weights(1, 3), &x).unwrap();
    let want = array![[[1.0, 10.0], [2.0, 15.0], [3.0, 0.0]]];
    assert!(out.abs_diff_eq(&want, 1e-12), "{out}");
}

#[test]
fn the_future_of_wei_is_never_read() {
    let x = array![[[1.0], [2.0]]];
    let wei = array![[[1.0, 99.0], [0.5, 0.5]]];
    assert_eq!(forward(&wei, &x).unwrap(), array![[[1.0], [1.5]]]);
    let err = forward(&array![[[1.0, 0.0]]], &x).unwrap_err();
    assert!(err.to_string().contains("wei has shape [1, 1, 2]"), "{err}");
}
