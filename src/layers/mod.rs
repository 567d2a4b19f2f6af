//! # The layers of lecture 7, "Let's build GPT"
//!
//! Forward passes (given code) of the GPT chapter. Each layer's backward pass
//! is an exercise in `exercises/<same name>.rs`, with its reference and
//! derivation in `solutions/<same name>.rs`.

// ---- GPT: attention (gpt-attn) ----
pub mod attention;
pub mod head;
pub mod softmax;
pub mod weighted_average;
// ---- end GPT: attention (gpt-attn) ----
