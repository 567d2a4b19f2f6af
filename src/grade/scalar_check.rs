//! # The second oracle: exercise 1's network, built from scalars
//!
//! Finite differences ([`crate::grade::oracle`]) are one independent check of the
//! tensor backward passes; the scalar engine of the first lecture
//! ([`crate::course::micrograd`]) is another. [`scalar_grads`] builds the loss of
//! exercise 1 (`src/course/step_by_step.rs`) one number at a time, as a graph of
//! [`Value`]s, and lets `backward()` find every parameter's gradient with
//! nothing but the local rules of `add`, `mul`, `pow`, `exp`, `tanh` and
//! `log`. [`cross_check`] then compares those with the tensor gradients of
//! `run_chain::<B>`: they must agree to [`TOLERANCE`].
//!
//! Two liberties with the lecture's forward pass, neither changing the
//! loss or its gradients:
//! - no `logit_maxes` (the engine has no `max`): the shift cancels in the
//!   softmax, and at these sizes `exp` cannot overflow;
//! - only `probs[i, Yb[i]]` is built, the one entry of each row that
//!   reaches the loss (the others would be nodes that `backward` never visits).
//!
//! The graph is small only at small sizes: [`SIZES`] has ~2,000 nodes.
#![allow(non_snake_case)] // the lecture's names: C, W1, dW1, ...

use ndarray::{Array1, Array2, ArrayD};

use crate::backprop::Backprop;
use crate::course::micrograd::{Graph, Value};
use crate::course::step_by_step::{Batch, Forward, Params, lecture_setup};
use crate::error::Result;
use crate::grade::Row;
use crate::grade::compare::compare;
use crate::hyper::Hyper;
use crate::solutions::Solutions;

/// Exercise 1's network at the sizes of the cross-check: vocab 27, block 3,
/// n_embd 2, n_hidden 4 ...
pub const SIZES: Hyper = Hyper {
    vocab: 27,
    block: 3,
    n_embd: 2,
    n_hidden: 4,
};
/// ... and a batch of 4.
pub const BATCH: usize = 4;

/// The largest difference allowed between a scalar and a tensor gradient.
pub const TOLERANCE: f64 = 1e-10;

/// The loss and the parameters' gradients, found by the scalar engine.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalarGrads {
    pub loss: f64,
    pub dC: Array2<f64>,
    pub dW1: Array2<f64>,
    pub db1: Array1<f64>,
    pub dW2: Array2<f64>,
    pub db2: Array1<f64>,
    pub dbngain: Array2<f64>,
    pub dbnbias: Array2<f64>,
}

/// A matrix of leaves.
fn leaves(g: &mut Graph, x: &Array2<f64>) -> Array2<Value> {
    x.map(|&v| g.leaf(v))
}

/// The gradients of a matrix of leaves.
fn grads(g: &Graph, x: &Array2<Value>) -> Array2<f64> {
    x.map(|&v| g.grad(v))
}

/// `(1/count) · Σ values`, the mean with the lecture's divisor (`n` or `n-1`).
fn scaled_sum(g: &mut Graph, values: &[Value], divisor: usize) -> Value {
    let sum = g.sum(values);
    g.mul_const(sum, 1.0 / divisor as f64)
}

