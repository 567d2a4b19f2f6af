//! # Mutants of the neural bigram (makemore part 1): its weights' gradient
#![allow(non_snake_case)]

use backprop_ninja::registry::Exercise;

use super::wrong;
use crate::common::mutant;

mutant!(bigram_without_regularisation, bigram {
    use backprop_ninja::course::bigram::{Bigrams, NeuralForward};
    use ndarray::ArrayRef2;
    pub fn backward(
        dW: &mut ArrayRef2<f64>,
        f: &NeuralForward,
        data: &Bigrams,
        _W: &ArrayRef2<f64>,
    ) {
        let n = data.ys.len() as f64;
        for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
            dW.row_mut(x).scaled_add(1.0 / n, &probs);
            dW[[x, y]] -= 1.0 / n;
        }
        // the 0.01·mean(W²) term is forgotten
    }
});

#[test]
fn a_bigram_dw_without_the_regularisation_fails_bigram() {
    let message = wrong::<bigram_without_regularisation::Mutant>(Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}

mutant!(bigram_one_hot_transposed, bigram {
    use backprop_ninja::course::bigram::{Bigrams, NeuralForward, REG};
    use ndarray::{ArrayRef2, Zip};
    pub fn backward(
        dW: &mut ArrayRef2<f64>,
        f: &NeuralForward,
        data: &Bigrams,
        W: &ArrayRef2<f64>,
    ) {
        let n = data.ys.len() as f64;
        for ((&x, &y), probs) in data.xs.iter().zip(&data.ys).zip(f.probs.rows()) {
            dW.column_mut(x).scaled_add(1.0 / n, &probs); // a column, not the row xs[i]
            dW[[y, x]] -= 1.0 / n;
        }
        let scale = 2.0 * REG / W.len() as f64;
        Zip::from(dW).and(W).for_each(|dw, &w| *dw += scale * w);
    }
});

#[test]
fn a_bigram_dw_into_the_wrong_axis_fails_bigram() {
    let message = wrong::<bigram_one_hot_transposed::Mutant>(Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}
