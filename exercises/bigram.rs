//! # The neural bigram, backward — yours to write (makemore part 1)
//!
//! Forward (`src/course/bigram.rs`): `logits = one_hot(xs) @ W`, `probs =
//! softmax(logits)` row by row, `loss = -mean_i ln probs[i, ys[i]] +
//! REG · mean(W²)`. Accumulate (`+=`) `dL/dW` into `dW`. The answer, with its
//! derivation, is in `solutions/bigram.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.
#![allow(non_snake_case)] // the lecture's W

use ndarray::ArrayRef2;

use crate::course::bigram::{Bigrams, NeuralForward};

/// Accumulates (`+=`) `dW` from the loss.
pub fn backward(
    dW: &mut ArrayRef2<f64>, // (V, V)
    f: &NeuralForward,       // probs (n, V)
    data: &Bigrams,          // xs (n,), ys (n,)
    W: &ArrayRef2<f64>,      // (V, V)
) {
    todo!(
        "dlogits = (probs - one_hot(ys)) / n as in cross-entropy; row i of logits is W[xs[i]]; then the 0.01·mean(W²) term"
    )
}
