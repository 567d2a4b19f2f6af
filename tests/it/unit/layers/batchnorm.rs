use backprop_ninja::layers::batchnorm::*;
use ndarray::{Array2, Array3};
use ndarray::{Axis, s};

/// The statistics of a `(B, T, H)` batch are over both leading axes,
/// `n = B·T` with Bessel's `n - 1`, not over each position on its own.
#[test]
fn statistics_of_a_3d_batch_run_over_axes_0_and_1() {
    let x = Array3::from_shape_fn((3, 4, 2), |(b, t, h)| {
        ((b * 7 + t * 3 + h) as f64).sin() * (1.0 + t as f64)
    });
    let (_, cache) = BatchNorm1d::new(2).forward_train_3d(&x).unwrap();
    for h in 0..2 {
        let all: Vec<f64> = x.slice(s![.., .., h]).iter().copied().collect();
        let n = all.len() as f64; // 12
        let mean = all.iter().sum::<f64>() / n;
        let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        approx::assert_abs_diff_eq!(cache.mean[[0, h]], mean, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(cache.var[[0, h]], var, epsilon = 1e-12);
        // One axis only (each position over the batch) would differ.
        let per_position = x.slice(s![.., 0, h]).mean().unwrap();
        assert!((per_position - mean).abs() > 1e-3);
    }
    // xhat row b·T + t is position t of example b.
    let xhat = &cache.xhat;
    let expected = (x[[2, 1, 0]] - cache.mean[[0, 0]]) * cache.var_inv[[0, 0]];
    approx::assert_abs_diff_eq!(xhat[[2 * 4 + 1, 0]], expected, epsilon = 1e-12);
}

/// `(B, 1, H)` is the lecture's 2-D `(B, H)`: the same numbers.
#[test]
fn a_single_position_is_the_2d_layer() {
    let x = Array2::from_shape_fn((5, 3), |(b, h)| ((b * 3 + h) as f64).cos());
    let bn = BatchNorm1d::new(3);
    let (out2, cache2) = bn.forward_train(&x).unwrap();
    let (out3, cache3) = bn
        .forward_train_3d(&x.clone().insert_axis(Axis(1)))
        .unwrap();
    assert_eq!(out3.index_axis(Axis(1), 0), out2);
    assert_eq!(cache3, cache2);
}
