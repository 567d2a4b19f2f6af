//! # Linear: `out = x @ w + b`
//!
//! The affine layer of the course's MLP (`W1, b1` and `W2, b2` in the
//! lecture). Its backward pass is yours to write in `exercises/linear.rs`;
//! the derivation is in `solutions/linear.rs`.
//!
//! Shapes: `x (B, fan_in) @ w (fan_in, fan_out) + b (fan_out,) = out (B, fan_out)`.

use ndarray::{Array1, Array2, ArrayRef2};

use crate::error::{Result, expect_shape};
use crate::float::Float;
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
            Some(b) => out.assign(&**b), // broadcast (fan_out,) over the batch
            None => out.fill(F::zero()),
        }
        matmul_acc(out, x, &self.w); // += x @ w, (B, fan_out)
        Ok(())
    }
}
