//! # Mutants of the neural bigram (makemore part 1): its weights' gradient

use backprop_ninja::registry::Exercise;

use super::{known, wrong};

#[test]
fn a_bigram_dw_without_the_regularisation_fails_bigram() {
    let bp = known("bigram::neural", "regularisation forgotten");
    let message = wrong(&bp, Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}

#[test]
fn a_bigram_dw_into_the_wrong_axis_fails_bigram() {
    let bp = known("bigram::neural", "one-hot transposed");
    let message = wrong(&bp, Exercise::Bigram);
    assert!(message.contains("dW: WRONG"), "{message}");
}
