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
    /// `tanh`, as fast as the type allows: exact (libm) for `f64`, a
    /// rational approximation for `f32` that the compiler vectorises.
    fn fast_tanh(self) -> Self {
        self.tanh()
    }
}

impl Float for f32 {
    fn lit(x: f64) -> Self {
        x as f32
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
    /// `tanh(x) ≈ x·P(x²)/Q(x²)` on `[-9, 9]` (±1 beyond, where `tanh`
    /// rounds to ±1 in `f32`), the minimax approximation Eigen uses; within
    /// a few `f32` ulps of the true value. No branches, no calls: a loop of
    /// it becomes SIMD code.
    #[inline]
    fn fast_tanh(self) -> Self {
        let x = self.clamp(-9.0, 9.0);
        let x2 = x * x;
        let p = x2 * -2.760_768_5e-16 + 2.000_188e-13; // P's coefficients, highest first
        let p = x2 * p + -8.604_672e-11;
        let p = x2 * p + 5.122_297e-8;
        let p = x2 * p + 1.485_722_4e-5;
        let p = x2 * p + 6.372_619_3e-4;
        let p = x2 * p + 4.893_524_6e-3;
        let q = x2 * 1.198_258_4e-6 + 1.185_347_1e-4; // Q's
        let q = x2 * q + 2.268_434_6e-3;
        let q = x2 * q + 4.893_525e-3;
        (x * p / q).clamp(-1.0, 1.0)
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

#[cfg(test)]
mod tests {
    use super::Float;

    #[test]
    fn fast_tanh_f32_is_within_a_few_ulps() {
        let mut worst: f64 = 0.0;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4; // -20 ..= 20
            let err = (x.fast_tanh() as f64 - (x as f64).tanh()).abs();
            worst = worst.max(err);
        }
        assert!(worst < 5e-7, "max error {worst:e}");
        assert_eq!(0.0f32.fast_tanh(), 0.0);
        assert_eq!(f32::INFINITY.fast_tanh(), 1.0);
        assert_eq!(f32::NEG_INFINITY.fast_tanh(), -1.0);
        assert_eq!(1.5f64.fast_tanh(), 1.5f64.tanh());
    }
}
