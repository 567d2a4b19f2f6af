//! # BatchNorm1d, backward — solution (the lecture's exercise 3)
//!
//! Forward (`src/layers/batchnorm.rs`), per feature column, over a batch of `n` rows:
//!
//! ```text
//! μ    = 1/n Σ_j x_j                      mean     (1, H)
//! σ²   = 1/(n-1) Σ_j (x_j - μ)²           var      (1, H)
//! s    = (σ² + ε)^-1/2                    var_inv  (1, H)
//! x̂_i  = (x_i - μ)·s                      xhat     (B, H)
//! y_i  = γ·x̂_i + β                        out      (B, H)
//! ```
//!
//! **The parameters.** `γ` and `β` were broadcast down the batch, so their
//! gradients sum over it: `dγ = Σ_i dy_i·x̂_i`, `dβ = Σ_i dy_i`.
//!
//! **The input, in one expression.** Let `g_i = γ·dy_i` be the gradient
//! arriving at `x̂_i`. Each `x_i` reaches the loss three ways: directly through
//! its own `x̂_i`, through `σ²`, and through `μ`.
//!
//! - Through `σ²`: `dσ² = Σ_j g_j·(x_j - μ)·(-½)(σ² + ε)^-3/2 = -½ s³ Σ_j g_j (x_j - μ)`,
//!   and `∂σ²/∂x_i = 2(x_i - μ)/(n-1)`. (The path from `σ²` back through `μ`
//!   vanishes, because `Σ_j (x_j - μ) = 0`.)
//! - Through `μ`: `dμ = -s Σ_j g_j` (again plus a term through `σ²` that
//!   vanishes for the same reason), and `∂μ/∂x_i = 1/n`.
//!
//! Adding the three and writing `(x_i - μ)·s = x̂_i`:
//!
//! ```text
//! dx_i = s·g_i - s/n Σ_j g_j - s/(n-1) · x̂_i Σ_j g_j x̂_j
//!      = γ·s/n · ( n·dy_i - Σ_j dy_j - n/(n-1) · x̂_i · Σ_j dy_j x̂_j )
//! ```
//!
//! The `n/(n-1)` is Bessel's correction showing through: with the biased
//! variance (`1/n`) it would be 1. Note what the bracket says: the gradient
//! is the upstream gradient with its mean removed and with its component
//! along `x̂` removed, because shifting or scaling a whole column of `x` does
//! not change `x̂`.

use ndarray::{Array1, ArrayRef2, ArrayRef3, Zip};

use crate::float::Float;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::rows::{rows, rows_mut};

/// Accumulates (`+=`) `dx`, `dgain` and `dbias` from `dout`, in training mode.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,         // (B, H)
    grads: &mut BatchNormGrads<F>, // dgain, dbias (1, H)
    dout: &ArrayRef2<F>,           // (B, H)
    cache: &BatchNormCache<F>,     // xhat (B, H), var_inv (1, H)
    layer: &BatchNorm1d<F>,        // gain (1, H)
) {
    let n = F::count(dout.nrows());
    // The two sums over the batch: Σ_j dy_j and Σ_j dy_j·x̂_j, per feature (H,).
    let mut sum_dout = Array1::zeros(dout.ncols());
    let mut sum_dout_xhat = Array1::zeros(dout.ncols());
    for (dout, xhat) in dout.rows().into_iter().zip(cache.xhat.rows()) {
        Zip::from(&mut sum_dout)
            .and(&mut sum_dout_xhat)
            .and(&dout)
            .and(&xhat)
            .for_each(|s, sx, &dy, &xh| {
                *s += dy;
                *sx += dy * xh;
            });
    }
    // dγ = Σ_j dy_j·x̂_j,  dβ = Σ_j dy_j
    grads.dgain += &sum_dout_xhat;
    grads.dbias += &sum_dout;
    // dx_i = γ·s/n · (n·dy_i - Σ_j dy_j - n/(n-1) · x̂_i · Σ_j dy_j x̂_j)
    let scale = &layer.gain.row(0) * &cache.var_inv.row(0) / n; // γ·s/n (H,)
    let bessel = n / (n - F::one());
    Zip::from(dx)
        .and(dout)
        .and(&cache.xhat)
        .and_broadcast(&scale)
        .and_broadcast(&sum_dout)
        .and_broadcast(&sum_dout_xhat)
        .for_each(|dx, &dy, &xh, &scale, &sum, &sum_xh| {
            *dx += scale * (n * dy - sum - bessel * xh * sum_xh);
        });
}

/// On `(B, T, H)` input (makemore part 5, the WaveNet): accumulates (`+=`)
/// `dx`, `dgain` and `dbias`, with the statistics over axes 0 and 1.
///
/// The forward pass takes the mean and variance of each feature over all
/// `B·T` positions, `μ = 1/(B·T) Σ_b Σ_t x[b,t]`, and so on: nothing in it
/// tells `b` from `t`. Seen as `B·T` rows of `H` (`crate::layers::rows`), it is the
/// 2-D forward pass above with `n = B·T`, and its gradient is the one derived
/// above, with `n = B·T` and Bessel's `n/(n-1) = B·T/(B·T - 1)`:
///
/// ```text
/// dx_i = γ·s/n · ( n·dy_i - Σ_j dy_j - n/(n-1) · x̂_i · Σ_j dy_j x̂_j ),   i, j over all B·T positions
/// ```
///
/// Summing over one axis only (each position `t` normalised over the batch,
/// `n = B`) would be the gradient of another layer: every `x[b,t]` moves the
/// mean that all `B·T` positions share.
pub fn backward_3d<F: Float>(
    dx: &mut ArrayRef3<F>,         // (B, T, H)
    grads: &mut BatchNormGrads<F>, // dgain, dbias (1, H)
    dout: &ArrayRef3<F>,           // (B, T, H)
    cache: &BatchNormCache<F>,     // xhat (B·T, H), var_inv (1, H)
    layer: &BatchNorm1d<F>,        // gain (1, H)
) {
    backward(&mut rows_mut(dx), grads, &rows(dout), cache, layer); // (B·T, H)
}
