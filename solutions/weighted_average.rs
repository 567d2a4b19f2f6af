//! # The weighted average of the past, backward — solution
//!
//! Forward (`src/layers/weighted_average.rs`, lecture 7 "Let's build GPT"):
//!
//! ```text
//! out[b, t, :] = Σ_{s ≤ t} wei[b, t, s] · x[b, s, :]      wei (B, T, T), x (B, T, C), out (B, T, C)
//! ```
//!
//! that is `out = wei @ x` for each example, with `wei` causal: its entries
//! above the diagonal (`s > t`, the future) are masked out and never read.
//!
//! - `x[b, s, c]` reaches `out[b, t, c]` for every `t ≥ s`, with local
//!   derivative `wei[b, t, s]`: `dx[b, s, c] = Σ_{t ≥ s} wei[b, t, s]·dout[b, t, c]`,
//!   that is **`dx = weiᵀ @ dout`** `(B, T, C) = (B, T, T) @ (B, T, C)`, with
//!   the future of `wei` counted as 0. A position's gradient comes from the
//!   positions that *read* it, the present and the future, never from the past.
//! - `wei[b, t, s]` with `s ≤ t` reaches `out[b, t, :]` only, with local
//!   derivative `x[b, s, :]`: `dwei[b, t, s] = Σ_c dout[b, t, c]·x[b, s, c]`,
//!   that is **`dwei = dout @ xᵀ`** `(B, T, T) = (B, T, C) @ (B, C, T)`,
//!   **masked**: an entry with `s > t` was never used, so its gradient is 0.
//!   Nothing flows to the future.

use ndarray::{ArrayRef3, Axis, s};

use crate::float::Float;
use crate::ops::matmul_acc;

/// Accumulates (`+=`) `dwei = (dout @ xᵀ)` below the diagonal and
/// `dx = weiᵀ @ dout`, the future of `wei` counted as 0.
pub fn backward<F: Float>(
    dwei: &mut ArrayRef3<F>, // (B, T, T)
    dx: &mut ArrayRef3<F>,   // (B, T, C)
    dout: &ArrayRef3<F>,     // (B, T, C)
    wei: &ArrayRef3<F>,      // (B, T, T), causal
    x: &ArrayRef3<F>,        // (B, T, C)
) {
    let t = x.len_of(Axis(1));
    for (((mut dwei, mut dx), dout), (wei, x)) in dwei
        .axis_iter_mut(Axis(0))
        .zip(dx.axis_iter_mut(Axis(0)))
        .zip(dout.axis_iter(Axis(0)))
        .zip(wei.axis_iter(Axis(0)).zip(x.axis_iter(Axis(0))))
    {
        for i in 0..t {
            // dwei[i, ..=i] += dout[i] @ x[..=i]ᵀ: (1, C) @ (C, i+1); the future stays 0
            matmul_acc(
                &mut dwei.slice_mut(s![i..=i, ..=i]),
                &dout.slice(s![i..=i, ..]),
                &x.slice(s![..=i, ..]).t(),
            );
            // dx[i] += wei[i.., i]ᵀ @ dout[i..]: position i is read by positions i.. only
            matmul_acc(
                &mut dx.slice_mut(s![i..=i, ..]),
                &wei.slice(s![i.., i..=i]).t(),
                &dout.slice(s![i.., ..]),
            );
        }
    }
}
