//! # Files: tensors, checkpoints, exports
//!
//! - [`weights`]: safetensors files written atomically.
//! - [`checkpoint`]: a model and its settings, saved and loaded.
//! - [`export`]: exercise 1's tensors and gradients, for PyTorch.

pub mod checkpoint;
pub mod export;
pub mod weights;
