//! # `(B, T, C)` seen as `(B·T, C)`
//!
//! In the WaveNet of makemore part 5 ("building a WaveNet") the layers after
//! the embedding see 3-D tensors `(B, T, C)`: `B` examples, `T` positions,
//! `C` channels. Linear and BatchNorm1d treat every position of every example
//! as one more row, exactly as PyTorch's `x @ W` and the lecture's
//! `x.mean((0, 1))` do, so they view `(B, T, C)` as `(B·T, C)`: the same
//! numbers in the same order, without a copy, and reuse their 2-D code.

use ndarray::{ArrayRef3, ArrayView2, ArrayViewMut2};

use crate::error::{Error, Result};

/// Fails unless `x` is in standard (row-major, contiguous) layout, the layout
/// every array this crate allocates has and the one [`rows`] needs.
pub fn expect_standard(layer: &'static str, what: &str, x: &ArrayRef3<impl Sized>) -> Result<()> {
    if x.is_standard_layout() {
        Ok(())
    } else {
        Err(Error::Input {
            layer,
            detail: format!(
                "{what} of shape {:?} is not contiguous in row-major order; pass a standard-layout array (e.g. `.as_standard_layout()`)",
                x.shape()
            ),
        })
    }
}

/// `x (B, T, C)` as `(B·T, C)`: row `b·T + t` is `x[b, t, :]`.
///
/// Panics if `x` is not in standard layout (see [`expect_standard`]).
pub fn rows<F>(x: &ArrayRef3<F>) -> ArrayView2<'_, F> {
    let (b, t, c) = x.dim();
    x.view()
        .into_shape_with_order((b * t, c))
        .expect("a (B, T, C) array in standard layout")
}

/// `x (B, T, C)` as `(B·T, C)`, writable: row `b·T + t` is `x[b, t, :]`.
///
/// Panics if `x` is not in standard layout (see [`expect_standard`]).
pub fn rows_mut<F>(x: &mut ArrayRef3<F>) -> ArrayViewMut2<'_, F> {
    let (b, t, c) = x.dim();
    x.view_mut()
        .into_shape_with_order((b * t, c))
        .expect("a (B, T, C) array in standard layout")
}
