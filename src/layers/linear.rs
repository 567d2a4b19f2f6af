//! # Linear: `out = x @ w + b`
//!
//! The affine layer of the course's MLP (`W1, b1` and `W2, b2` in the
//! lecture). Its backward pass is yours to write in `exercises/linear.rs`;
//! the derivation is in `solutions/linear.rs`.
//!
//! Shapes: `x (B, fan_in) @ w (fan_in, fan_out) + b (fan_out,) = out (B, fan_out)`.
//!
//! In the WaveNet of makemore part 5 the input is `(B, T, fan_in)`: every
//! position of every example is one more row, `(B·T, fan_in)`
//! ([`Linear::forward_3d`], backward in `exercises/linear.rs` too).

use ndarray::{Array1, Array2, Array3, ArrayRef2, ArrayRef3};

use crate::error::{Result, expect_shape};
use crate::float::Float;
use crate::layers::rows::{expect_standard, rows, rows_mut};
use crate::ops::matmul_acc;

/// The parameters: a weight matrix and an optional bias.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<F> {
    /// `(fan_in, fan_out)`
    pub w: Array2<F>,
    /// `(fan_out,)`, or `None` for a layer without bias (before a BatchNorm).
    pub b: Option<Array1<F>>,
}

/// The gradients of the parameters, the same shapes as [`Linear`]'s.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearGrads<F> {
    /// `(fan_in, fan_out)`
    pub dw: Array2<F>,
    /// `(fan_out,)`
    pub db: Option<Array1<F>>,
}

impl<F: Float> Linear<F> {
    /// A layer from its parameters; the bias must have `fan_out` entries.
    pub fn new(w: Array2<F>, b: Option<Array1<F>>) -> Result<Self> {
        if let Some(b) = &b {
            expect_shape("linear", "bias b", b.shape(), &[w.ncols()])?;
        }
        Ok(Linear { w, b })
    }

    pub fn fan_in(&self) -> usize {
        self.w.nrows()
    }

    pub fn fan_out(&self) -> usize {
        self.w.ncols()
    }

    /// Gradients of zero, ready to accumulate into.
    pub fn zero_grads(&self) -> LinearGrads<F> {
        LinearGrads {
            dw: Array2::zeros(self.w.raw_dim()),
            db: self.b.as_ref().map(|b| Array1::zeros(b.raw_dim())),
        }
    }

    /// `out = x @ w + b`, a new array.
    pub fn forward(&self, x: &ArrayRef2<F>) -> Result<Array2<F>> {
        let mut out = Array2::zeros((x.nrows(), self.fan_out()));
        self.forward_into(x, &mut out)?;
        Ok(out)
    }

    /// `out = x @ w + b`, written into `out` (no allocation).
    pub fn forward_into(&self, x: &ArrayRef2<F>, out: &mut ArrayRef2<F>) -> Result<()> {
        expect_shape("linear", "input x", x.shape(), &[x.nrows(), self.fan_in()])?;
        expect_shape(
            "linear",
            "output",
            out.shape(),
            &[x.nrows(), self.fan_out()],
        )?;
        match &self.b {
            // b (fan_out,) into every row: a copy per row, faster than a broadcast
            Some(b) => out.rows_mut().into_iter().for_each(|mut row| row.assign(b)),
            None => out.fill(F::zero()),
        }
        matmul_acc(out, x, &self.w); // += x @ w, (B, fan_out)
        Ok(())
    }
}

/// On `(B, T, C)` input (makemore part 5): the same layer, one row per position.
impl<F: Float> Linear<F> {
    /// `out[b, t] = x[b, t] @ w + b`, a new `(B, T, fan_out)` array.
    pub fn forward_3d(&self, x: &ArrayRef3<F>) -> Result<Array3<F>> {
        let (b, t, _) = x.dim();
        let mut out = Array3::zeros((b, t, self.fan_out()));
        self.forward_3d_into(x, &mut out)?;
        Ok(out)
    }

    /// `out[b, t] = x[b, t] @ w + b`, written into `out`: `x (B, T, fan_in)`
    /// seen as `(B·T, fan_in)`, both in standard layout.
    pub fn forward_3d_into(&self, x: &ArrayRef3<F>, out: &mut ArrayRef3<F>) -> Result<()> {
        let (b, t, _) = x.dim();
        expect_shape("linear", "input x", x.shape(), &[b, t, self.fan_in()])?;
        expect_shape("linear", "output", out.shape(), &[b, t, self.fan_out()])?;
        expect_standard("linear", "input x", x)?;
        expect_standard("linear", "output", out)?;
        self.forward_into(&rows(x), &mut rows_mut(out)) // (B·T, fan_out)
    }
}

crate::layers::params::named_params! {
    impl<F> Linear<F> => LinearGrads<F> {
        Linear { w, b }, LinearGrads { dw, db } => {
            "weight": w => dw,
            "bias": b => db,
        }
    }
}
