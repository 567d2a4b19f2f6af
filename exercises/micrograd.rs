//! # micrograd, backward — yours to write (the course's first exercises)
//!
//! The local step of each operation of the scalar engine (`src/course/micrograd.rs`),
//! as in the lecture *"building micrograd"*: given `dout`, the gradient of
//! the loss with respect to the operation's output, add (`+=`) the gradient
//! with respect to each input. `Graph::backward` calls these in reverse
//! topological order. The answers, with derivations, are in
//! `solutions/micrograd.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

/// `out = a + b`: accumulates (`+=`) `da`, `db`.
pub fn add_backward(da: &mut f64, db: &mut f64, dout: f64) {
    todo!("d(a + b)/da = 1: a plus node just routes dout to both inputs")
}

/// `out = a · b`: accumulates (`+=`) `da`, `db`.
pub fn mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
    todo!("d(a·b)/da = b, and d(a·b)/db = a")
}

/// `out = a^k` for a constant `k`: accumulates (`+=`) `da`.
pub fn pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) {
    todo!("the power rule: d(a^k)/da = k·a^(k-1)")
}

/// `out = exp(a)`: accumulates (`+=`) `da`.
pub fn exp_backward(da: &mut f64, dout: f64, out: f64) {
    todo!("exp is its own derivative, and you already have exp(a): it is `out`")
}

/// `out = tanh(a)`: accumulates (`+=`) `da`.
pub fn tanh_backward(da: &mut f64, dout: f64, out: f64) {
    todo!("d tanh(a)/da = 1 - tanh(a)^2, and tanh(a) is `out`")
}

/// `out = relu(a) = max(a, 0)`: accumulates (`+=`) `da`.
pub fn relu_backward(da: &mut f64, dout: f64, out: f64) {
    todo!("the slope is 1 where the unit is on (out > 0), 0 where it is off")
}

/// `out = ln(a)`: accumulates (`+=`) `da`.
pub fn log_backward(da: &mut f64, dout: f64, a: f64) {
    todo!("d ln(a)/da = 1/a")
}
