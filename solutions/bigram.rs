//! # The neural bigram, backward — solution (makemore part 1)
//!
//! Forward (`src/course/bigram.rs`), for `n` bigrams `(xs[i], ys[i])` and `W (V, V)`:
//!
//! ```text
//! logits = xenc @ W                  xenc = one_hot(xs)  (n, V)
//! probs = softmax(logits)            row by row
//! loss = -1/n Σ_i ln probs[i, ys[i]] + REG · 1/V² Σ_jk W[j, k]²
//! ```
//!
//! **The data term.** It is the cross-entropy of the lecture's exercise 2
//! (`solutions/cross_entropy.rs`), so
//! `dlogits = (probs - one_hot(ys)) / n`  `(n, V)`. Then `logits = xenc @ W`
//! is a linear layer without bias: `dW = xencᵀ @ dlogits`  `(V, V)`. With a
//! one-hot `xenc`, that product adds row `i` of `dlogits` into row `xs[i]` of
//! `dW`: each row of `W` collects the gradients of the bigrams that start
//! with its character, exactly as each row of the counting model's `N`
//! collects their counts.
//!
//! **The regularisation term.** `d(W[j, k]²)/dW[j, k] = 2·W[j, k]`, and the
//! mean divides by the `V²` elements: `REG · 2W / V²`. It pulls every weight
//! towards 0, that is every row of probabilities towards uniform: the
//! gradient-descent version of the counting model's `+1` smoothing.
//!
//! **`dW = xencᵀ @ (probs - one_hot(ys)) / n + 2·REG·W / V²`**   `(V, V)`
#![allow(non_snake_case)] // the lecture's W

use ndarray::{ArrayRef2, Zip};

use crate::course::bigram::{Bigrams, NeuralForward, REG};

/// Accumulates (`+=`) `dW = xencᵀ @ (probs - one_hot(ys)) / n + 2·REG·W / V²`.
pub fn backward(
    dW: &mut ArrayRef2<f64>, // (V, V)
    f: &NeuralForward,       // probs (n, V)
    data: &Bigrams,          // xs (n,), ys (n,)
    W: &ArrayRef2<f64>,      // (V, V)
) {
    let n = data.ys.len() as f64;
    for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
        let mut dW_x = dW.row_mut(x);
        dW_x.scaled_add(1.0 / n, &probs); // the row of xencᵀ @ probs / n
        dW_x[y] -= 1.0 / n; // and of -xencᵀ @ one_hot(ys) / n
    }
    let scale = 2.0 * REG / W.len() as f64;
    Zip::from(dW).and(W).for_each(|dw, &w| *dw += scale * w);
}
