//! # The lectures' own code, before the layers
//!
//! - [`micrograd`]: the scalar autograd engine of *"building micrograd"*.
//! - [`bigram`]: makemore part 1, the bigram model by counting and as a
//!   one-layer neural net.
//! - [`step_by_step`]: the forward pass of *"becoming a backprop ninja"*
//!   (exercise 1), one named variable per line.
//!
//! Like [`crate::layers`], this is forward code only: the backward steps are
//! yours in `exercises/`, and what runs them is generic over
//! [`crate::Backprop`].

pub mod bigram;
pub mod micrograd;
pub mod step_by_step;
