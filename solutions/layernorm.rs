//! # LayerNorm, backward — solution (lecture 7, in one expression)
//!
//! Forward (`src/layers/layernorm.rs`), for one row `x (C,)` (a position),
//! with `C` channels:
//!
//! ```text
//! μ    = 1/C Σ_j x_j                  mean
//! σ²   = 1/C Σ_j (x_j - μ)²           biased variance
//! r    = (σ² + ε)^-1/2                rstd
//! x̂_i  = (x_i - μ)·r                  xhat
//! y_i  = w_i·x̂_i + b_i                out
//! ```
//!
//! It is BatchNorm's forward pass turned on its side (the lecture's exercise
//! 3), with the sums over a row instead of a column, `1/C` where BatchNorm
//! had `1/(n-1)`, and the parameters per channel.
//!
//! **The parameters.** `w` and `b` are shared by every row, so their
//! gradients sum over the rows: `dw = Σ_rows dy ⊙ x̂`, `db = Σ_rows dy`.
//!
//! **The input.** Let `g_i = w_i·dy_i`, the gradient arriving at `x̂_i`.
//! Each `x_i` reaches the loss directly through `x̂_i`, through `μ` and
//! through `σ²`:
//!
//! - directly: `∂x̂_i/∂x_i = r`, giving `r·g_i`;
//! - through `σ²`: `dσ² = Σ_j g_j (x_j - μ)·(-½)(σ² + ε)^-3/2 = -½ r³ Σ_j g_j (x_j - μ)`
//!   and `∂σ²/∂x_i = 2(x_i - μ)/C`; so `-r³ (x_i - μ)/C · Σ_j g_j (x_j - μ) = -r/C · x̂_i Σ_j g_j x̂_j`;
//! - through `μ`: `dμ = -r Σ_j g_j` (its path through `σ²` vanishes since
//!   `Σ_j (x_j - μ) = 0`), and `∂μ/∂x_i = 1/C`; so `-r/C Σ_j g_j`.
//!
//! Adding the three:
//!
//! ```text
//! dx_i = r · ( g_i - 1/C Σ_j g_j - x̂_i · 1/C Σ_j g_j x̂_j ),     g = w ⊙ dy
//!      = r · ( g - mean(g) - x̂ · mean(g ⊙ x̂) )
//! ```
//!
//! The upstream gradient, with its mean and its component along `x̂`
//! removed: shifting or scaling a row of `x` does not change its `x̂`. With
//! the biased variance there is no `C/(C-1)` (BatchNorm's Bessel factor).

use ndarray::{ArrayRef2, Zip};

use crate::float::Float;
use crate::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};

/// Accumulates (`+=`) `dx`, `dweight` and `dbias` from `dout`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef2<F>,         // (N, C)
    grads: &mut LayerNormGrads<F>, // dweight, dbias (C,)
    dout: &ArrayRef2<F>,           // (N, C)
    cache: &LayerNormCache<F>,     // xhat (N, C), rstd (N,)
    layer: &LayerNorm<F>,          // weight (C,)
) {
    let c = F::count(layer.channels());
    Zip::from(dx.rows_mut())
        .and(dout.rows())
        .and(cache.xhat.rows())
        .and(&cache.rstd)
        .for_each(|mut dx, dy, xhat, &r| {
            // dw += dy ⊙ x̂, db += dy, and the row's two means of g = w ⊙ dy
            let (mut mean_g, mut mean_gx) = (F::zero(), F::zero());
            Zip::from(&dy)
                .and(&xhat)
                .and(&layer.weight)
                .and(&mut grads.dweight)
                .and(&mut grads.dbias)
                .for_each(|&dy, &xh, &w, dw, db| {
                    *dw += dy * xh;
                    *db += dy;
                    mean_g += w * dy;
                    mean_gx += w * dy * xh;
                });
            mean_g /= c;
            mean_gx /= c;
            // dx = r·(g - mean(g) - x̂·mean(g ⊙ x̂))
            Zip::from(&mut dx)
                .and(&dy)
                .and(&xhat)
                .and(&layer.weight)
                .for_each(|dx, &dy, &xh, &w| *dx += r * (w * dy - mean_g - xh * mean_gx));
        });
}
