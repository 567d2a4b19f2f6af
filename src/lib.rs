//! # backprop-ninja: backpropagation by hand
//!
//! The network of Andrej Karpathy's lecture *"makemore part 4: becoming a
//! backprop ninja"* (from *Neural Networks: Zero to Hero*), written in Rust
//! on `ndarray`, with every gradient derived by hand:
//!
//! ```text
//! Xb (n, 3) ─ Embedding C ─ Linear W1,b1 ─ BatchNorm1d ─ Tanh ─ Linear W2,b2 ─ CrossEntropy ─ loss
//! ```
//!
//! and then the hierarchical WaveNet of *"makemore part 5: building a
//! WaveNet"* ([`wavenet`]), a [`sequential::Sequential`] of the same layers on
//! `(B, T, C)` input plus [`flatten_consecutive::FlattenConsecutive`]:
//!
//! ```text
//! idx (B, 8) ─ Embedding ─ 3 × [FlattenConsecutive(2) ─ Linear ─ BatchNorm1d ─ Tanh] ─ Linear ─ CrossEntropy ─ loss
//! ```
//!
//! ## Where things are
//!
//! | file | what it is |
//! |---|---|
//! | [`micrograd`], `exercises/micrograd.rs` | where the course starts: a scalar autograd engine, each operation's local backward yours to write |
//! | [`micrograd_nn`] | Neuron, Layer, MLP on the scalar engine, trained on the lecture's toy data |
//! | [`bigram`], `exercises/bigram.rs` | makemore part 1: the bigram model by counting and as a neural net, whose `dW` is yours |
//! | [`scalar_check`] | the second oracle: exercise 1's network built from scalars, checked against the tensor gradients |
//! | `src/layers/linear.rs`, `embedding.rs`, `tanh.rs`, `batchnorm.rs`, `cross_entropy.rs` | each layer's forward pass (given code) |
//! | `exercises/<same name>.rs` | each layer's backward pass: **yours to write** |
//! | `solutions/<same name>.rs` | the reference backward passes, with derivations |
//! | `src/course/step_by_step.rs`, `exercises/step_by_step.rs` | exercise 1: the forward pass cut into 20 named steps, and the gradient of each |
//! | `src/layers/flatten_consecutive.rs`, `sequential.rs` (and `backward_3d` in `linear.rs`, `batchnorm.rs`) | makemore part 5: the WaveNet's new layers; exercises and solutions of the same names |
//! | [`mlp`], [`wavenet`], [`model`], [`train`] | the models and the training loop |
//! | [`deep`], [`diagnostics`], `plots` (feature `plots`) | makemore part 3: a deep tanh MLP, its activation, gradient and update statistics, and their pictures |
//! | [`oracle`] | finite differences that check any backward pass, element by element |
//! | [`grade`] | the grader behind `cargo test --test grade` and `cargo run -- watch` and the `check` command |
//! | [`backprop`] | the list of every backward pass, implemented by [`Solutions`] and [`Exercises`] |
//!
//! Exercise 2 of the lecture (cross-entropy in one expression) is
//! `exercises/cross_entropy.rs`; exercise 3 (BatchNorm in one expression) is
//! `exercises/batchnorm.rs`.
//!
//! ## Conventions
//!
//! - The gradient of `x` is `dx`, with the shape of `x`.
//! - Backward passes *accumulate* (`+=`) into the gradients they are handed,
//!   as in llm.c, so that a tensor used twice collects both contributions and
//!   the trainer allocates nothing per step.
//! - Arguments come in the order *gradients out, upstream gradient, what the
//!   forward pass kept*.
//! - Layers are generic over [`Float`]: checked in `f64`, trained in `f32`.
//! - No `unsafe` outside the matrix-product kernels (`ops/kernels.rs`).
#![deny(unsafe_code)]

pub mod backprop;
pub mod corpus;
pub mod course;
pub mod error;
pub mod float;
pub mod grade;
pub mod hyper;
pub mod io;
pub mod layers;
pub mod models;
pub mod ops;
pub mod registry;
pub mod train;
// The learner's loop: `watch` re-grades on every save.
pub mod watch;

#[doc = include_str!("../docs/ndarray.md")]
pub mod ndarray_guide {}

#[path = "../exercises/mod.rs"]
pub mod exercises;
#[path = "../solutions/mod.rs"]
pub mod solutions;

pub use backprop::Backprop;
pub use error::{Error, Result};
pub use exercises::Exercises;
pub use float::Float;
pub use solutions::Solutions;
