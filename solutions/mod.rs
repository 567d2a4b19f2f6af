//! # The reference backward passes, with their derivations
//!
//! Every file here is the answer to its twin in `exercises/`. Each function's
//! documentation derives its gradient (shapes included), so that
//! `cargo doc --open` reads as the answer key. The trainer uses these very
//! functions unless it is told `--impl exercises`.

// One module per file, the twin of `exercises/<module>.rs`; the course
// order and the chapters are in `src/registry.rs`.
pub mod adamw;
pub mod attention;
pub mod batchnorm;
pub mod bigram;
pub mod block;
pub mod bpe;
pub mod bradley_terry;
pub mod cross_entropy;
pub mod embedding;
pub mod flatten_consecutive;
pub mod gelu;
pub mod head;
pub mod layernorm;
pub mod linear;
pub mod micrograd;
pub mod position_embedding;
pub mod relu;
pub mod reward_head;
pub mod sequence_cross_entropy;
pub mod sequential;
pub mod sft_targets;
pub mod softmax;
pub mod step_by_step;
pub mod tanh;
pub mod weighted_average;

// State of GPT, RLHF.
pub mod answer_logprob;
pub mod dpo;
pub mod kl_penalty;
pub mod policy_gradient;
pub mod ppo_clip;

/// The reference implementation of every backward pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct Solutions;

crate::implement_backprop!(Solutions, "solutions");
