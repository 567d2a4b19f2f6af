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
