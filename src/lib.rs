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
//! WaveNet"* ([`models::wavenet`]), a [`layers::sequential::Sequential`] of
//! the same layers on `(B, T, C)` input plus
//! [`layers::flatten_consecutive::FlattenConsecutive`]:
//!
//! ```text
//! idx (B, 8) ─ Embedding ─ 3 × [FlattenConsecutive(2) ─ Linear ─ BatchNorm1d ─ Tanh] ─ Linear ─ CrossEntropy ─ loss
//! ```
//!
//! ## The architecture, bottom to top
//!
//! Each folder depends only on those above it in this table:
//!
//! | module | what it holds |
//! |---|---|
//! | [`float`], [`error`], [`ops`], [`hyper`], [`corpus`] | numbers (`f32`/`f64`), errors, the matrix products (their kernels, `kernels/`, are the only `unsafe`), the networks' sizes, the corpora |
//! | [`layers`] | each layer's forward pass (given code): Linear, Embedding, Tanh, BatchNorm1d, cross-entropy, FlattenConsecutive, Sequential; lecture 7's attention, LayerNorm, ReLU, GELU, position embedding, sequence cross-entropy, block, and the AdamW update |
//! | [`tokenizer`] | the byte-level BPE tokenizer of the tokenizer lecture: split patterns, merges, special tokens, minbpe's `.model` files, the incremental trainer |
//! | [`chat`] | *State of GPT*'s fine-tuning data: the chat format (special tokens, a conversation's ids and the mask of its answer), the instruction set generated from names with its checkers and held-out names, preference pairs of a stated gold rule |
//! | [`course`] | the lectures' own code: the scalar engine of micrograd, the bigram, exercise 1's forward pass |
//! | [`backprop`], [`solutions`] | the `Backprop` trait, generated from the registry; the reference backward passes, with derivations |
//! | [`models`] | the models assembled from the layers (micrograd's MLP, part 4's MLP, part 5's WaveNet, part 3's deep MLP, lecture 7's GPT), forward and backward through `B: Backprop` |
//! | [`train`], [`grade`], [`io`] | the training loops; the grader (the dispatch, oracle, cases per chapter, report, the scalar second oracle); checkpoints and exports |
//! | [`registry`] | every exercise once: chapter, its backward pass's signature (so its file and function), hints, models that need it, grading case, 2-D twin |
//! | `src/watch/` (crate `watch`, `watch/Cargo.toml`) | the learner's loop: re-grading on every save; a crate of its own on top of this one, so that this one builds without the file watcher |
//! | `src/cli/` (the binary) | the `backprop-ninja` command |
//!
//! Your backward passes, `exercises/`, are a crate of their own
//! (`exercises/Cargo.toml`, crate `exercises`) on top of this one: a save
//! there rebuilds that small crate alone. It implements [`Backprop`] for its
//! `Exercises` with the registry's signatures, as [`Solutions`] does here.
//!
//! Exercise 1 of the lecture is `exercises/step_by_step.rs`, exercise 2
//! (cross-entropy in one expression) `exercises/cross_entropy.rs`, exercise 3
//! (BatchNorm in one expression) `exercises/batchnorm.rs`; exercise 4 is
//! training with them (`train --impl exercises`).
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
//! - No `unsafe`: the matrix-product kernels, the only `unsafe` code, are a
//!   crate of their own (`kernels/lib.rs`).
#![deny(unsafe_code)]

pub mod backprop;
pub mod chat;
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
pub mod tokenizer;
pub mod train;

#[doc = include_str!("../docs/ndarray.md")]
pub mod ndarray_guide {}

#[path = "../solutions/mod.rs"]
pub mod solutions;

pub use backprop::Backprop;
pub use error::{Error, Result};
pub use float::Float;
pub use solutions::Solutions;

/// The crate's folder, where `exercises/` and `solutions/` are: the
/// workspace's root, above this library's manifest (`core/Cargo.toml`).
pub fn root() -> &'static std::path::Path {
    let lib = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    lib.parent().unwrap_or(lib)
}
