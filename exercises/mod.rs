//! # Your backward passes
//!
//! Every file here is a stub with a `todo!()` and a one-line hint, the twin
//! of a file in `solutions/` with the same functions and signatures. Replace a
//! `todo!()` with your code and run `cargo test --test grade` (or `cargo run -- watch`): the grader checks
//! each of your gradients against finite differences and against the
//! reference, and prints a table. An exercise still at `todo!()` is *not
//! attempted*, never a failure. `cargo run --release -- train --impl
//! exercises` then trains the network with your code alone.
//!
//! `src/registry.rs` lists every exercise in course order, with its hints.
#![allow(unused_variables)] // stubs name every input they will need

// The modules in course order; edit only the function bodies.

// Lecture "building micrograd": each operation's local backward step.
pub mod micrograd;

// Makemore part 1: the neural bigram's dW.
pub mod bigram;

// Makemore parts 2-4: the MLP's layers. `cross_entropy` is exercise 2 of
// "becoming a backprop ninja", `batchnorm` exercise 3.
pub mod cross_entropy;
pub mod embedding;
pub mod linear;
pub mod tanh;

pub mod batchnorm;

// Makemore part 4, exercise 1: the forward pass undone step by step.
pub mod step_by_step;

// Makemore part 5: the WaveNet's layers (and `backward_3d` in `linear` and
// `batchnorm`).
pub mod flatten_consecutive;
pub mod sequential;

// Lecture 7, "Let's build GPT": the mathematical trick of self-attention,
// the causal softmax, one head step by step, multi-head attention.
pub mod attention;
pub mod head;
pub mod softmax;
pub mod weighted_average;

// Lecture 7: the rest of the transformer (LayerNorm, the feed-forward's
// ReLU and GELU, token + position embedding, the sequence cross-entropy, the
// pre-norm block) and the AdamW update.
pub mod adamw;
pub mod block;
pub mod gelu;
pub mod layernorm;
pub mod position_embedding;
pub mod relu;
pub mod sequence_cross_entropy;

/// Your implementation of every backward pass, as the grader, `check` and
/// `train` see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exercises;

crate::implement_backprop!(Exercises, "exercises");
