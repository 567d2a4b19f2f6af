//! # FlattenConsecutive: fuse `n` consecutive positions into one
//!
//! The new layer of makemore part 5 ("building a WaveNet"): the WaveNet
//! reads its 8 characters as a tree, fusing two neighbours at each level, and
//! this is the layer that puts neighbours side by side:
//!
//! ```text
//! x (B, T, C)  →  out (B, T/n, C·n)
//! out[b, t', k·C + c] = x[b, t'·n + k, c]        k < n, c < C
//! ```
//!
//! Position `t'` of the output holds positions `t'·n, t'·n + 1, …, t'·n + n-1`
//! of the input, one after the other. In row-major memory this is no move at
//! all (PyTorch writes it `x.view(B, T//n, C*n)`): split `T` into `(T/n, n)`
//! and merge `(n, C)`. When `T/n` is 1 the lecture squeezes the result to
//! `(B, C·n)`; here it stays `(B, 1, C·n)`, which Linear and BatchNorm1d
//! treat exactly as the 2-D `(B, C·n)` (one row per example: see
//! `src/layers/rows.rs`), so the numbers are the lecture's.
//!
//! Its backward pass is yours to write in `exercises/flatten_consecutive.rs`;
//! the derivation is in `solutions/flatten_consecutive.rs`.

use ndarray::{Array3, ArrayRef3};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::rows::expect_standard;

/// The layer: how many consecutive positions to fuse. No parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlattenConsecutive {
    pub n: usize,
}

impl FlattenConsecutive {
    /// Fuses `n ≥ 1` consecutive positions.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::Config(
                "flatten_consecutive: n must be at least 1".into(),
            ));
        }
        Ok(FlattenConsecutive { n })
    }

    /// `(B, T, C)` → `(B, T/n, C·n)`, refusing a `T` that `n` does not divide.
    pub fn out_shape(&self, (b, t, c): (usize, usize, usize)) -> Result<(usize, usize, usize)> {
        if t % self.n != 0 {
            return Err(Error::Shape {
                layer: "flatten_consecutive",
                detail: format!(
                    "input has {t} positions (shape [{b}, {t}, {c}]), not a multiple of n = {}",
                    self.n
                ),
            });
        }
        Ok((b, t / self.n, c * self.n))
    }

    /// `out[b, t', k·C + c] = x[b, t'·n + k, c]`, a new array.
    pub fn forward<F: Float>(&self, x: &ArrayRef3<F>) -> Result<Array3<F>> {
        let mut out = Array3::zeros(self.out_shape(x.dim())?);
        self.forward_into(x, &mut out)?;
        Ok(out)
    }

    /// `out[b, t', k·C + c] = x[b, t'·n + k, c]`, written into `out` (no
    /// allocation). Both arrays must be in standard layout.
    pub fn forward_into<F: Float>(&self, x: &ArrayRef3<F>, out: &mut ArrayRef3<F>) -> Result<()> {
        let (b, _, c) = x.dim();
        let (_, t_out, c_out) = self.out_shape(x.dim())?;
        expect_shape(
            "flatten_consecutive",
            "output",
            out.shape(),
            &[b, t_out, c_out],
        )?;
        expect_standard("flatten_consecutive", "input x", x)?;
        expect_standard("flatten_consecutive", "output", out)?;
        // Both as (B, T/n, n, C): x splits its positions, out its channels.
        let x4 = x
            .view()
            .into_shape_with_order((b, t_out, self.n, c))
            .expect("standard layout");
        let mut out4 = out
            .view_mut()
            .into_shape_with_order((b, t_out, self.n, c))
            .expect("standard layout");
        out4.assign(&x4); // out4[b, t', k, c] = x4[b, t', k, c]
        Ok(())
    }
}
