//! # AdamW, the update — solution (lecture 7)
//!
//! Not a backward pass: what the optimiser does with a gradient once
//! backpropagation has produced it. `torch.optim.AdamW` documents one step
//! `t` (1 for the first) of a parameter `p` with gradient `g` as:
//!
//! ```text
//! p ← p - lr·λ·p                          (1) decoupled weight decay
//! m ← β₁·m + (1 - β₁)·g                   (2) running mean of g
//! v ← β₂·v + (1 - β₂)·g²                  (3) running mean of g²
//! m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)    (4) bias corrections
//! p ← p - lr · m̂ / (√v̂ + ε)               (5) the step
//! ```
//!
//! **Why (4).** `m` and `v` start at 0, so early on they are too small:
//! after `t` steps of a constant gradient `g`, `m = (1 - β₁ᵗ)·g`. Dividing
//! by `1 - β₁ᵗ` gives back `g`. On the first step `m̂ = g` and `v̂ = g²`
//! exactly, so the step is `lr·g/(|g| + ε) ≈ lr·sign(g)`: every parameter
//! moves by about `lr`, whatever its gradient's scale.
//!
//! **Why (1) comes apart from the gradient.** Adding `λ·p` to `g` (L2
//! regularisation, PyTorch's `Adam(weight_decay=λ)`) would have the decay
//! divided by `√v̂` like everything else: parameters with large gradients
//! would hardly decay. AdamW shrinks every parameter by the same factor
//! `1 - lr·λ`, outside the adaptive step.

use ndarray::{ArrayRef, Dimension, Zip};

use crate::float::Float;
use crate::layers::adamw::AdamW;

/// Step `t` (`t ≥ 1`) of AdamW on one parameter: updates `param`, `m` and
/// `v` in place from `grad`.
pub fn update<F: Float, D: Dimension>(
    param: &mut ArrayRef<F, D>, // p, any shape
    m: &mut ArrayRef<F, D>,     // first moment, shape of p
    v: &mut ArrayRef<F, D>,     // second moment, shape of p
    grad: &ArrayRef<F, D>,      // g, shape of p
    t: usize,                   // this step's number, 1 for the first
    hyper: &AdamW,
) {
    let lr = F::lit(hyper.lr);
    let (b1, b2) = (F::lit(hyper.beta1), F::lit(hyper.beta2));
    let decay = F::one() - lr * F::lit(hyper.weight_decay); // (1)
    let t = t as i32;
    let c1 = F::one() - F::lit(hyper.beta1.powi(t)); // 1 - β₁ᵗ
    let c2 = F::one() - F::lit(hyper.beta2.powi(t)); // 1 - β₂ᵗ
    let eps = F::lit(hyper.eps);
    Zip::from(param)
        .and(m)
        .and(v)
        .and(grad)
        .for_each(|p, m, v, &g| {
            *p *= decay; // (1)
            *m = b1 * *m + (F::one() - b1) * g; // (2)
            *v = b2 * *v + (F::one() - b2) * g * g; // (3)
            let (m_hat, v_hat) = (*m / c1, *v / c2); // (4)
            *p -= lr * m_hat / (v_hat.sqrt() + eps); // (5)
        });
}
