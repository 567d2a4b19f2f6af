//! # Exercise 1, backward step by step — solution
//!
//! Walk back up the forward pass of `src/course/step_by_step.rs`. Every step is the
//! same recipe, the chain rule: *local derivative × upstream gradient*, then
//! *sum over every axis the forward pass broadcast along*, so that each
//! gradient has the shape of its variable. Where a variable feeds two later
//! variables (`counts`, `logits`, `bndiff`, `hprebn`), its gradient is the
//! sum of what flows back along both paths.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3, Axis, Zip};

use crate::course::step_by_step::Forward;

/// `loss = -1/n Σ_i logprobs[i, Yb[i]]`: only the `n` picked entries reach
/// the loss, each with weight `-1/n`; every other entry's gradient is 0.
pub fn dlogprobs(f: &Forward) -> Array2<f64> {
    let n = f.n() as f64;
    let mut dlogprobs = Array2::zeros(f.logprobs.raw_dim()); // (n, V)
    for (i, &y) in f.batch.Yb.iter().enumerate() {
        dlogprobs[[i, y]] = -1.0 / n;
    }
    dlogprobs
}

/// `logprobs = ln(probs)`: `d ln(x)/dx = 1/x`, so `dprobs = dlogprobs / probs`.
/// A small probability of the right character is boosted the most.
pub fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64> {
    dlogprobs / &f.probs // (n, V)
}

/// `probs = counts · counts_sum_inv`, where `counts_sum_inv (n, 1)` was
/// broadcast across the `V` columns: local derivative `counts`, then sum
/// over the columns it was copied into.
pub fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64> {
    (&f.counts * dprobs).sum_axis(Axis(1)).insert_axis(Axis(1)) // (n, 1)
}

/// `counts_sum_inv = counts_sum^-1`: `d x^-1/dx = -x^-2`.
pub fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64> {
    -f.counts_sum.powi(-2) * dcounts_sum_inv // (n, 1)
}

/// `counts` is used twice: in `probs = counts · counts_sum_inv` (local
/// derivative `counts_sum_inv`, broadcast back over the columns) and in
/// `counts_sum = counts.sum(1)` (local derivative 1, so every count in row
/// `i` receives `dcounts_sum[i]`). Both paths add up.
pub fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64> {
    let mut dcounts = &f.counts_sum_inv * dprobs; // (n, V)
    dcounts += dcounts_sum; // (n, 1) broadcast over the columns
    dcounts
}

/// `counts = exp(norm_logits)`: exp is its own derivative, and we already
/// have it: `dnorm_logits = counts · dcounts`.
pub fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64> {
    &f.counts * dcounts // (n, V)
}

/// `norm_logits = logits - logit_maxes`, with `logit_maxes (n, 1)` broadcast
/// across the columns: local derivative `-1`, summed over the columns.
///
/// The result is zero up to rounding (about 1e-18): softmax does not change
/// when a whole row of logits is shifted, so the loss cannot depend on the
/// shift. The max is there only to keep `exp` from overflowing.
pub fn dlogit_maxes(_f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64> {
    -dnorm_logits.sum_axis(Axis(1)).insert_axis(Axis(1)) // (n, 1)
}

/// `logits` reaches the loss twice: directly through `norm_logits` (local
/// derivative 1) and through `logit_maxes = logits.max(1)`, whose derivative
/// is 1 at each row's largest logit and 0 elsewhere (a one-hot of the argmax).
pub fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64> {
    let mut dlogits = dnorm_logits.clone(); // (n, V)
    for (i, row) in f.logits.rows().into_iter().enumerate() {
        let argmax = row
            .iter()
            .position(|&l| l == f.logit_maxes[[i, 0]])
            .expect("the max is in its row");
        dlogits[[i, argmax]] += dlogit_maxes[[i, 0]];
    }
    dlogits
}

/// `logits = h @ W2 + b2`: as in a Linear layer, `dh = dlogits @ W2ᵀ`,
/// `(n, H) = (n, V) @ (V, H)`.
pub fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    dlogits.dot(&f.params.W2.t())
}

/// `dW2 = hᵀ @ dlogits`, `(H, V) = (H, n) @ (n, V)`: the only product of the
/// two with the shape of `W2`.
pub fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> {
    f.h.t().dot(dlogits)
}

