//! # GELU (tanh form), backward — solution (lecture 7, makemore's Transformer)
//!
//! Forward (`src/layers/gelu.rs`), element by element:
//!
//! ```text
//! u        = k·(x + a·x³),        k = √(2/π), a = 0.044715
//! gelu(x)  = ½·x·(1 + tanh u)
//! ```
//!
//! `x` appears twice in the product: as the factor `½x` and inside
//! `tanh u`. The product rule takes both:
//!
//! ```text
//! d gelu/dx = ½·(1 + tanh u)                    the factor ½x, differentiated
//!           + ½·x · (1 - tanh² u) · du/dx       tanh u, differentiated (chain rule)
//! du/dx     = k·(1 + 3a·x²)
//! ```
//!
//! and **`dx = gelu'(x) · dout`**, element-wise. The first term alone is the
//! gate `Φ(x)` the GELU approximates; the second is why GELU is smooth where
//! ReLU has a kink. The backward pass needs `x` itself (not the output):
//! `tanh u` is recomputed from it.

use ndarray::{ArrayRef, Dimension, Zip};

use crate::float::Float;
use crate::layers::gelu::{COEFF, SQRT_2_OVER_PI};

/// Accumulates (`+=`) `dx = gelu'(x) · dout`.
pub fn backward<F: Float, D: Dimension>(
    dx: &mut ArrayRef<F, D>, // shape of x
    dout: &ArrayRef<F, D>,   // shape of x
    x: &ArrayRef<F, D>,      // the input, shape of x
) {
    let (k, a) = (F::lit(SQRT_2_OVER_PI), F::lit(COEFF));
    let half = F::lit(0.5);
    let three = F::lit(3.0);
    Zip::from(dx).and(dout).and(x).for_each(|dx, &dout, &x| {
        let tanh_u = (k * (x + a * x * x * x)).fast_tanh();
        let du = k * (F::one() + three * a * x * x);
        let local = half * (F::one() + tanh_u) + half * x * (F::one() - tanh_u * tanh_u) * du;
        *dx += local * dout;
    });
}
