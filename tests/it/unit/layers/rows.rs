use backprop_ninja::layers::rows::*;
use ndarray::{Array3, s};

#[test]
fn row_b_times_t_plus_t_is_position_t_of_example_b() {
    let x = Array3::from_shape_fn((2, 3, 4), |(b, t, c)| (100 * b + 10 * t + c) as f64);
    let r = rows(&x);
    assert_eq!(r.dim(), (6, 4));
    assert_eq!(r.row(3 + 2), x.slice(s![1, 2, ..]));
    let mut y = x.clone();
    rows_mut(&mut y).row_mut(4).fill(-1.0);
    assert!(y.slice(s![1, 1, ..]).iter().all(|&v| v == -1.0));
    let transposed = x.view().permuted_axes([1, 0, 2]);
    let err = expect_standard("linear", "input x", &transposed).unwrap_err();
    assert!(
        err.to_string().contains("[3, 2, 4] is not contiguous"),
        "{err}"
    );
}
