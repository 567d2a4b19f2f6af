//! # Mutants of micrograd (lecture 1): the scalar engine's backward rules
//!
//! Each op's local derivative broken the way learners break it; only that
//! op's row fails.

use backprop_ninja::Solutions;
use backprop_ninja::grade::{Status, dispatch};
use backprop_ninja::registry::Exercise;

use super::wrong;
use crate::common::mutant;

mutant!(micrograd_tanh_unsquared, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn tanh_backward(da: &mut f64, dout: f64, out: f64) {
        *da += (1.0 - out) * dout; // 1 - out, not 1 - out²
    }
});

#[test]
fn a_scalar_tanh_without_its_square_fails_micrograd_tanh_only() {
    use backprop_ninja::course::micrograd::OpKind;
    type M = micrograd_tanh_unsquared::Mutant;
    let message = wrong::<M>(Exercise::Micrograd(OpKind::Tanh));
    assert!(message.contains("da: WRONG"), "{message}");
    for op in OpKind::ALL.into_iter().filter(|&op| op != OpKind::Tanh) {
        assert_eq!(
            dispatch::grade::<M>(Exercise::Micrograd(op)).status,
            Status::Correct
        );
    }
}

mutant!(micrograd_mul_assigned, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
        *da = b * dout; // = instead of +=: the lecture's bug
        *db = a * dout;
    }
});

#[test]
fn a_scalar_mul_that_assigns_fails_with_the_accumulate_hint() {
    use backprop_ninja::course::micrograd::{Graph, OpKind};
    let message = wrong::<micrograd_mul_assigned::Mutant>(Exercise::Micrograd(OpKind::Mul));
    assert!(message.contains("not accumulated (+=)"), "{message}");
    // And in the engine, the lecture's symptom: `a` feeds two nodes, and
    // the later `=` wipes out what the other path added.
    let mut g = Graph::new();
    let (a, b) = (g.leaf(-2.0), g.leaf(3.0));
    let d = g.mul(a, b);
    let e = g.add(a, b);
    let f = g.mul(d, e);
    g.backward::<micrograd_mul_assigned::Mutant>(f);
    assert_eq!(g.grad(a), 3.0, "f = ab(a+b): df/da = -3 with +=");
    g.zero_grad(&[a, b, d, e]); // every node: gradients accumulate
    g.backward::<Solutions>(f);
    assert_eq!(g.grad(a), -3.0);
}

mutant!(micrograd_pow_rule, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) {
        *da += k * a.powf(k) * dout; // k·a^k, not k·a^(k-1)
    }
});

#[test]
fn a_power_rule_without_its_minus_one_fails_micrograd_pow() {
    use backprop_ninja::course::micrograd::OpKind;
    let message = wrong::<micrograd_pow_rule::Mutant>(Exercise::Micrograd(OpKind::Pow));
    assert!(message.contains("da: WRONG"), "{message}");
}

mutant!(micrograd_add_exp_log_broken, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn add_backward(da: &mut f64, _db: &mut f64, dout: f64) {
        *da += dout; // b's share is lost
    }
    pub fn exp_backward(da: &mut f64, dout: f64, out: f64) {
        *da += out.ln() * dout; // the input, not exp's own value
    }
    pub fn log_backward(da: &mut f64, dout: f64, a: f64) {
        *da += dout * a; // a, not 1/a
    }
});

#[test]
fn scalar_add_exp_and_log_mistakes_each_fail_their_own_op() {
    use backprop_ninja::course::micrograd::OpKind;
    type M = micrograd_add_exp_log_broken::Mutant;
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Add)).contains("db: WRONG"));
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Exp)).contains("da: WRONG"));
    assert!(wrong::<M>(Exercise::Micrograd(OpKind::Log)).contains("da: WRONG"));
    let mul = dispatch::grade::<M>(Exercise::Micrograd(OpKind::Mul)).status;
    assert_eq!(mul, Status::Correct, "the other ops are the reference's");
}

mutant!(micrograd_relu_always_on, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn relu_backward(da: &mut f64, dout: f64, _out: f64) {
        *da += dout; // passes the gradient where the unit is off, too
    }
});

#[test]
fn a_relu_that_is_never_off_fails_micrograd_relu() {
    use backprop_ninja::course::micrograd::OpKind;
    let message = wrong::<micrograd_relu_always_on::Mutant>(Exercise::Micrograd(OpKind::Relu));
    assert!(message.contains("da: WRONG"), "{message}");
}
