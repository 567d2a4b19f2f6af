//! # The second oracle: the scalar engine checks the tensor backward passes
//!
//! Exercise 1's network at tiny sizes (batch 4, n_embd 2, n_hidden 4,
//! block 3, vocab 27), built from scalar `Value`s: every parameter gradient
//! of `run_chain::<Solutions>` must agree with the scalar engine's to
//! 1e-10, and a deliberately broken tensor solution must not.
#![allow(non_snake_case)]

use crate::common;

use backprop_ninja::grade::scalar_check::{agrees, cross_check};
use backprop_ninja::{Backprop, Solutions};
use common::mutant;

#[test]
fn every_parameter_gradient_of_the_reference_agrees_with_the_scalar_engine() {
    for seed in [42, 1, 2, 3] {
        let rows = cross_check::<Solutions>(seed).unwrap();
        assert_eq!(rows.len(), 8);
        for row in &rows {
            assert!(agrees(row), "seed {seed}: {row}");
        }
    }
}

/// The names of the rows that disagree.
fn disagreeing<B: Backprop>() -> Vec<String> {
    cross_check::<B>(42)
        .unwrap()
        .iter()
        .filter(|row| !agrees(row))
        .map(|row| row.name.clone())
        .collect()
}

#[test]
fn a_broken_batchnorm_step_fails_the_parameters_below_it() {
    let bad = disagreeing::<common::bessel_replaced_by_n::Mutant>();
    assert!(bad.contains(&"mutant vs scalar dW1".to_string()), "{bad:?}");
    assert!(bad.contains(&"mutant vs scalar dC".to_string()), "{bad:?}");
    // Above the broken step, everything still agrees.
    assert!(
        !bad.iter()
            .any(|n| n.ends_with("dW2") || n.ends_with("dbngain")),
        "{bad:?}"
    );
}

mutant!(dbngain_not_summed, step_by_step {
    pub use backprop_ninja::solutions::step_by_step::*;
    use backprop_ninja::course::step_by_step::Forward;
    use ndarray::{Array2, s};
    pub fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> {
        (&f.bnraw * dhpreact).slice(s![0..1, ..]).to_owned() // one row, not the sum
    }
});

#[test]
fn a_parameter_gradient_not_summed_over_the_batch_fails_that_parameter() {
    let bad = disagreeing::<dbngain_not_summed::Mutant>();
    assert_eq!(bad, ["mutant vs scalar dbngain"]);
}
