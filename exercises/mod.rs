//! # Your backward passes
//!
//! Every file here is a stub with a `todo!()` and a one-line hint, the twin
//! of a file in `solutions/` with the same functions and signatures. Replace a
//! `todo!()` with your code and run `cargo test --test grade` (or `cargo run -- watch`): the grader checks
//! each of your gradients against finite differences and against the
//! reference, and prints a table. An exercise still at `todo!()` is *not
//! attempted*, never a failure. `cargo run --release -- train --impl
//! exercises` then trains the network with your code alone.
#![allow(unused_variables)] // stubs name every input they will need

pub mod batchnorm;
pub mod bigram;
pub mod cross_entropy;
pub mod embedding;
pub mod flatten_consecutive;
pub mod linear;
pub mod micrograd;
pub mod sequential;
pub mod step_by_step;
pub mod tanh;

/// Your implementation of every backward pass, as the grader, `check` and
/// `train` see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exercises;

crate::implement_backprop!(Exercises, "exercises");
