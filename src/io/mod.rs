//! # Files: tensors, checkpoints, exports
//!
//! - [`atomic`]: a file written whole or not at all.
//! - [`weights`]: safetensors files written atomically.
//! - [`input`]: a corpus, checkpoint or tokenizer read: a regular file, with a size limit.
//! - [`checkpoint`]: a model and its settings, saved and loaded.
//! - [`checksum`]: the checksums of a checkpoint's tensors, stamped and
//!   verified.
//! - [`export`]: exercise 1's tensors and gradients, for PyTorch.
//! - [`gpt_checkpoint`]: a GPT's configuration and tensors in the one checkpoint.
//! - [`gpt_export`]: a small GPT's parameters and gradients, for PyTorch.
//! - [`output`]: a command's output, checked and locked before it starts.

pub mod atomic;
pub mod checkpoint;
pub mod checksum;
pub mod export;
pub mod gpt_checkpoint;
pub mod gpt_export;
pub mod input;
pub mod output;
pub mod weights;