/// Exercise 1's loss, one scalar at a time, and `backward()` through it.
pub fn scalar_grads(params: &Params, batch: &Batch) -> Result<ScalarGrads> {
    // The tensor forward pass checks every shape and index first.
    Forward::new(params, batch)?;
    let g = &mut Graph::new();
    let C = leaves(g, &params.C);
    let W1 = leaves(g, &params.W1);
    let b1 = leaves(g, &params.b1.clone().insert_axis(ndarray::Axis(0)));
    let W2 = leaves(g, &params.W2);
    let b2 = leaves(g, &params.b2.clone().insert_axis(ndarray::Axis(0)));
    let bngain = leaves(g, &params.bngain);
    let bnbias = leaves(g, &params.bnbias);
    let (n, hidden) = (batch.Xb.nrows(), params.W1.ncols());

    // emb, embcat, and Linear layer 1: hprebn[i][j]
    let hprebn: Vec<Vec<Value>> = batch
        .Xb
        .rows()
        .into_iter()
        .map(|context| {
            let embcat: Vec<Value> = context.iter().flat_map(|&ix| C.row(ix).to_vec()).collect();
            (0..hidden)
                .map(|j| {
                    let w: Vec<Value> = W1.column(j).to_vec();
                    let dot = g.dot(&embcat, &w);
                    g.add(dot, b1[[0, j]])
                })
                .collect()
        })
        .collect();
    // BatchNorm, column by column
    let mut h = vec![vec![]; n];
    for j in 0..hidden {
        let column: Vec<Value> = hprebn.iter().map(|row| row[j]).collect();
        let bnmeani = scaled_sum(g, &column, n);
        let bndiff: Vec<Value> = column.iter().map(|&x| g.sub(x, bnmeani)).collect();
        let bndiff2: Vec<Value> = bndiff.iter().map(|&d| g.pow(d, 2.0)).collect();
        let bnvar = scaled_sum(g, &bndiff2, n - 1); // Bessel's correction
        let bnvar_eps = g.add_const(bnvar, 1e-5);
        let bnvar_inv = g.pow(bnvar_eps, -0.5);
        for (i, &d) in bndiff.iter().enumerate() {
            let bnraw = g.mul(d, bnvar_inv);
            let scaled = g.mul(bngain[[0, j]], bnraw);
            let hpreact = g.add(scaled, bnbias[[0, j]]);
            h[i].push(g.tanh(hpreact));
        }
    }
    // Linear layer 2 and the cross-entropy, row by row
    let mut logprobs = vec![];
    for (h_i, &y) in h.iter().zip(&batch.Yb) {
        let logits: Vec<Value> = (0..W2.ncols())
            .map(|k| {
                let w: Vec<Value> = W2.column(k).to_vec();
                let dot = g.dot(h_i, &w);
                g.add(dot, b2[[0, k]])
            })
            .collect();
        let counts: Vec<Value> = logits.iter().map(|&l| g.exp(l)).collect();
        let counts_sum = g.sum(&counts);
        let counts_sum_inv = g.pow(counts_sum, -1.0);
        let probs_y = g.mul(counts[y], counts_sum_inv);
        logprobs.push(g.log(probs_y));
    }
    let mean = scaled_sum(g, &logprobs, n);
    let loss = g.neg(mean);
    g.backward::<Solutions>(loss);

    Ok(ScalarGrads {
        loss: g.data(loss),
        dC: grads(g, &C),
        dW1: grads(g, &W1),
        db1: grads(g, &b1).row(0).to_owned(),
        dW2: grads(g, &W2),
        db2: grads(g, &b2).row(0).to_owned(),
        dbngain: grads(g, &bngain),
        dbnbias: grads(g, &bnbias),
    })
}

/// One row per parameter (`dC`, `dW1`, `db1`, `dW2`, `db2`, `dbngain`,
/// `dbnbias`, then the loss): `B`'s tensor gradient (exercise 1's chain of
/// steps) against the scalar engine's, on the network and batch drawn from
/// `seed` at [`SIZES`]. Every step of `B`'s exercise 1 must be written.
pub fn cross_check<B: Backprop>(seed: u64) -> Result<Vec<Row>> {
    let (params, batch) = lecture_setup(SIZES, BATCH, seed);
    let f = Forward::new(&params, &batch)?;
    let tensor = crate::grade::cases::step_by_step::run_chain::<B>(&f);
    let scalar = scalar_grads(&params, &batch)?;
    let d = |x: &Array2<f64>| x.clone().into_dyn();
    let d1 = |x: &Array1<f64>| x.clone().into_dyn();
    let pairs: [(&str, ArrayD<f64>, ArrayD<f64>); 7] = [
        ("dC", d(&tensor.dC), d(&scalar.dC)),
        ("dW1", d(&tensor.dW1), d(&scalar.dW1)),
        ("db1", d1(&tensor.db1), d1(&scalar.db1)),
        ("dW2", d(&tensor.dW2), d(&scalar.dW2)),
        ("db2", d1(&tensor.db2), d1(&scalar.db2)),
        ("dbngain", d(&tensor.dbngain), d(&scalar.dbngain)),
        ("dbnbias", d(&tensor.dbnbias), d(&scalar.dbnbias)),
    ];
    let mut rows: Vec<Row> = pairs
        .iter()
        .map(|(name, t, s)| compare(&format!("{} vs scalar {name}", B::NAME), t, s, None))
        .collect();
    rows.push(compare(
        "tensor vs scalar loss",
        &ndarray::arr0(f.loss),
        &ndarray::arr0(scalar.loss),
        None,
    ));
    Ok(rows)
}

/// Whether a row of [`cross_check`] agrees to [`TOLERANCE`].
pub fn agrees(row: &Row) -> bool {
    row.maxdiff <= TOLERANCE
}
