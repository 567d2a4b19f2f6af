//! # Mutants of the MLP (makemore parts 2 to 4, backprop ninja)
//!
//! Exercise 1's steps, each failing its own row while the chain waits for
//! it; the layers of exercise 2 (linear, tanh, cross-entropy, BatchNorm,
//! embedding); and the hints, the chain and the panic report they bring.
#![allow(non_snake_case)]

use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::Status;
use backprop_ninja::registry::Exercise;

use super::{generic, known, only_its_own_step_fails, status, table, wrong};
use crate::common::mutant;

#[test]
fn bessel_replaced_by_n_fails_dbndiff2() {
    let bp = known("ex1::dbndiff2", "1/n, not 1/(n-1)");
    only_its_own_step_fails(&bp, Var::Bndiff2);
    let message = generic(&bp, Exercise::Step(Var::Bndiff2));
    assert!(
        message.contains("n/(n-1)"),
        "the hint names the factor: {message}"
    );
}

#[test]
fn db2_not_summed_over_the_batch_fails_db2() {
    only_its_own_step_fails(&known("ex1::db2", "db2 from one row"), Var::B2);
}

#[test]
fn dc_assigned_instead_of_accumulated_fails_dc() {
    only_its_own_step_fails(&known("ex1::dC", "assigned"), Var::C);
}

#[test]
fn dw1_transposed_fails_dw1() {
    let bp = known("ex1::dW1", "transposed");
    let message = only_its_own_step_fails(&bp, Var::W1);
    assert!(
        message.contains("known mistake \"transposed\""),
        "{message}"
    );
    let message = generic(&bp, Exercise::Step(Var::W1));
    assert!(message.contains("transposed?"), "{message}");
}

#[test]
fn dcounts_missing_its_second_path_fails_dcounts() {
    only_its_own_step_fails(
        &known("ex1::dcounts", "path through counts_sum dropped"),
        Var::Counts,
    );
}

#[test]
fn a_flipped_sign_in_tanh_fails_tanh() {
    let message = generic(&known("layers::tanh", "sign"), Exercise::Tanh);
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(message.contains("sign is flipped"), "{message}");
    assert_eq!(
        status(&known("layers::tanh", "sign"), Exercise::Linear),
        Status::Correct
    );
}

#[test]
fn a_bias_gradient_without_its_batch_sum_fails_linear_db() {
    let message = wrong(
        &known("layers::linear", "db from one row"),
        Exercise::Linear,
    );
    assert!(message.contains("db: WRONG"), "{message}");
    assert!(
        !message.contains("dx: WRONG") && !message.contains("dw: WRONG"),
        "{message}"
    );
}

mutant!(linear_dw_transposed, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    pub use backprop_ninja::solutions::linear::backward_3d;
    use ndarray::ArrayRef2;
    use ndarray::linalg::general_mat_mul;
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        general_mat_mul(F::one(), dout, &layer.w.t(), F::one(), dx);
        // dw as (O, I), written into the (I, O) gradient: a shape mismatch.
        general_mat_mul(F::one(), &dout.t(), x, F::one(), &mut grads.dw);
    }
});

#[test]
fn a_transposed_weight_gradient_fails_linear_with_the_shapes() {
    let message = wrong(&table::<linear_dw_transposed::Mutant>(), Exercise::Linear);
    assert!(message.contains("layers::linear panicked"), "{message}");
    assert!(
        message.contains("dw (4, 3)"),
        "the shapes it was handed: {message}"
    );
}

#[test]
fn cross_entropy_without_the_mean_fails_with_a_factor_of_n() {
    let message = generic(
        &known("ex2::cross_entropy", "no mean"),
        Exercise::CrossEntropy,
    );
    assert!(message.contains("dlogits: WRONG"), "{message}");
    assert!(message.contains("6 (= n) times"), "a batch of 6: {message}");
}

#[test]
fn batchnorm_without_bessels_correction_fails_dx_only() {
    let message = generic(
        &known("ex3::batchnorm", "without Bessel's correction"),
        Exercise::BatchNorm,
    );
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(!message.contains("dgain: WRONG"), "{message}");
    assert!(
        message.contains("dhprebn"),
        "the lecture-batch row fails too: {message}"
    );
}

