//! # micrograd, backward — solution (the course's first exercises)
//!
//! Each operation of the scalar engine (`src/course/micrograd.rs`) knows only its
//! own inputs and output. The chain rule says that is enough: if
//! `out = f(a, b)` and the loss `L` depends on `a` only through `out`, then
//!
//! ```text
//! dL/da = dL/dout · ∂out/∂a        (upstream gradient × local derivative)
//! ```
//!
//! So each step takes `dout = dL/dout` and *adds* `dout · ∂out/∂a` to `a`'s
//! gradient. Adding, not assigning, is the lecture's bug fix: a value used
//! twice (`a + a`, or a weight feeding many products) receives a
//! contribution along each path, and its gradient is their sum (the
//! multivariable chain rule).

/// `out = a + b`: `∂out/∂a = ∂out/∂b = 1`, so a plus node hands `dout`
/// unchanged to both inputs, "routing" the gradient.
pub fn add_backward(da: &mut f64, db: &mut f64, dout: f64) {
    *da += dout;
    *db += dout;
}

/// `out = a · b`: `∂out/∂a = b` and `∂out/∂b = a`; each input's gradient is
/// the other input times `dout`.
pub fn mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
    *da += b * dout;
    *db += a * dout;
}

/// `out = a^k` with `k` a constant (not a node, so it has no gradient): the
/// power rule, `∂out/∂a = k·a^(k-1)`. Division is `a · b^-1`, so this is
/// also where `d(1/b)/db = -1/b²` comes from.
pub fn pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) {
    *da += k * a.powf(k - 1.0) * dout;
}

/// `out = e^a`: `∂out/∂a = e^a = out`; the forward pass already computed it.
pub fn exp_backward(da: &mut f64, dout: f64, out: f64) {
    *da += out * dout;
}

/// `out = tanh(a)`: `∂out/∂a = 1 - tanh²(a) = 1 - out²`, written with the
/// output so that no second `tanh` is needed.
pub fn tanh_backward(da: &mut f64, dout: f64, out: f64) {
    *da += (1.0 - out * out) * dout;
}

/// `out = max(a, 0)`: slope 1 where the unit is on (`out > 0`), 0 where it
/// is off. At `a = 0` there is no derivative; micrograd takes 0 there.
pub fn relu_backward(da: &mut f64, dout: f64, out: f64) {
    if out > 0.0 {
        *da += dout;
    }
}

/// `out = ln(a)`: `∂out/∂a = 1/a`. Not in the lecture's engine: the
/// cross-entropy `-log p` of exercise 1 needs it. Small probabilities get
/// large gradients.
pub fn log_backward(da: &mut f64, dout: f64, a: f64) {
    *da += dout / a;
}
