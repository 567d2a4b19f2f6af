//! # Mutants of micrograd (lecture 1): the scalar engine's backward rules
//!
//! Each op's local derivative broken the way learners break it; only that
//! op's row fails.

use backprop_ninja::Solutions;
use backprop_ninja::course::micrograd::OpKind;
use backprop_ninja::grade::Status;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, wrong};
use crate::common::mutant;

#[test]
fn a_scalar_tanh_without_its_square_fails_micrograd_tanh_only() {
    let bp = known("micrograd::tanh", "unsquared");
    let message = wrong(&bp, Exercise::Micrograd(OpKind::Tanh));
    assert!(message.contains("da: WRONG"), "{message}");
    for op in OpKind::ALL.into_iter().filter(|&op| op != OpKind::Tanh) {
        assert_eq!(status(&bp, Exercise::Micrograd(op)), Status::Correct);
    }
}

// The engine is generic over `Backprop`: the lecture's `=` bug as a type.
mutant!(micrograd_mul_assigned, micrograd {
    pub use backprop_ninja::solutions::micrograd::*;
    pub fn mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
        *da = b * dout; // = instead of +=: the lecture's bug
        *db = a * dout;
    }
});

#[test]
fn a_scalar_mul_that_assigns_fails_with_the_accumulate_hint() {
    use backprop_ninja::course::micrograd::Graph;
    let bp = known("micrograd::mul", "assigned");
    let message = generic(&bp, Exercise::Micrograd(OpKind::Mul));
    assert!(message.contains("not accumulated (+=)"), "{message}");
    let message = wrong(&bp, Exercise::Micrograd(OpKind::Mul));
    assert!(message.contains("known mistake \"assigned\""), "{message}");
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

#[test]
fn a_power_rule_without_its_minus_one_fails_micrograd_pow() {
    let bp = known("micrograd::pow", "power rule without its minus one");
    let message = wrong(&bp, Exercise::Micrograd(OpKind::Pow));
    assert!(message.contains("da: WRONG"), "{message}");
}

#[test]
fn scalar_add_exp_and_log_mistakes_each_fail_their_own_op() {
    let add = known("micrograd::add", "one input only");
    assert!(wrong(&add, Exercise::Micrograd(OpKind::Add)).contains("db: WRONG"));
    let exp = known("micrograd::exp", "exp of the input");
    assert!(wrong(&exp, Exercise::Micrograd(OpKind::Exp)).contains("da: WRONG"));
    let log = known("micrograd::log", "times a");
    assert!(wrong(&log, Exercise::Micrograd(OpKind::Log)).contains("da: WRONG"));
    for bp in [add, exp, log] {
        let mul = status(&bp, Exercise::Micrograd(OpKind::Mul));
        assert_eq!(mul, Status::Correct, "the other ops are the reference's");
    }
}

#[test]
fn a_relu_that_is_never_off_fails_micrograd_relu() {
    let bp = known("micrograd::relu", "never off");
    let message = wrong(&bp, Exercise::Micrograd(OpKind::Relu));
    assert!(message.contains("da: WRONG"), "{message}");
}
