//! # The grading cases, one file per chapter
//!
//! Each case is `fn(bp, id, [what it grades,] seed) -> Outcome`: it draws
//! its inputs from `seed`, runs the backward pass of `bp` (a
//! [`BackpropTable`](crate::grade::table::BackpropTable)) and the
//! reference's, and checks both against finite differences. The registry
//! (`crate::registry`) says which case grades which exercise.

pub mod attention;
pub mod bigram;
pub mod finetune;
pub mod gpt;
pub mod layers;
pub mod micrograd;
pub mod step_by_step;
pub mod tokenizer;
pub mod wavenet;
