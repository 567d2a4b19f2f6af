//! # The layers: forward passes (given code)
//!
//! Each file is one layer's forward pass, generic over [`crate::Float`]
//! (`f64` for the oracle, `f32` for training). Its backward pass is the file
//! of the same name in `exercises/` (yours) and `solutions/` (the reference).
//! Nothing here calls a backward pass: the layers sit below
//! [`crate::backprop`], the models above it.

pub mod batchnorm;
pub mod cross_entropy;
pub mod embedding;
pub mod flatten_consecutive;
pub mod linear;
pub mod rows;
pub mod sequential;
pub mod tanh;
