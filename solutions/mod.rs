//! # The reference backward passes, with their derivations
//!
//! Every file here is the answer to its twin in `exercises/`. Each function's
//! documentation derives its gradient (shapes included), so that
//! `cargo doc --open` reads as the answer key. The trainer uses these very
//! functions unless it is told `--impl exercises`.

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

// ---- GPT: core (gpt-core) ----
pub mod adamw;
pub mod block;
pub mod gelu;
pub mod layernorm;
pub mod position_embedding;
pub mod relu;
pub mod sequence_cross_entropy;
// ---- end GPT: core ----
// ---- GPT: attention (gpt-attn) ----
pub mod attention;
pub mod head;
pub mod softmax;
pub mod weighted_average;
// ---- end GPT: attention (gpt-attn) ----

/// The reference implementation of every backward pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct Solutions;

crate::implement_backprop!(Solutions, "solutions");
