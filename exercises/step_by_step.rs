//! # Exercise 1: backward, step by step — yours to write
//!
//! Walk back up the forward pass of `src/step_by_step.rs` (the lecture's
//! names, with `f.` in front: `f.probs`, `f.params.W2`, `f.batch.Yb`). Each
//! function gets the forward pass and the upstream gradients it needs, and
//! returns the gradient of the loss with respect to its variable, in that
//! variable's shape. Replace a `todo!()`, run `cargo test --test grade` (or `cargo run -- watch`), and
//! read your row of the table. The answers are in `solutions/step_by_step.rs`.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3};

use crate::course::step_by_step::Forward;

/// The gradient of the loss with respect to `logprobs`.
pub fn dlogprobs(f: &Forward) -> Array2<f64> {
    todo!("only the n entries logprobs[i, Yb[i]] reach the loss, each with weight -1/n")
}

/// The gradient of the loss with respect to `probs`.
pub fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64> {
    todo!("d ln(x)/dx = 1/x")
}

/// The gradient of the loss with respect to `counts_sum_inv`.
pub fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64> {
    todo!("counts_sum_inv (n, 1) was broadcast over the columns: multiply, then sum over axis 1")
}

/// The gradient of the loss with respect to `counts_sum`.
pub fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64> {
    todo!("d x^-1/dx = -x^-2")
}

/// The gradient of the loss with respect to `counts`.
pub fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64> {
    todo!("counts is used twice (probs and counts_sum): add both paths")
}

/// The gradient of the loss with respect to `norm_logits`.
pub fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64> {
    todo!("exp is its own derivative, and you already have exp(norm_logits)")
}

/// The gradient of the loss with respect to `logit_maxes`.
pub fn dlogit_maxes(f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64> {
    todo!("logit_maxes (n, 1) was broadcast and subtracted; the answer should be ~0, why?")
}

/// The gradient of the loss with respect to `logits`.
pub fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64> {
    todo!("two paths: through norm_logits, and through the max (a one-hot of each row's argmax)")
}

/// The gradient of the loss with respect to `h`.
pub fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of dlogits and W2 has the shape of h?")
}

/// The gradient of the loss with respect to `W2`.
pub fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of h and dlogits has the shape of W2?")
}

/// The gradient of the loss with respect to `b2`.
pub fn db2(f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
    todo!("b2 was broadcast down the batch")
}

/// The gradient of the loss with respect to `hpreact`.
pub fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64> {
    todo!("d tanh(x)/dx = 1 - tanh(x)^2, and tanh(x) is h")
}

/// The gradient of the loss with respect to `bngain`.
pub fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("bngain (1, H) was broadcast down the batch: multiply, then sum over axis 0")
}

/// The gradient of the loss with respect to `bnbias`.
pub fn dbnbias(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("bnbias (1, H) was broadcast down the batch")
}

/// The gradient of the loss with respect to `bnraw`.
pub fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("hpreact = bngain * bnraw + bnbias")
}

/// The gradient of the loss with respect to `bnvar_inv`.
pub fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64> {
    todo!("bnvar_inv (1, H) was broadcast down the batch: multiply, then sum over axis 0")
}

/// The gradient of the loss with respect to `bnvar`.
pub fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> {
    todo!("d x^-1/2 / dx = -1/2 x^-3/2")
}

/// The gradient of the loss with respect to `bndiff2`.
pub fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> {
    todo!("bnvar = 1/(n-1) * bndiff2.sum(0): every term gets the same share")
}

/// The gradient of the loss with respect to `bndiff`.
pub fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64> {
    todo!("bndiff is used twice (bnraw and bndiff2): add both paths")
}

/// The gradient of the loss with respect to `bnmeani`.
pub fn dbnmeani(f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64> {
    todo!("bnmeani (1, H) was broadcast and subtracted")
}

/// The gradient of the loss with respect to `hprebn`.
pub fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64> {
    todo!("hprebn is used twice (bndiff and bnmeani): add both paths")
}

/// The gradient of the loss with respect to `embcat`.
pub fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of dhprebn and W1 has the shape of embcat?")
}

/// The gradient of the loss with respect to `W1`.
pub fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of embcat and dhprebn has the shape of W1?")
}

/// The gradient of the loss with respect to `b1`.
pub fn db1(f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64> {
    todo!("b1 was broadcast down the batch")
}

/// The gradient of the loss with respect to `emb`.
pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
    todo!("embcat is only a reshaped view of emb")
}

/// The gradient of the loss with respect to `C`.
pub fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
    todo!("a loop over Xb; rows of C used several times must add up")
}
