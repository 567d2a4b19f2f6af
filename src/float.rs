//! The scalar type every layer is written over.
//!
//! Gradients are checked in `f64`, where finite differences are precise, and
//! the trainer runs the very same functions in `f32`, where they are fast.
//! A learner reads `F` as "a float"; `F::lit(1e-5)` is a literal of that type.

use ndarray::{Array, NdFloat, ShapeBuilder};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::{Distribution, StandardNormal};
use rand::Rng;

/// `f32` or `f64`.
pub trait Float: NdFloat + Default + std::iter::Sum + kernels::Elem {
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
    /// `exp`, the same way: libm for `f64`, a vectorisable polynomial for `f32`.
    fn fast_exp(self) -> Self {
        self.exp()
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
    /// `exp(x) = 2ⁿ·e^r` with `n = round(x/ln 2)` and `|r| ≤ ln(2)/2`, `e^r`
    /// by the Cephes polynomial: within 2 `f32` ulps. Inputs are clamped to
    /// `[-87, 88]`, where `f32` neither overflows nor goes subnormal.
    #[inline]
    fn fast_exp(self) -> Self {
        let x = self.clamp(-87.0, 88.0);
        // round(x·log2(e)) without a call: adding 1.5·2²³ rounds to an integer.
        let n = (x * std::f32::consts::LOG2_E + 12_582_912.0) - 12_582_912.0;
        let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4; // x - n·ln 2, in two parts
        let p = r * 1.987_569_1e-4 + 1.398_2e-3;
        let p = r * p + 8.333_452e-3;
        let p = r * p + 4.166_579_6e-2;
        let p = r * p + 0.166_666_65;
        let p = r * p + 0.5;
        let er = p * r * r + r + 1.0;
        // 2ⁿ from its exponent bits, `n + 127`, read off the same magic
        // number (`n` is an integer in [-126, 127]): a cast to `i32` would
        // saturate, and its checks keep the loop from vectorising.
        let biased = (n + (12_582_912.0 + 127.0)).to_bits() & 0x7f_ffff;
        er * f32::from_bits(biased << 23)
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

/// An array of `shape` from the standard normal distribution, the
/// lecture's `torch.randn`: the same numbers for the same seeded `rng`.
pub fn randn<F: Float, Sh: ShapeBuilder>(shape: Sh, rng: &mut impl Rng) -> Array<F, Sh::Dim>
where
    StandardNormal: Distribution<F>,
{
    Array::random_using(shape, StandardNormal, rng)
}
