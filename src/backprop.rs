//! # The list of every backward pass a learner writes
//!
//! [`Backprop`] names each backward pass once, with its signature. Two types
//! implement it: [`crate::solutions::Solutions`], the reference, and
//! [`crate::exercises::Exercises`], yours. Both implementations are generated
//! by [`implement_backprop!`](crate::implement_backprop) from the functions in
//! `solutions/` and `exercises/`, so the compiler refuses a function that is
//! missing on one side or has another signature. The grader, the `check`
//! command and the trainer are generic over `B: Backprop`, which is how
//! `--impl exercises` trains with your code and the default trains with the
//! reference, through the very same functions.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

use ndarray::{Array1, Array2, Array3, ArrayRef, ArrayRef2, ArrayRef3, Dimension};

use crate::course::bigram::{Bigrams, NeuralForward};
use crate::course::step_by_step::Forward;
use crate::float::Float;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::layers::cross_entropy::CrossEntropyCache;
use crate::layers::embedding::EmbeddingGrads;
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::sequential::{LayerGrads, Sequential, SequentialCache};

/// Every backward pass of the course, each a plain function of its inputs.
pub trait Backprop {
    /// `"solutions"` or `"exercises"`.
    const NAME: &'static str;

    /// micrograd, `out = a + b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
    fn micrograd_add_backward(da: &mut f64, db: &mut f64, dout: f64);
    /// micrograd, `out = a · b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
    fn micrograd_mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64);
    /// micrograd, `out = a^k`, `k` constant: accumulates `da` (`exercises/micrograd.rs`).
    fn micrograd_pow_backward(da: &mut f64, dout: f64, a: f64, k: f64);
    /// micrograd, `out = exp(a)`: accumulates `da` (`exercises/micrograd.rs`).
    fn micrograd_exp_backward(da: &mut f64, dout: f64, out: f64);
    /// micrograd, `out = tanh(a)`: accumulates `da` (`exercises/micrograd.rs`).
    fn micrograd_tanh_backward(da: &mut f64, dout: f64, out: f64);
    /// micrograd, `out = relu(a)`: accumulates `da` (`exercises/micrograd.rs`).
    fn micrograd_relu_backward(da: &mut f64, dout: f64, out: f64);
    /// micrograd, `out = ln(a)`: accumulates `da` (`exercises/micrograd.rs`).
    fn micrograd_log_backward(da: &mut f64, dout: f64, a: f64);
    /// The neural bigram: accumulates `dW` (`exercises/bigram.rs`).
    fn bigram_backward(
        dW: &mut ArrayRef2<f64>,
        f: &NeuralForward,
        data: &Bigrams,
        W: &ArrayRef2<f64>,
    );

    /// Linear: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`).
    fn linear_backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef2<F>,
        x: &ArrayRef2<F>,
        layer: &Linear<F>,
    );
    /// Embedding: accumulates `dtable` (`exercises/embedding.rs`).
    fn embedding_backward<F: Float>(
        grads: &mut EmbeddingGrads<F>,
        dout: &ArrayRef3<F>,
        idx: &ArrayRef2<usize>,
    );
    /// Tanh: accumulates `dx` (`exercises/tanh.rs`).
    fn tanh_backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    );
    /// BatchNorm1d, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; the lecture's exercise 3).
    fn batchnorm_backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut BatchNormGrads<F>,
        dout: &ArrayRef2<F>,
        cache: &BatchNormCache<F>,
        layer: &BatchNorm1d<F>,
    );
    /// Cross-entropy: accumulates `dlogits` (`exercises/cross_entropy.rs`; the lecture's exercise 2).
    fn cross_entropy_backward<F: Float>(
        dlogits: &mut ArrayRef2<F>,
        dloss: F,
        cache: &CrossEntropyCache<F>,
        targets: &[usize],
    );

    /// FlattenConsecutive: accumulates `dx` (`exercises/flatten_consecutive.rs`; makemore part 5).
    fn flatten_consecutive_backward<F: Float>(
        dx: &mut ArrayRef3<F>,
        dout: &ArrayRef3<F>,
        layer: &FlattenConsecutive,
    );
    /// Linear on `(B, T, C)`: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`; makemore part 5).
    fn linear_backward_3d<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut LinearGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        layer: &Linear<F>,
    );
    /// BatchNorm1d on `(B, T, H)`, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; makemore part 5).
    fn batchnorm_backward_3d<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut BatchNormGrads<F>,
        dout: &ArrayRef3<F>,
        cache: &BatchNormCache<F>,
        layer: &BatchNorm1d<F>,
    );
    /// Sequential: runs the layers' backward passes, `L`'s, in reverse
    /// (`exercises/sequential.rs`; makemore part 5).
    fn sequential_backward<L: Backprop, F: Float>(
        grads: &mut [LayerGrads<F>],
        douts: &mut [Array3<F>],
        cache: &SequentialCache<F>,
        model: &Sequential<F>,
    );

    /// Exercise 1, `dlogprobs` (`exercises/step_by_step.rs`).
    fn dlogprobs(f: &Forward) -> Array2<f64>;
    /// Exercise 1, `dprobs` (`exercises/step_by_step.rs`).
    fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dcounts_sum_inv` (`exercises/step_by_step.rs`).
    fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dcounts_sum` (`exercises/step_by_step.rs`).
    fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dcounts` (`exercises/step_by_step.rs`).
    fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dnorm_logits` (`exercises/step_by_step.rs`).
    fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dlogit_maxes` (`exercises/step_by_step.rs`).
    fn dlogit_maxes(f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dlogits` (`exercises/step_by_step.rs`).
    fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dh` (`exercises/step_by_step.rs`).
    fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dW2` (`exercises/step_by_step.rs`).
    fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `db2` (`exercises/step_by_step.rs`).
    fn db2(f: &Forward, dlogits: &Array2<f64>) -> Array1<f64>;
    /// Exercise 1, `dhpreact` (`exercises/step_by_step.rs`).
    fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbngain` (`exercises/step_by_step.rs`).
    fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbnbias` (`exercises/step_by_step.rs`).
    fn dbnbias(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbnraw` (`exercises/step_by_step.rs`).
    fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbnvar_inv` (`exercises/step_by_step.rs`).
    fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbnvar` (`exercises/step_by_step.rs`).
    fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbndiff2` (`exercises/step_by_step.rs`).
    fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbndiff` (`exercises/step_by_step.rs`).
    fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dbnmeani` (`exercises/step_by_step.rs`).
    fn dbnmeani(f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dhprebn` (`exercises/step_by_step.rs`).
    fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dembcat` (`exercises/step_by_step.rs`).
    fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `dW1` (`exercises/step_by_step.rs`).
    fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64>;
    /// Exercise 1, `db1` (`exercises/step_by_step.rs`).
    fn db1(f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64>;
    /// Exercise 1, `demb` (`exercises/step_by_step.rs`).
    fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64>;
    /// Exercise 1, `dC` (`exercises/step_by_step.rs`).
    fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64>;
}

/// Implements [`Backprop`] for `$ty` by calling the functions of the
/// modules `micrograd`, `bigram`, `linear`, `embedding`, `tanh`, `batchnorm`,
/// `cross_entropy`, `flatten_consecutive`, `sequential` and `step_by_step`
/// where it is invoked (`exercises/mod.rs`, `solutions/mod.rs`).
#[doc(hidden)]
#[macro_export]
macro_rules! implement_backprop {
    ($ty:ident, $name:literal) => {
        impl $crate::backprop::Backprop for $ty {
            const NAME: &'static str = $name;

            fn micrograd_add_backward(da: &mut f64, db: &mut f64, dout: f64) {
                micrograd::add_backward(da, db, dout)
            }
            fn micrograd_mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) {
                micrograd::mul_backward(da, db, dout, a, b)
            }
            fn micrograd_pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) {
                micrograd::pow_backward(da, dout, a, k)
            }
            fn micrograd_exp_backward(da: &mut f64, dout: f64, out: f64) {
                micrograd::exp_backward(da, dout, out)
            }
            fn micrograd_tanh_backward(da: &mut f64, dout: f64, out: f64) {
                micrograd::tanh_backward(da, dout, out)
            }
            fn micrograd_relu_backward(da: &mut f64, dout: f64, out: f64) {
                micrograd::relu_backward(da, dout, out)
            }
            fn micrograd_log_backward(da: &mut f64, dout: f64, a: f64) {
                micrograd::log_backward(da, dout, a)
            }
            #[allow(non_snake_case)] // the lecture's W
            fn bigram_backward(
                dW: &mut ::ndarray::ArrayRef2<f64>,
                f: &$crate::course::bigram::NeuralForward,
                data: &$crate::course::bigram::Bigrams,
                W: &::ndarray::ArrayRef2<f64>,
            ) {
                bigram::backward(dW, f, data, W)
            }

            fn linear_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef2<F>,
                grads: &mut $crate::layers::linear::LinearGrads<F>,
                dout: &::ndarray::ArrayRef2<F>,
                x: &::ndarray::ArrayRef2<F>,
                layer: &$crate::layers::linear::Linear<F>,
            ) {
                linear::backward(dx, grads, dout, x, layer)
            }
            fn embedding_backward<F: $crate::float::Float>(
                grads: &mut $crate::layers::embedding::EmbeddingGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                idx: &::ndarray::ArrayRef2<usize>,
            ) {
                embedding::backward(grads, dout, idx)
            }
            fn tanh_backward<F: $crate::float::Float, D: ::ndarray::Dimension>(
                dx: &mut ::ndarray::ArrayRef<F, D>,
                dout: &::ndarray::ArrayRef<F, D>,
                out: &::ndarray::ArrayRef<F, D>,
            ) {
                tanh::backward(dx, dout, out)
            }
            fn batchnorm_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef2<F>,
                grads: &mut $crate::layers::batchnorm::BatchNormGrads<F>,
                dout: &::ndarray::ArrayRef2<F>,
                cache: &$crate::layers::batchnorm::BatchNormCache<F>,
                layer: &$crate::layers::batchnorm::BatchNorm1d<F>,
            ) {
                batchnorm::backward(dx, grads, dout, cache, layer)
            }
            fn cross_entropy_backward<F: $crate::float::Float>(
                dlogits: &mut ::ndarray::ArrayRef2<F>,
                dloss: F,
                cache: &$crate::layers::cross_entropy::CrossEntropyCache<F>,
                targets: &[usize],
            ) {
                cross_entropy::backward(dlogits, dloss, cache, targets)
            }
            fn flatten_consecutive_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                dout: &::ndarray::ArrayRef3<F>,
                layer: &$crate::layers::flatten_consecutive::FlattenConsecutive,
            ) {
                flatten_consecutive::backward(dx, dout, layer)
            }
            fn linear_backward_3d<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::layers::linear::LinearGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                x: &::ndarray::ArrayRef3<F>,
                layer: &$crate::layers::linear::Linear<F>,
            ) {
                linear::backward_3d(dx, grads, dout, x, layer)
            }
            fn batchnorm_backward_3d<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::layers::batchnorm::BatchNormGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                cache: &$crate::layers::batchnorm::BatchNormCache<F>,
                layer: &$crate::layers::batchnorm::BatchNorm1d<F>,
            ) {
                batchnorm::backward_3d(dx, grads, dout, cache, layer)
            }
            fn sequential_backward<L: $crate::backprop::Backprop, F: $crate::float::Float>(
                grads: &mut [$crate::layers::sequential::LayerGrads<F>],
                douts: &mut [::ndarray::Array3<F>],
                cache: &$crate::layers::sequential::SequentialCache<F>,
                model: &$crate::layers::sequential::Sequential<F>,
            ) {
                sequential::backward::<L, F>(grads, douts, cache, model)
            }
            fn dlogprobs(f: &$crate::course::step_by_step::Forward) -> ::ndarray::Array2<f64> {
                step_by_step::dlogprobs(f)
            }
            fn dprobs(
                f: &$crate::course::step_by_step::Forward,
                dlogprobs: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dprobs(f, dlogprobs)
            }
            fn dcounts_sum_inv(
                f: &$crate::course::step_by_step::Forward,
                dprobs: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts_sum_inv(f, dprobs)
            }
            fn dcounts_sum(
                f: &$crate::course::step_by_step::Forward,
                dcounts_sum_inv: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts_sum(f, dcounts_sum_inv)
            }
            fn dcounts(
                f: &$crate::course::step_by_step::Forward,
                dprobs: &::ndarray::Array2<f64>,
                dcounts_sum: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts(f, dprobs, dcounts_sum)
            }
            fn dnorm_logits(
                f: &$crate::course::step_by_step::Forward,
                dcounts: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dnorm_logits(f, dcounts)
            }
            fn dlogit_maxes(
                f: &$crate::course::step_by_step::Forward,
                dnorm_logits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dlogit_maxes(f, dnorm_logits)
            }
            fn dlogits(
                f: &$crate::course::step_by_step::Forward,
                dnorm_logits: &::ndarray::Array2<f64>,
                dlogit_maxes: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dlogits(f, dnorm_logits, dlogit_maxes)
            }
            fn dh(
                f: &$crate::course::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dh(f, dlogits)
            }
            fn dW2(
                f: &$crate::course::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dW2(f, dlogits)
            }
            fn db2(
                f: &$crate::course::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array1<f64> {
                step_by_step::db2(f, dlogits)
            }
            fn dhpreact(
                f: &$crate::course::step_by_step::Forward,
                dh: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dhpreact(f, dh)
            }
            fn dbngain(
                f: &$crate::course::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbngain(f, dhpreact)
            }
            fn dbnbias(
                f: &$crate::course::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnbias(f, dhpreact)
            }
            fn dbnraw(
                f: &$crate::course::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnraw(f, dhpreact)
            }
            fn dbnvar_inv(
                f: &$crate::course::step_by_step::Forward,
                dbnraw: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnvar_inv(f, dbnraw)
            }
            fn dbnvar(
                f: &$crate::course::step_by_step::Forward,
                dbnvar_inv: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnvar(f, dbnvar_inv)
            }
            fn dbndiff2(
                f: &$crate::course::step_by_step::Forward,
                dbnvar: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbndiff2(f, dbnvar)
            }
            fn dbndiff(
                f: &$crate::course::step_by_step::Forward,
                dbnraw: &::ndarray::Array2<f64>,
                dbndiff2: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbndiff(f, dbnraw, dbndiff2)
            }
            fn dbnmeani(
                f: &$crate::course::step_by_step::Forward,
                dbndiff: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnmeani(f, dbndiff)
            }
            fn dhprebn(
                f: &$crate::course::step_by_step::Forward,
                dbndiff: &::ndarray::Array2<f64>,
                dbnmeani: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dhprebn(f, dbndiff, dbnmeani)
            }
            fn dembcat(
                f: &$crate::course::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dembcat(f, dhprebn)
            }
            fn dW1(
                f: &$crate::course::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dW1(f, dhprebn)
            }
            fn db1(
                f: &$crate::course::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array1<f64> {
                step_by_step::db1(f, dhprebn)
            }
            fn demb(
                f: &$crate::course::step_by_step::Forward,
                dembcat: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array3<f64> {
                step_by_step::demb(f, dembcat)
            }
            fn dC(
                f: &$crate::course::step_by_step::Forward,
                demb: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dC(f, demb)
            }
        }
    };
}
