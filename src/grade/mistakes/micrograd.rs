//! # Known mistakes of micrograd (lecture 1): the scalar engine's local derivatives
//!
//! Each op's backward rule broken the way learners break it, on the op's
//! own exercise (`micrograd::tanh`, ...).

use crate::grade::mistakes::mistake::Mistake;
use crate::registry::{Exercise, OpKind};

/// `a + b` sends `dout` to `a` only.
fn add_to_a_only(da: &mut f64, _db: &mut f64, dout: f64) {
    *da += dout; // b's share is lost
}

/// `=` instead of `+=`, the lecture's bug.
fn mul_assigned(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
    *da = b * dout;
    *db = a * dout;
}

/// `k·a^k`, not `k·a^(k-1)`.
fn pow_without_minus_one(da: &mut f64, dout: f64, a: f64, k: f64) {
    *da += k * a.powf(k) * dout;
}

/// The input's value, not exp's own.
fn exp_of_the_input(da: &mut f64, dout: f64, out: f64) {
    *da += out.ln() * dout;
}

/// `1 - out`, not `1 - out²`.
fn tanh_unsquared(da: &mut f64, dout: f64, out: f64) {
    *da += (1.0 - out) * dout;
}

/// The gradient passes where the unit is off, too.
fn relu_always_on(da: &mut f64, dout: f64, _out: f64) {
    *da += dout;
}

/// `a`, not `1/a`.
fn log_times_a(da: &mut f64, dout: f64, a: f64) {
    *da += dout * a;
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Add),
        name: "one input only",
        explanation: "this sends dout to a only: an addition hands its gradient to both inputs unchanged, da += dout and db += dout",
        patch: |t| t.micrograd_add_backward = add_to_a_only,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Mul),
        name: "assigned",
        explanation: "this assigns (=) the gradients instead of accumulating them: a value used twice must receive both shares, da += b·dout and db += a·dout",
        patch: |t| t.micrograd_mul_backward = mul_assigned,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Pow),
        name: "power rule without its minus one",
        explanation: "this is k·a^k: the power rule lowers the exponent by one, da += k·a^(k-1)·dout",
        patch: |t| t.micrograd_pow_backward = pow_without_minus_one,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Exp),
        name: "exp of the input",
        explanation: "this multiplies by the input a = ln(out): exp is its own derivative, da += out·dout",
        patch: |t| t.micrograd_exp_backward = exp_of_the_input,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Tanh),
        name: "unsquared",
        explanation: "this is 1 - out: tanh's derivative is 1 - out², da += (1 - out²)·dout",
        patch: |t| t.micrograd_tanh_backward = tanh_unsquared,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Relu),
        name: "never off",
        explanation: "this passes dout where the unit is off too: ReLU's slope is 0 where out = 0, da += dout only where out > 0",
        patch: |t| t.micrograd_relu_backward = relu_always_on,
    },
    Mistake {
        exercise: Exercise::Micrograd(OpKind::Log),
        name: "times a",
        explanation: "this multiplies by a: the derivative of ln a is 1/a, da += dout / a",
        patch: |t| t.micrograd_log_backward = log_times_a,
    },
];
