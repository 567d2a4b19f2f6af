//! # Mutants of the WaveNet (makemore part 5): its 3-D layers and container
//!
//! FlattenConsecutive, the 3-D BatchNorm and linear layers, and
//! `Sequential`'s backward pass; and the hints they bring, the factors a
//! failure names among them.

use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::Status;
use backprop_ninja::registry::Exercise;

use super::{generic, known, status, table, wrong};
use crate::common::mutant;

#[test]
fn a_flatten_routing_gradients_to_the_wrong_time_step_fails_dx() {
    let message = wrong(
        &known("wavenet::flatten_consecutive", "strided, not neighbours"),
        Exercise::FlattenConsecutive,
    );
    assert!(message.contains("dx (n=2): WRONG"), "{message}");
    // With T/n = 1 there is one group and the two routings coincide.
    assert!(!message.contains("dx (n=4, T/n=1): WRONG"), "{message}");
    // The container stays correct: it is graded with the reference's layers.
    assert_eq!(
        status(
            &known("wavenet::flatten_consecutive", "strided, not neighbours"),
            Exercise::Sequential
        ),
        Status::Correct,
        "the container is graded with the reference's layers"
    );
}

#[test]
fn a_3d_batchnorm_reducing_over_one_axis_only_fails_dx() {
    let message = wrong(
        &known("wavenet::batchnorm_3d", "over the batch axis only"),
        Exercise::BatchNorm3d,
    );
    assert!(message.contains("dx: WRONG"), "{message}");
    assert!(
        !message.contains("dgain: WRONG") && !message.contains("dbias: WRONG"),
        "the parameters' sums are the same either way: {message}"
    );
    assert_eq!(
        status(
            &known("wavenet::batchnorm_3d", "over the batch axis only"),
            Exercise::BatchNorm
        ),
        Status::Correct,
        "the 2-D layer is untouched"
    );
}

#[test]
fn a_3d_linear_weight_gradient_not_summed_over_positions_fails_dw_and_db() {
    let message = wrong(
        &known("wavenet::linear_3d", "last position only"),
        Exercise::Linear3d,
    );
    assert!(message.contains("dw: WRONG"), "{message}");
    assert!(message.contains("db: WRONG"), "{message}");
    assert!(!message.contains("dx: WRONG"), "{message}");
}

#[test]
fn a_sequential_handing_tanh_its_input_fails_the_layers_below_it() {
    let message = wrong(
        &known("wavenet::sequential", "tanh handed its input"),
        Exercise::Sequential,
    );
    assert!(message.contains("layers[2] dw: WRONG"), "{message}");
    assert!(
        !message.contains("layers[9]"),
        "the output layer is above every tanh: {message}"
    );
}

#[test]
fn a_sequential_in_forward_order_says_the_gradient_never_arrived() {
    let message = generic(
        &known("wavenet::sequential", "forward order"),
        Exercise::Sequential,
    );
    let rows: Vec<&str> = message.lines().filter(|l| l.contains("WRONG")).collect();
    assert!(rows.len() >= 7, "{message}");
    assert_eq!(
        message.matches("never reached this tensor").count(),
        rows.len(),
        "{message}"
    );
    assert!(!message.contains("times the right gradient"), "{message}");
}

mutant!(linear_2d_wrong_3d_calls_it, linear {
    use backprop_ninja::Float;
    use backprop_ninja::layers::linear::{Linear, LinearGrads};
    use backprop_ninja::layers::rows::{rows, rows_mut};
    use ndarray::{ArrayRef2, ArrayRef3};
    /// The reference with dx's sign flipped.
    pub fn backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    ) {
        let before = dx.to_owned();
        backprop_ninja::solutions::linear::backward(dx, grads, dout, x, layer);
        let added = &*dx - &*before;
        dx.assign(&(&*before - &*added));
    }
    /// Right, but through the wrong 2-D function.
    pub fn backward_3d<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        layer: &Linear<F>,
    ) {
        backward(&mut rows_mut(dx), grads, &rows(dout), &rows(x), layer);
    }
});

#[test]
fn a_3d_row_failing_through_the_2d_function_says_so() {
    let message = wrong(
        &table::<linear_2d_wrong_3d_calls_it::Mutant>(),
        Exercise::Linear3d,
    );
    assert!(
        message.contains("your 2-D `backward` (layers::linear"),
        "{message}"
    );
    let alone = wrong(
        &known("wavenet::linear_3d", "db as a mean"),
        Exercise::Linear3d,
    );
    assert!(!alone.contains("2-D"), "the 2-D function is right: {alone}");
}

#[test]
fn factors_read_as_fractions_of_the_cases_sizes() {
    let message = generic(
        &known("ex2::cross_entropy", "no mean"),
        Exercise::CrossEntropy,
    );
    assert!(message.contains("6 (= n) times"), "{message}");
    assert!(
        message.contains("32 (= n) times"),
        "the lecture batch: {message}"
    );
    let message = generic(
        &known("ex1::dbndiff2", "1/n, not 1/(n-1)"),
        Exercise::Step(Var::Bndiff2),
    );
    assert!(message.contains("31/32 (= (n-1)/n)"), "{message}");
    let message = generic(
        &known("wavenet::linear_3d", "db as a mean"),
        Exercise::Linear3d,
    );
    assert!(message.contains("1/12 (= 1/(B·T))"), "{message}");
}
