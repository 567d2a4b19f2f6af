//! # The models: layers assembled, forward and backward
//!
//! Each model runs its layers' forward passes and then their backward passes
//! through `B:` [`crate::Backprop`], so the same code trains with the
//! reference (`Solutions`) or with your code (`Exercises`).

pub mod adamw;
pub mod deep;
pub mod diagnostics;
pub mod dpo_policy;
pub mod gpt;
pub mod kind;
pub mod kv_cache;
pub mod micrograd_nn;
pub mod mlp;
pub mod model;
pub mod reward;
pub mod wavenet;
