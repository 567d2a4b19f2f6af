//! # Known mistakes of the neural bigram (makemore part 1): its weights' gradient
#![allow(non_snake_case)] // the lecture's W

use ndarray::{ArrayRef2, Zip};

use crate::course::bigram::{Bigrams, NeuralForward, REG};
use crate::grade::mistakes::mistake::Mistake;
use crate::registry::Exercise;

/// The reference with its two parts chosen: the data's rows `xs[i]` (or,
/// `transposed`, the columns), and the regularisation's term (or not).
fn backward(
    dW: &mut ArrayRef2<f64>,
    f: &NeuralForward,
    data: &Bigrams,
    W: &ArrayRef2<f64>,
    transposed: bool,
    regularised: bool,
) {
    let n = data.ys.len() as f64;
    for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
        if transposed {
            dW.column_mut(x).scaled_add(1.0 / n, &probs);
            dW[[y, x]] -= 1.0 / n;
        } else {
            dW.row_mut(x).scaled_add(1.0 / n, &probs);
            dW[[x, y]] -= 1.0 / n;
        }
    }
    if regularised {
        let scale = 2.0 * REG / W.len() as f64;
        Zip::from(dW).and(W).for_each(|dw, &w| *dw += scale * w);
    }
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::Bigram,
        name: "regularisation forgotten",
        explanation: "this is the data's gradient alone: the loss adds 0.01·mean(W²), whose gradient 2·0.01·W/W.len() is added to dW too",
        patch: |t| t.bigram_backward = |dW, f, data, W| backward(dW, f, data, W, false, false),
    },
    Mistake {
        exercise: Exercise::Bigram,
        name: "one-hot transposed",
        explanation: "this adds example i's (probs - one_hot) to column xs[i]: xencᵀ @ dlogits puts it in row xs[i], dW[xs[i]] += (probs_i - one_hot(ys[i]))/n",
        patch: |t| t.bigram_backward = |dW, f, data, W| backward(dW, f, data, W, true, true),
    },
];
