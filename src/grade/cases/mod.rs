//! # The grading cases, one file per chapter
//!
//! Each case is `fn<B: Backprop>(id, [what it grades,] seed) -> Outcome`:
//! it draws its inputs from `seed`, runs `B`'s backward pass and the
//! reference's, and checks both against finite differences. The registry
//! (`crate::registry`) says which case grades which exercise.

pub mod bigram;
pub mod layers;
pub mod micrograd;
pub mod step_by_step;
pub mod wavenet;