/// `b2 (V,)` was broadcast down the batch: sum `dlogits` over it.
pub fn db2(_f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> {
    dlogits.sum_axis(Axis(0)) // (V,)
}

/// `h = tanh(hpreact)`: `d tanh(x)/dx = 1 - tanh(x)² = 1 - h²`.
pub fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64> {
    (1.0 - f.h.powi(2)) * dh // (n, H)
}

/// `hpreact = bngain · bnraw + bnbias`, with `bngain (1, H)` broadcast down
/// the batch: local derivative `bnraw`, summed over the batch.
pub fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    (&f.bnraw * dhpreact).sum_axis(Axis(0)).insert_axis(Axis(0)) // (1, H)
}

/// `bnbias (1, H)` broadcast down the batch, local derivative 1.
pub fn dbnbias(_f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    dhpreact.sum_axis(Axis(0)).insert_axis(Axis(0)) // (1, H)
}

/// `hpreact = bngain · bnraw + ...`: local derivative `bngain`, broadcast.
pub fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
    &f.params.bngain * dhpreact // (n, H)
}

/// `bnraw = bndiff · bnvar_inv`, with `bnvar_inv (1, H)` broadcast down the
/// batch: local derivative `bndiff`, summed over the batch.
pub fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64> {
    (&f.bndiff * dbnraw).sum_axis(Axis(0)).insert_axis(Axis(0)) // (1, H)
}

/// `bnvar_inv = (bnvar + 1e-5)^-1/2`: `d x^-1/2/dx = -1/2 · x^-3/2`.
pub fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> {
    -0.5 * (&f.bnvar + 1e-5).powf(-1.5) * dbnvar_inv // (1, H)
}

/// `bnvar = 1/(n-1) · bndiff2.sum(0)`: a sum sends its gradient to every
/// term, scaled by `1/(n-1)` (Bessel's correction, not `1/n`).
pub fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> {
    let n = f.n() as f64;
    Array2::ones(f.bndiff2.raw_dim()) / (n - 1.0) * dbnvar // (n, H)
}

/// `bndiff` is used twice: in `bnraw = bndiff · bnvar_inv` (local derivative
/// `bnvar_inv`) and in `bndiff2 = bndiff²` (local derivative `2·bndiff`).
pub fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64> {
    let mut dbndiff = &f.bnvar_inv * dbnraw; // (n, H)
    dbndiff += &(2.0 * &f.bndiff * dbndiff2);
    dbndiff
}

/// `bndiff = hprebn - bnmeani`, with `bnmeani (1, H)` broadcast down the
/// batch: local derivative `-1`, summed over the batch.
pub fn dbnmeani(_f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64> {
    -dbndiff.sum_axis(Axis(0)).insert_axis(Axis(0)) // (1, H)
}

/// `hprebn` is used twice: in `bndiff = hprebn - bnmeani` (local
/// derivative one) and in `bnmeani = 1/n · hprebn.sum(0)` (every row
/// receives `dbnmeani / n`).
pub fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64> {
    let n = f.n() as f64;
    dbndiff + &(dbnmeani / n) // (n, H), the (1, H) term broadcast
}

/// `hprebn = embcat @ W1 + b1`: `dembcat = dhprebn @ W1ᵀ`,
/// `(n, block·E) = (n, H) @ (H, block·E)`.
pub fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    dhprebn.dot(&f.params.W1.t())
}

/// `dW1 = embcatᵀ @ dhprebn`, `(block·E, H) = (block·E, n) @ (n, H)`.
pub fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> {
    f.embcat.t().dot(dhprebn)
}

/// `b1 (H,)` was broadcast down the batch: sum over it.
pub fn db1(_f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64> {
    dhprebn.sum_axis(Axis(0)) // (H,)
}

/// `embcat = emb.view(n, block·E)` only relabels the same numbers, so the
/// gradient is relabelled back: `demb = dembcat.view(n, block, E)`.
pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
    dembcat
        .to_shape(f.emb.raw_dim())
        .expect("same number of elements")
        .to_owned()
}

/// `emb[i, t] = C[Xb[i, t]]`: each row of `C` receives the gradient of every
/// place it was looked up, *added*: the boundary character `.` alone is
/// used dozens of times in a batch.
pub fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> {
    let mut dC = Array2::zeros(f.params.C.raw_dim()); // (V, E)
    Zip::indexed(&f.batch.Xb).for_each(|(i, t), &ix| {
        let mut row = dC.row_mut(ix);
        row += &demb.slice(ndarray::s![i, t, ..]);
    });
    dC
}
