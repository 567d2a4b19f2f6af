//! # What the compiler and the grader print, for the tests of `watch`
//!
//! Outputs of `cargo test --test grade exercises` (reports and compile
//! errors) that the tests of [`super::compiler`], [`super::grading`] and
//! [`super::event_loop`] share.

/// tanh right, its derivation named.
pub const RIGHT: &str = "every exercise is done\n\nlayers: 1/1 done\n  layers::tanh: right; its derivation: solutions/tanh.rs\n\nexercises: 1/1 done, 0 not attempted, 0 wrong\n";
/// A type error in `exercises/tanh.rs` (the `{float}` one), after a warning.
pub const BROKEN: &str = "warning: unused variable\n --> exercises/tanh.rs:3:1\n\nerror[E0277]: cannot subtract `ArrayBase<OwnedRepr<F>>` from `{float}`\n  --> exercises/tanh.rs:20:27\n   |\n20 |     let local = 1.0 - out * out;\n   |                     ^ no implementation for `{float} - F`\n   = help: consider restricting type parameter `F`\n\nerror: could not compile `backprop-ninja`\n";
/// Two errors in `exercises/gelu.rs` (one seen through `src/../`), a warning in another file.
pub const GELU_BROKEN: &str = "error[E0308]: mismatched types\n  --> src/../exercises/gelu.rs:20:17\n   |\n20 |     let _x: F = 1.0;\n   |             -   ^^^ expected type parameter `F`, found floating-point number\n   |\n   = note: expected type parameter `F`\n              found type `{float}`\n\nerror[E0308]: mismatched types\n  --> exercises/gelu.rs:25:9\n   |\n25 |     x\n\nwarning: unused variable\n --> exercises/relu.rs:3:1\n\nerror: could not compile `backprop-ninja` (lib) due to 2 previous errors\n";
/// An error outside `exercises/`.
pub const ELSEWHERE: &str = "error[E0432]: unresolved import `crate::exercises::gelu::helper`\n  --> src/layers/gelu.rs:3:5\n\nerror: could not compile `backprop-ninja` (lib) due to 1 previous error\n";
/// The report of a grade with `exercises/gelu.rs` replaced by the reference.
pub const WITHOUT_GELU: &str = "fix: gpt::gelu (exercises/gelu.rs)\ndoes not compile: exercises/gelu.rs (its exercises are not graded until it does; the others are)\n\nlayers: 1/1 done\n  layers::tanh: right; its derivation: solutions/tanh.rs\n\nGPT: 0/1 done, next: gelu\n  gpt::gelu                                  | does not compile (exercises/gelu.rs): not graded until it does\n\nexercises: 1/2 done, 0 not attempted, 0 wrong, 1 do not compile\n";