#[test]
fn an_embedding_that_overwrites_fails_dtable() {
    let message = generic(&known("layers::embedding", "assigned"), Exercise::Embedding);
    assert!(message.contains("dtable: WRONG"), "{message}");
}

#[test]
fn an_embedding_scatter_that_assigns_gets_the_accumulate_hint() {
    let message = wrong(&known("layers::embedding", "assigned"), Exercise::Embedding);
    assert!(
        message.contains("known mistake \"assigned\": this assigns (=) each looked-up row"),
        "{message}"
    );
}

#[test]
fn batchnorm_without_bessel_gets_the_bessel_hint_on_both_rows() {
    let message = wrong(
        &known("ex3::batchnorm", "without Bessel's correction"),
        Exercise::BatchNorm,
    );
    assert_eq!(
        message
            .matches("known mistake \"without Bessel's correction\"")
            .count(),
        2,
        "{message}"
    );
}

mutant!(demb_wrong_shape, step_by_step {
    use backprop_ninja::course::step_by_step::Forward;
    pub use backprop_ninja::solutions::step_by_step::*;
    use ndarray::{Array2, Array3};
    /// Reshaped to (n, E, block).
    pub fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
        let &[n, block, e] = f.emb.shape() else {
            unreachable!()
        };
        dembcat.to_shape((n, e, block)).unwrap().to_owned()
    }
});

#[test]
fn a_demb_reshaped_through_the_wrong_axes_gets_the_axes_hint() {
    let bp = known("ex1::demb", "axes swapped");
    let message = only_its_own_step_fails(&bp, Var::Emb);
    assert!(
        message.contains("known mistake \"axes swapped\""),
        "{message}"
    );
    let message = generic(&bp, Exercise::Step(Var::Emb));
    assert!(message.contains("axes in the wrong order"), "{message}");
    let message = wrong(
        &table::<demb_wrong_shape::Mutant>(),
        Exercise::Step(Var::Emb),
    );
    assert!(message.contains("axes in the wrong order"), "{message}");
}

#[test]
fn each_message_names_its_case() {
    let message = generic(
        &known("ex2::cross_entropy", "no mean"),
        Exercise::CrossEntropy,
    );
    assert!(
        message.contains("ex2::cross_entropy dlogits: WRONG"),
        "{message}"
    );
    assert!(
        message.contains("ex2 dlogits (lecture batch, vs exercise 1): WRONG"),
        "{message}"
    );
}

mutant!(tanh_broadcast_panic, tanh {
    use backprop_ninja::Float;
    use ndarray::{Array1, ArrayRef, Dimension};
    pub fn backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    ) {
        let local = Array1::from_iter(out.iter().map(|&t| F::one() - t * t));
        let (local, dout) = (local.into_dyn(), dout.to_owned().into_dyn());
        let wrong = &local * &dout; // (n·m,) times (n, m): does not broadcast
        dx.iter_mut().zip(&wrong).for_each(|(d, &w)| *d += w);
    }
});

#[test]
fn a_panic_names_the_line_of_the_learners_code() {
    let message = wrong(&table::<tanh_broadcast_panic::Mutant>(), Exercise::Tanh);
    assert!(message.contains("layers::tanh panicked"), "{message}");
    assert!(message.contains("at tests/it/mutants/mlp.rs:"), "{message}");
}

#[test]
fn the_chain_waits_for_a_mis_shaped_or_panicking_step_instead_of_failing() {
    let chain = status(&table::<demb_wrong_shape::Mutant>(), Exercise::Chain);
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (mis-shaped)")),
        "{chain:?}"
    );
    let chain = status(&table::<demb_panics::Mutant>(), Exercise::Chain);
    assert!(
        matches!(&chain, Status::Blocked(why) if why.contains("demb (panics)")),
        "{chain:?}"
    );
}

mutant!(demb_panics, step_by_step {
    use backprop_ninja::course::step_by_step::Forward;
    pub use backprop_ninja::solutions::step_by_step::*;
    use ndarray::{Array2, Array3};
    /// Reshaped to a shape of another size: a panic.
    pub fn demb(_f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> {
        dembcat.to_shape((7, 7, 7)).unwrap().to_owned()
    }
});
