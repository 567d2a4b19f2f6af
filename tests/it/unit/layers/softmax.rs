use backprop_ninja::layers::softmax::*;
use ndarray::Array3;
use ndarray::array;

#[test]
fn rows_sum_to_one_over_the_past_and_the_future_is_zero() {
    let scores = array![[[1.0, 50.0, -3.0], [0.5, -0.5, 7.0], [1.0, 2.0, 3.0]]];
    let att = forward(&scores).unwrap();
    assert_eq!(att[[0, 0, 0]], 1.0);
    assert_eq!(att[[0, 0, 1]], 0.0);
    let e = [0.5f64.exp(), (-0.5f64).exp()];
    assert!((att[[0, 1, 0]] - e[0] / (e[0] + e[1])).abs() < 1e-15);
    assert_eq!(att[[0, 1, 2]], 0.0);
    let last: f64 = att.slice(ndarray::s![0, 2, ..]).sum();
    assert!((last - 1.0).abs() < 1e-15);
    assert!(is_causal(&att));
    assert!(!is_causal(&scores));
}

#[test]
fn a_matrix_that_is_not_square_is_refused() {
    let err = forward(&Array3::<f64>::zeros((2, 3, 4))).unwrap_err();
    assert!(err.to_string().contains("(N, T, T)"), "{err}");
}
