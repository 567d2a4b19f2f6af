//! The scalar type every layer is written over.
//!
//! Gradients are checked in `f64`, where finite differences are precise, and
//! the trainer runs the very same functions in `f32`, where they are fast.
//! A learner reads `F` as "a float"; `F::lit(1e-5)` is a literal of that type.

use ndarray::NdFloat;

/// `f32` or `f64`.
pub trait Float: NdFloat + Default + std::iter::Sum {
    /// A literal in this float type, e.g. `F::lit(0.5)`.
    fn lit(x: f64) -> Self;
    /// A count (a batch size, a fan-in) as this float type.
    fn count(n: usize) -> Self {
        Self::lit(n as f64)
    }
    /// This value widened to `f64`, for printing and comparing.
    fn as_f64(self) -> f64;
}

impl Float for f32 {
    fn lit(x: f64) -> Self {
        x as f32
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Float for f64 {
    fn lit(x: f64) -> Self {
        x
    }
    fn as_f64(self) -> f64 {
        self
    }
}
