//! # Grading cases: micrograd, the local backward step of each operation
//!
//! Lecture *"building micrograd"*, `exercises/micrograd.rs`.

use ndarray::{Array1, ArrayD};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::course::micrograd::{Graph, OpKind};
use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, randn};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};

/// `op` applied to `a` (and `b`, or the exponent `k`) by the scalar engine.
fn micrograd_forward(op: OpKind, a: f64, b: f64, k: f64) -> f64 {
    let mut g = Graph::new();
    let (a, b) = (g.leaf(a), g.leaf(b));
    let out = match op {
        OpKind::Add => g.add(a, b),
        OpKind::Mul => g.mul(a, b),
        OpKind::Pow => g.pow(a, k),
        OpKind::Exp => g.exp(a),
        OpKind::Tanh => g.tanh(a),
        OpKind::Relu => g.relu(a),
        OpKind::Log => g.log(a),
    };
    g.data(out)
}

/// A local step with its operation fixed: `(da, db, dout, [a, b, k])`.
type ScalarStep<'a> = &'a dyn Fn(&mut f64, &mut f64, f64, [f64; 3]);

/// One local step of `bp`, accumulating into `da`, `db`.
fn micrograd_step(
    bp: &BackpropTable,
    op: OpKind,
    da: &mut f64,
    db: &mut f64,
    dout: f64,
    ab: [f64; 3],
) {
    let [a, b, k] = ab;
    let out = micrograd_forward(op, a, b, k);
    match op {
        OpKind::Add => (bp.micrograd_add_backward)(da, db, dout),
        OpKind::Mul => (bp.micrograd_mul_backward)(da, db, dout, a, b),
        OpKind::Pow => (bp.micrograd_pow_backward)(da, dout, a, k),
        OpKind::Exp => (bp.micrograd_exp_backward)(da, dout, out),
        OpKind::Tanh => (bp.micrograd_tanh_backward)(da, dout, out),
        OpKind::Relu => (bp.micrograd_relu_backward)(da, dout, out),
        OpKind::Log => (bp.micrograd_log_backward)(da, dout, a),
    }
}

/// A scalar operation, graded on six cases at once: the `i`-th elements of
/// `a`, `b`, `k` and `dout` are one call of the local step, and the oracle
/// differentiates `Σ_i out_i · dout_i`.
pub fn op(bp: &BackpropTable, id: &str, op: OpKind, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let n = 6;
    let z: Array1<f64> = randn(n, rng);
    // Inputs where the operation is smooth: log and pow (with a fractional
    // exponent) need a > 0; relu is graded on both sides of its kink.
    let a = match op {
        OpKind::Pow | OpKind::Log => z.mapv(|z| 0.3 + z.abs()),
        OpKind::Relu => Array1::from_shape_fn(n, |i| {
            (0.2 + z[i].abs()) * if i % 2 == 0 { 1.0 } else { -1.0 }
        }),
        _ => z * 1.5,
    };
    let b = randn(n, rng);
    let k = ndarray::array![2.0, -1.0, 0.5, 3.0, -0.5, 1.5];
    let dout = randn(n, rng);
    let (da0, db0) = (randn(n, rng), randn(n, rng));
    let binary = matches!(op, OpKind::Add | OpKind::Mul);

    let run = |step: ScalarStep| -> Vec<ArrayD<f64>> {
        let (mut da, mut db) = (da0.clone(), db0.clone());
        for i in 0..n {
            step(&mut da[i], &mut db[i], dout[i], [a[i], b[i], k[i]]);
        }
        let mut grads = vec![da.into_dyn()];
        if binary {
            grads.push(db.into_dyn());
        }
        grads
    };
    let loss = |a: &ArrayD<f64>, b: &ArrayD<f64>| -> f64 {
        (0..n)
            .map(|i| micrograd_forward(op, a[i], b[i], k[i]) * dout[i])
            .sum()
    };
    let (ad, bd) = (dyn_(&a), dyn_(&b));
    let mut vars: Vec<(String, ArrayD<f64>, Loss)> =
        vec![("da".into(), ad.clone(), Box::new(|v| loss(v, &bd)))];
    let mut prefill = vec![dyn_(&da0)];
    if binary {
        vars.push(("db".into(), bd.clone(), Box::new(|v| loss(&ad, v))));
        prefill.push(dyn_(&db0));
    }
    let handed = match op {
        OpKind::Add => "da, db, dout (f64)",
        OpKind::Mul => "da, db, dout, a, b (f64)",
        OpKind::Pow => "da, dout, a, k (f64), with a > 0",
        OpKind::Log => "da, dout, a (f64), with a > 0",
        OpKind::Exp | OpKind::Tanh | OpKind::Relu => "da, dout, out (f64)",
    };
    let case = LayerCase {
        id,
        vars,
        prefill,
        seed,
        known: Known::none(),
        handed: handed.into(),
    };
    let learner = attempt(|| run(&|da, db, dout, ab| micrograd_step(bp, op, da, db, dout, ab)));
    let reference = run(&|da, db, dout, ab| micrograd_step(&SOLUTIONS, op, da, db, dout, ab));
    case.grade(learner, reference, vec![])
}
