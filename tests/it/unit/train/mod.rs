//! Tests of the modules of `src/train/`.

mod bigram;
mod budget;
mod eval;
mod generate;
mod gpt;
mod interrupt;
#[cfg(feature = "plots")]
mod plots;
mod rlhf;
mod sampling;
