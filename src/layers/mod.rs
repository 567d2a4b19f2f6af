//! # The layers of lecture 7, "Let's build GPT": forward passes (given code)
//!
//! Each file here is a layer's forward pass; its backward pass is yours to
//! write in `exercises/<same name>.rs` and derived in `solutions/<same name>.rs`.
//! Every forward pass writes into arrays allocated once (`*_into`), so that
//! a training step allocates nothing.

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
