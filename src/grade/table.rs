//! # A backward-pass implementation as data: the grader's table
//!
//! The grading cases call an implementation's backward passes through a
//! [`BackpropTable`], one function pointer per pass, built once from any
//! `B: Backprop` by [`BackpropTable::of`]. So the grader is compiled once,
//! not once per implementation: the reference, the learner's code and each
//! of the tests' mutants share it. Training stays generic over `B` and
//! static ([`crate::train`]); only grading goes through the table, where a
//! call through a pointer costs nothing beside the finite differences.
//!
//! The table is generated from the registry's list
//! ([`registry_list!`](crate::registry_list)), like the
//! [`Backprop`] trait itself, at the types the cases use: `f64`, 2-D
//! arrays for the element-wise passes (`D`), and the reference's layers
//! inside the container and the block (`L`).
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use crate::backprop::Backprop;
use crate::solutions::Solutions;

// The generic parameters of the signatures, at the grader's types.
type F = f64;
type D = ndarray::Ix2;
type L = Solutions;

crate::signature_types!();
crate::registry_list!(declare_backprop_table);

/// The reference's backward passes.
pub static SOLUTIONS: BackpropTable = BackpropTable::of::<Solutions>();
