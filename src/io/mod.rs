//! # Files: tensors, checkpoints, exports
//!
//! - [`weights`]: safetensors files written atomically.
//! - [`checkpoint`]: a model and its settings, saved and loaded.
//! - [`export`]: exercise 1's tensors and gradients, for PyTorch.
//! - [`gpt_checkpoint`]: a GPT, its AdamW state and its run, saved and loaded.
//! - [`gpt_export`]: a small GPT's parameters and gradients, for PyTorch.
//! - [`output`]: a training run's output, checked and locked before it starts.

pub mod checkpoint;
pub mod export;
pub mod gpt_checkpoint;
pub mod gpt_export;
pub mod output;
pub mod weights;
