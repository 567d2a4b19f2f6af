//! # Exercise 1: backward, step by step — yours to write
//!
//! Walk back up the forward pass of `src/course/step_by_step.rs` (the lecture's
//! names, with `f.` in front: `f.probs`, `f.params.W2`, `f.batch.Yb`). Each
//! function gets the forward pass and the upstream gradients it needs, and
//! returns the gradient of the loss with respect to its variable, in that
//! variable's shape. Replace a `todo!()`, run `cargo test --test grade` (or `cargo run -- watch`), and
//! read your row of the table. The answers are in `solutions/step_by_step.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call. Sizes: `n` rows in the batch, `V` characters, `H`
//! hidden units, `E` embedding width, `block` characters of context.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3};

use crate::course::step_by_step::Forward;

/// The gradient of the loss with respect to `logprobs`, shape `(n, V)`.
///
/// It undoes `loss = -logprobs[range(n), Yb].mean()`.
pub fn dlogprobs(f: &Forward) -> Array2<f64> {
    todo!("only the n entries logprobs[i, Yb[i]] reach the loss, each with weight -1/n")
}

/// The gradient of the loss with respect to `probs`, shape `(n, V)`.
///
/// It undoes `logprobs = probs.log()`.
pub fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64> {
    todo!("d ln(x)/dx = 1/x")
}

/// The gradient of the loss with respect to `counts_sum_inv`, shape `(n, 1)`.
///
/// It undoes `probs = counts * counts_sum_inv`.
pub fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64> {
    todo!("counts_sum_inv (n, 1) was broadcast over the columns: multiply, then sum over axis 1")
}

/// The gradient of the loss with respect to `counts_sum`, shape `(n, 1)`.
///
/// It undoes `counts_sum_inv = counts_sum**-1`.
pub fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64> {
    todo!("d x^-1/dx = -x^-2")
}

/// The gradient of the loss with respect to `counts`, shape `(n, V)`.
///
/// It undoes `probs = counts * counts_sum_inv; counts_sum = counts.sum(1)`.
pub fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64> {
    todo!("counts is used twice (probs and counts_sum): add both paths")
}

/// The gradient of the loss with respect to `norm_logits`, shape `(n, V)`.
///
/// It undoes `counts = norm_logits.exp()`.
pub fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64> {
    todo!("exp is its own derivative, and you already have exp(norm_logits)")
}

/// The gradient of the loss with respect to `logit_maxes`, shape `(n, 1)`.
///
/// It undoes `norm_logits = logits - logit_maxes`.
pub fn dlogit_maxes(f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64> {
    todo!("logit_maxes (n, 1) was broadcast and subtracted; the answer should be ~0, why?")
}

/// The gradient of the loss with respect to `logits`, shape `(n, V)`.
///
/// It undoes `norm_logits = logits - logit_maxes; logit_maxes = logits.max(1)`.
pub fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64> {
    todo!("two paths: through norm_logits, and through the max (a one-hot of each row's argmax)")
}

/// The gradient of the loss with respect to `h`, shape `(n, H)`.
///
/// It undoes `logits = h @ W2 + b2`.
pub fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of dlogits and W2 has the shape of h?")
}

/// The gradient of the loss with respect to `W2`, shape `(H, V)`.
///
/// It undoes `logits = h @ W2 + b2`.
pub fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of h and dlogits has the shape of W2?")
}

/// The gradient of the loss with respect to `b2`, shape `(V,)`.
///
/// It undoes `logits = h @ W2 + b2`.
pub fn db2(f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
    todo!("b2 was broadcast down the batch")
}

/// The gradient of the loss with respect to `hpreact`, shape `(n, H)`.
///
/// It undoes `h = torch.tanh(hpreact)`.
pub fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64> {
    todo!("d tanh(x)/dx = 1 - tanh(x)^2, and tanh(x) is h")
}

/// The gradient of the loss with respect to `bngain`, shape `(1, H)`.
///
/// It undoes `hpreact = bngain * bnraw + bnbias`.
pub fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("bngain (1, H) was broadcast down the batch: multiply, then sum over axis 0")
}

/// The gradient of the loss with respect to `bnbias`, shape `(1, H)`.
///
/// It undoes `hpreact = bngain * bnraw + bnbias`.
pub fn dbnbias(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("bnbias (1, H) was broadcast down the batch")
}

/// The gradient of the loss with respect to `bnraw`, shape `(n, H)`.
///
/// It undoes `hpreact = bngain * bnraw + bnbias`.
pub fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    todo!("hpreact = bngain * bnraw + bnbias")
}

/// The gradient of the loss with respect to `bnvar_inv`, shape `(1, H)`.
///
/// It undoes `bnraw = bndiff * bnvar_inv`.
pub fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64> {
    todo!("bnvar_inv (1, H) was broadcast down the batch: multiply, then sum over axis 0")
}

/// The gradient of the loss with respect to `bnvar`, shape `(1, H)`.
///
/// It undoes `bnvar_inv = (bnvar + 1e-5)**-0.5`.
pub fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> {
    todo!("d x^-1/2 / dx = -1/2 x^-3/2")
}

/// The gradient of the loss with respect to `bndiff2`, shape `(n, H)`.
///
/// It undoes `bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)`.
pub fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> {
    todo!("bnvar = 1/(n-1) * bndiff2.sum(0): every term gets the same share")
}

/// The gradient of the loss with respect to `bndiff`, shape `(n, H)`.
///
/// It undoes `bnraw = bndiff * bnvar_inv; bndiff2 = bndiff**2`.
pub fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64> {
    todo!("bndiff is used twice (bnraw and bndiff2): add both paths")
}

/// The gradient of the loss with respect to `bnmeani`, shape `(1, H)`.
///
/// It undoes `bndiff = hprebn - bnmeani`.
pub fn dbnmeani(f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64> {
    todo!("bnmeani (1, H) was broadcast and subtracted")
}

/// The gradient of the loss with respect to `hprebn`, shape `(n, H)`.
///
/// It undoes `bndiff = hprebn - bnmeani; bnmeani = 1/n * hprebn.sum(0)`.
pub fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64> {
    todo!("hprebn is used twice (bndiff and bnmeani): add both paths")
}

/// The gradient of the loss with respect to `embcat`, shape `(n, block·E)`.
///
/// It undoes `hprebn = embcat @ W1 + b1`.
pub fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of dhprebn and W1 has the shape of embcat?")
}

/// The gradient of the loss with respect to `W1`, shape `(block·E, H)`.
///
/// It undoes `hprebn = embcat @ W1 + b1`.
pub fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    todo!("a matmul: which product of embcat and dhprebn has the shape of W1?")
}

/// The gradient of the loss with respect to `b1`, shape `(H,)`.
///
/// It undoes `hprebn = embcat @ W1 + b1`.
pub fn db1(f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64> {
    todo!("b1 was broadcast down the batch")
}

/// The gradient of the loss with respect to `emb`, shape `(n, block, E)`.
///
/// It undoes `embcat = emb.view(emb.shape[0], -1)`.
pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
    todo!("embcat is only a reshaped view of emb")
}

/// The gradient of the loss with respect to `C`, shape `(V, E)`.
///
/// It undoes `emb = C[Xb]`.
pub fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
    todo!("a loop over Xb; rows of C used several times must add up")
}
