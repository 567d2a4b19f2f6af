use backprop_ninja::course::step_by_step::Var;
use backprop_ninja::grade::Status;
use backprop_ninja::grade::skipped::*;
use backprop_ninja::registry::Exercise;

#[test]
fn a_replaced_file_does_not_compile_and_its_callers_wait() {
    let attention = "//! use `super::linear::backward_3d`\nuse crate::layers::linear::Linear;\npub fn backward() {\n    super::linear::backward_3d(); // the pieces\n}\n";
    let source = |file: &str| (file == "exercises/attention.rs").then(|| attention.to_string());
    // Nothing replaced: graded as usual.
    assert_eq!(status_with(Exercise::Tanh, &[], source), None);
    // The replaced file's exercises, every one of them.
    for e in [Exercise::Linear, Exercise::Linear3d] {
        assert_eq!(
            status_with(e, &["linear", "gelu"], source),
            Some(Status::DoesNotCompile)
        );
    }
    assert_eq!(
        status_with(Exercise::Step(Var::Counts), &["step_by_step"], source),
        Some(Status::DoesNotCompile)
    );
    assert_eq!(
        status_with(Exercise::Chain, &["step_by_step"], source),
        Some(Status::DoesNotCompile)
    );
    // A file that calls it waits; one that does not is graded.
    assert_eq!(
        status_with(Exercise::Attention, &["linear"], source),
        Some(Status::Blocked(
            "your code calls exercises/linear.rs, which does not compile: fix it first".into()
        ))
    );
    assert_eq!(status_with(Exercise::Attention, &["head"], source), None);
    assert_eq!(status_with(Exercise::Tanh, &["linear"], source), None);
}

#[test]
fn calls_are_found_in_code_not_in_comments_or_the_layers() {
    assert!(calls_module("super::linear::backward(a)", "linear"));
    assert!(calls_module(
        "use crate::exercises::{head::{dq, dk}, linear};",
        "linear"
    ));
    assert!(calls_module("use super::{ head::dv };", "head"));
    assert!(calls_module(
        "crate::Exercises::layernorm_backward(dx)",
        "layernorm"
    ));
    assert!(!calls_module("// super::linear::backward", "linear"));
    assert!(!calls_module(
        "use crate::layers::linear::Linear;",
        "linear"
    ));
    assert!(!calls_module("L::linear_backward_3d(dx)", "linear"));
    assert!(!calls_module("super::linear_helper()", "linear"));
    assert!(!calls_module("MyExercises::linear_backward()", "linear"));
}

#[test]
fn the_reference_never_has_a_replaced_file() {
    assert!(skipped::<backprop_ninja::Solutions>().is_empty());
    assert!(status(&backprop_ninja::grade::table::SOLUTIONS, Exercise::Linear).is_none());
    // A build that replaced a file says so through its table.
    let mut table = backprop_ninja::grade::table::SOLUTIONS;
    table.skipped = || vec!["linear"];
    assert_eq!(
        status(&table, Exercise::Linear),
        Some(Status::DoesNotCompile)
    );
}
