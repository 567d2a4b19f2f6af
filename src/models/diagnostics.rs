//! # Diagnostics: the numbers behind a network's health (makemore part 3)
//!
//! The lecture before "backprop ninja" ("activations, gradients and
//! BatchNorm") looks inside a deep tanh network with a few statistics, all
//! computed here on plain slices so that they can be checked on values whose
//! answers are known:
//!
//! - an activation's mean and standard deviation, and the percentage of
//!   **saturated** tanh units, `|t| > 0.97`, where `1 - t²` (the tanh's local
//!   gradient) is under 6%: gradients stop flowing through them;
//! - a gradient's mean and standard deviation;
//! - for a weight, the **grad:data** ratio `std(dW) / std(W)`;
//! - over training, the **update:data** ratio `log10(std(lr · dW) / std(W))`,
//!   which the lecture wants near `-3` (updates a thousandth of the weights);
//! - the histograms and the loss averaged per 1,000 steps that the plots draw.
//!
//! Standard deviations are Bessel-corrected (divide by `n - 1`), as
//! PyTorch's `.std()`. Sums are in `f64`.

/// Mean, standard deviation and saturation of one tensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub mean: f64,
    /// Bessel-corrected, 0 for fewer than two values.
    pub std: f64,
    /// Percentage (0–100) of values with `|x| > SATURATED`.
    pub saturated: f64,
}

/// A tanh output beyond this magnitude is saturated (the lecture's 0.97).
pub const SATURATED: f64 = 0.97;

/// The update:data ratio the lecture aims for: `log10` of it is -3.
pub const UPDATE_GUIDE: f64 = -3.0;

/// Mean and Bessel-corrected standard deviation, in one pass (Welford).
pub fn mean_std<'a>(xs: impl IntoIterator<Item = &'a f32>) -> (f64, f64) {
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    for &x in xs {
        let x = x as f64;
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
    }
    let std = if n > 1 {
        (m2 / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    (mean, std)
}

/// The percentage (0–100) of values with `|x| > threshold`; 0 when empty.
/// The comparison is in `f32`, as PyTorch compares an `f32` tensor with a
/// Python float, so that `0.97f32` itself is not beyond `0.97`.
pub fn saturation<'a>(xs: impl IntoIterator<Item = &'a f32>, threshold: f64) -> f64 {
    let threshold = threshold as f32;
    let (mut n, mut over) = (0usize, 0usize);
    for &x in xs {
        n += 1;
        over += usize::from(x.abs() > threshold);
    }
    if n == 0 {
        0.0
    } else {
        100.0 * over as f64 / n as f64
    }
}

/// Mean, standard deviation and `|x| > 0.97` percentage of `xs`.
pub fn summarize<'a>(xs: impl IntoIterator<Item = &'a f32> + Clone) -> Summary {
    let (mean, std) = mean_std(xs.clone());
    Summary {
        mean,
        std,
        saturated: saturation(xs, SATURATED),
    }
}

/// `std(grad) / std(data)`: how large a weight's gradient is next to it.
pub fn grad_to_data<'a>(
    grad: impl IntoIterator<Item = &'a f32>,
    data: impl IntoIterator<Item = &'a f32>,
) -> f64 {
    mean_std(grad).1 / mean_std(data).1
}

/// `log10(std(lr · grad) / std(data))`: the size of SGD's update next to the
/// weight, on the scale the lecture plots (-3 is the guide).
pub fn log10_update_to_data<'a>(
    lr: f64,
    grad: impl IntoIterator<Item = &'a f32>,
    data: impl IntoIterator<Item = &'a f32>,
) -> f64 {
    (lr.abs() * grad_to_data(grad, data)).log10()
}

/// Counts of `xs` in `bins` equal bins over `[lo, hi]` (values outside are
/// clamped into the first or last bin), and the bins' centres.
pub fn histogram<'a>(
    xs: impl IntoIterator<Item = &'a f32>,
    lo: f64,
    hi: f64,
    bins: usize,
) -> (Vec<f64>, Vec<usize>) {
    let bins = bins.max(1);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0; bins];
    for &x in xs {
        let i = ((x as f64 - lo) / width).floor();
        let i = if i.is_nan() {
            continue;
        } else {
            (i.max(0.0) as usize).min(bins - 1)
        };
        counts[i] += 1;
    }
    let centres = (0..bins).map(|i| lo + (i as f64 + 0.5) * width).collect();
    (centres, counts)
}

/// `log10` of the mean loss of each block of `per` steps (the lecture's
/// `torch.tensor(lossi).view(-1, 1000).mean(1)`, on its log10 losses); a last,
/// shorter block counts too.
pub fn log10_loss_blocks(losses: &[f32], per: usize) -> Vec<f64> {
    losses
        .chunks(per.max(1))
        .map(|c| c.iter().map(|&l| (l as f64).log10()).sum::<f64>() / c.len() as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

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
}
