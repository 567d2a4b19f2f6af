use approx::assert_abs_diff_eq;
use backprop_ninja::models::diagnostics::*;

#[test]
fn mean_and_bessel_corrected_std_of_known_values() {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, /7
    let xs = [2.0f32, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
    let (mean, std) = mean_std(&xs);
    assert_abs_diff_eq!(mean, 5.0, epsilon = 1e-12);
    assert_abs_diff_eq!(std, (32.0f64 / 7.0).sqrt(), epsilon = 1e-12);
    assert_eq!(mean_std(&[3.0f32]), (3.0, 0.0));
}

#[test]
fn saturation_counts_magnitudes_beyond_the_threshold() {
    let t = [0.0f32, 0.5, -0.98, 0.99, 0.97, -0.1, 1.0, -0.96];
    // beyond 0.97: -0.98, 0.99, 1.0 (0.97 itself is not)
    assert_abs_diff_eq!(saturation(&t, SATURATED), 100.0 * 3.0 / 8.0);
    let s = summarize(&t);
    assert_abs_diff_eq!(s.saturated, 37.5);
    assert_abs_diff_eq!(
        s.mean,
        (0.5 - 0.98 + 0.99 + 0.97 - 0.1 + 1.0 - 0.96) / 8.0,
        epsilon = 1e-6
    );
    assert_eq!(saturation(&[], SATURATED), 0.0);
}

#[test]
fn ratios_of_known_spreads() {
    // std(grad) = 1/10 of std(data)
    let data = [1.0f32, -1.0, 1.0, -1.0];
    let grad = [0.1f32, -0.1, 0.1, -0.1];
    assert_abs_diff_eq!(grad_to_data(&grad, &data), 0.1, epsilon = 1e-6);
    // lr 0.01 · 0.1 = 1e-3: the guide line
    assert_abs_diff_eq!(
        log10_update_to_data(0.01, &grad, &data),
        UPDATE_GUIDE,
        epsilon = 1e-6
    );
}

#[test]
fn histogram_bins_and_clamps() {
    let xs = [-1.0f32, -0.6, -0.1, 0.1, 0.2, 0.99, 5.0, -7.0];
    let (centres, counts) = histogram(&xs, -1.0, 1.0, 4);
    assert_eq!(centres, vec![-0.75, -0.25, 0.25, 0.75]);
    // [-1,-0.5): -1, -0.6, -7 (clamped); [-0.5,0): -0.1; [0,0.5): 0.1, 0.2; [0.5,1]: 0.99, 5
    assert_eq!(counts, vec![3, 1, 2, 2]);
}

#[test]
fn loss_blocks_average_log10_losses() {
    let losses = [10.0f32, 1000.0, 100.0];
    assert_eq!(log10_loss_blocks(&losses, 2), vec![2.0, 2.0]);
}
