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

use crate::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
use crate::bigram::{Bigrams, NeuralForward};
use crate::cross_entropy::CrossEntropyCache;
use crate::embedding::EmbeddingGrads;
use crate::flatten_consecutive::FlattenConsecutive;
use crate::float::Float;
use crate::linear::{Linear, LinearGrads};
use crate::sequential::{LayerGrads, Sequential, SequentialCache};
use crate::step_by_step::Forward;

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

    // ---- GPT: core (gpt-core) ----
    /// LayerNorm over the last axis: accumulates `dx`, `dweight`, `dbias` (`exercises/layernorm.rs`; lecture 7).
    fn layernorm_backward<F: Float>(
        dx: &mut ArrayRef2<F>,
        grads: &mut crate::layers::layernorm::LayerNormGrads<F>,
        dout: &ArrayRef2<F>,
        cache: &crate::layers::layernorm::LayerNormCache<F>,
        layer: &crate::layers::layernorm::LayerNorm<F>,
    );
    /// ReLU: accumulates `dx` (`exercises/relu.rs`; lecture 7).
    fn relu_backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        out: &ArrayRef<F, D>,
    );
    /// GELU, tanh form: accumulates `dx` (`exercises/gelu.rs`; lecture 7).
    fn gelu_backward<F: Float, D: Dimension>(
        dx: &mut ArrayRef<F, D>,
        dout: &ArrayRef<F, D>,
        x: &ArrayRef<F, D>,
    );
    /// Token + position embedding: accumulates `dwte`, `dwpe` (`exercises/position_embedding.rs`; lecture 7).
    fn position_embedding_backward<F: Float>(
        grads: &mut crate::layers::position_embedding::PositionEmbeddingGrads<F>,
        dout: &ArrayRef3<F>,
        idx: &ArrayRef2<usize>,
    );
    /// Cross-entropy over `(B, T, V)`, targets `-1` ignored: accumulates `dlogits` (`exercises/sequence_cross_entropy.rs`; lecture 7).
    fn sequence_cross_entropy_backward<F: Float>(
        dlogits: &mut ArrayRef3<F>,
        dloss: F,
        cache: &crate::layers::sequence_cross_entropy::SequenceCrossEntropyCache<F>,
        targets: &ArrayRef2<i64>,
    );
    /// AdamW, step `t` of one parameter: updates `param`, `m`, `v` (`exercises/adamw.rs`; lecture 7).
    fn adamw_update<F: Float, D: Dimension>(
        param: &mut ArrayRef<F, D>,
        m: &mut ArrayRef<F, D>,
        v: &mut ArrayRef<F, D>,
        grad: &ArrayRef<F, D>,
        t: usize,
        hyper: &crate::layers::adamw::AdamW,
    );
    /// The transformer block: runs `L`'s backward passes of its layers,
    /// accumulating `dx` and the parameters' gradients (`exercises/block.rs`; lecture 7).
    fn block_backward<L: Backprop, F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut crate::layers::block::BlockGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        cache: &mut crate::layers::block::BlockCache<F>,
        block: &crate::layers::block::Block<F>,
    );
    // ---- end GPT: core ----
    // ---- GPT: attention (gpt-attn) ----
    /// The weighted average of the past, `out = wei @ x` with `wei` causal:
    /// accumulates `dwei`, `dx` (`exercises/weighted_average.rs`; lecture 7).
    fn weighted_average_backward<F: Float>(
        dwei: &mut ArrayRef3<F>,
        dx: &mut ArrayRef3<F>,
        dout: &ArrayRef3<F>,
        wei: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
    );
    /// The causal softmax: accumulates `dscores` (`exercises/softmax.rs`; lecture 7).
    fn softmax_backward<F: Float>(
        dscores: &mut ArrayRef3<F>,
        datt: &ArrayRef3<F>,
        att: &ArrayRef3<F>,
    );
    /// One head, `dv` (`exercises/head.rs`; lecture 7).
    fn head_dv(f: &crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64>;
    /// One head, `datt` (`exercises/head.rs`; lecture 7).
    fn head_datt(f: &crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64>;
    /// One head, `dscores` (`exercises/head.rs`; lecture 7).
    fn head_dscores(f: &crate::layers::head::HeadForward<f64>, datt: &Array3<f64>) -> Array3<f64>;
    /// One head, `dq` (`exercises/head.rs`; lecture 7).
    fn head_dq(f: &crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64>;
    /// One head, `dk` (`exercises/head.rs`; lecture 7).
    fn head_dk(f: &crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64>;
    /// One head, `dx` (`exercises/head.rs`; lecture 7).
    fn head_dx(
        f: &crate::layers::head::HeadForward<f64>,
        dq: &Array3<f64>,
        dk: &Array3<f64>,
        dv: &Array3<f64>,
    ) -> Array3<f64>;
    /// Causal multi-head self-attention: accumulates `dx` and the gradients of
    /// `c_attn` and `c_proj`; `cache` lends its scratch space
    /// (`exercises/attention.rs`; lecture 7).
    fn attention_backward<F: Float>(
        dx: &mut ArrayRef3<F>,
        grads: &mut crate::layers::attention::AttentionGrads<F>,
        dout: &ArrayRef3<F>,
        x: &ArrayRef3<F>,
        cache: &mut crate::layers::attention::AttentionCache<F>,
        layer: &crate::layers::attention::CausalSelfAttention<F>,
    );
    // ---- end GPT: attention (gpt-attn) ----
}

/// Implements [`Backprop`] for `$ty` by calling the functions of the
/// modules `micrograd`, `bigram`, `linear`, `embedding`, `tanh`, `batchnorm`,
/// `cross_entropy`, `flatten_consecutive`, `sequential` and `step_by_step`
/// (and, for lecture 7, `weighted_average`, `softmax`, `head`, `attention`)
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
                f: &$crate::bigram::NeuralForward,
                data: &$crate::bigram::Bigrams,
                W: &::ndarray::ArrayRef2<f64>,
            ) {
                bigram::backward(dW, f, data, W)
            }

            fn linear_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef2<F>,
                grads: &mut $crate::linear::LinearGrads<F>,
                dout: &::ndarray::ArrayRef2<F>,
                x: &::ndarray::ArrayRef2<F>,
                layer: &$crate::linear::Linear<F>,
            ) {
                linear::backward(dx, grads, dout, x, layer)
            }
            fn embedding_backward<F: $crate::float::Float>(
                grads: &mut $crate::embedding::EmbeddingGrads<F>,
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
                grads: &mut $crate::batchnorm::BatchNormGrads<F>,
                dout: &::ndarray::ArrayRef2<F>,
                cache: &$crate::batchnorm::BatchNormCache<F>,
                layer: &$crate::batchnorm::BatchNorm1d<F>,
            ) {
                batchnorm::backward(dx, grads, dout, cache, layer)
            }
            fn cross_entropy_backward<F: $crate::float::Float>(
                dlogits: &mut ::ndarray::ArrayRef2<F>,
                dloss: F,
                cache: &$crate::cross_entropy::CrossEntropyCache<F>,
                targets: &[usize],
            ) {
                cross_entropy::backward(dlogits, dloss, cache, targets)
            }
            fn flatten_consecutive_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                dout: &::ndarray::ArrayRef3<F>,
                layer: &$crate::flatten_consecutive::FlattenConsecutive,
            ) {
                flatten_consecutive::backward(dx, dout, layer)
            }
            fn linear_backward_3d<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::linear::LinearGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                x: &::ndarray::ArrayRef3<F>,
                layer: &$crate::linear::Linear<F>,
            ) {
                linear::backward_3d(dx, grads, dout, x, layer)
            }
            fn batchnorm_backward_3d<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::batchnorm::BatchNormGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                cache: &$crate::batchnorm::BatchNormCache<F>,
                layer: &$crate::batchnorm::BatchNorm1d<F>,
            ) {
                batchnorm::backward_3d(dx, grads, dout, cache, layer)
            }
            fn sequential_backward<L: $crate::backprop::Backprop, F: $crate::float::Float>(
                grads: &mut [$crate::sequential::LayerGrads<F>],
                douts: &mut [::ndarray::Array3<F>],
                cache: &$crate::sequential::SequentialCache<F>,
                model: &$crate::sequential::Sequential<F>,
            ) {
                sequential::backward::<L, F>(grads, douts, cache, model)
            }
            fn dlogprobs(f: &$crate::step_by_step::Forward) -> ::ndarray::Array2<f64> {
                step_by_step::dlogprobs(f)
            }
            fn dprobs(
                f: &$crate::step_by_step::Forward,
                dlogprobs: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dprobs(f, dlogprobs)
            }
            fn dcounts_sum_inv(
                f: &$crate::step_by_step::Forward,
                dprobs: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts_sum_inv(f, dprobs)
            }
            fn dcounts_sum(
                f: &$crate::step_by_step::Forward,
                dcounts_sum_inv: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts_sum(f, dcounts_sum_inv)
            }
            fn dcounts(
                f: &$crate::step_by_step::Forward,
                dprobs: &::ndarray::Array2<f64>,
                dcounts_sum: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dcounts(f, dprobs, dcounts_sum)
            }
            fn dnorm_logits(
                f: &$crate::step_by_step::Forward,
                dcounts: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dnorm_logits(f, dcounts)
            }
            fn dlogit_maxes(
                f: &$crate::step_by_step::Forward,
                dnorm_logits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dlogit_maxes(f, dnorm_logits)
            }
            fn dlogits(
                f: &$crate::step_by_step::Forward,
                dnorm_logits: &::ndarray::Array2<f64>,
                dlogit_maxes: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dlogits(f, dnorm_logits, dlogit_maxes)
            }
            fn dh(
                f: &$crate::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dh(f, dlogits)
            }
            fn dW2(
                f: &$crate::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dW2(f, dlogits)
            }
            fn db2(
                f: &$crate::step_by_step::Forward,
                dlogits: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array1<f64> {
                step_by_step::db2(f, dlogits)
            }
            fn dhpreact(
                f: &$crate::step_by_step::Forward,
                dh: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dhpreact(f, dh)
            }
            fn dbngain(
                f: &$crate::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbngain(f, dhpreact)
            }
            fn dbnbias(
                f: &$crate::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnbias(f, dhpreact)
            }
            fn dbnraw(
                f: &$crate::step_by_step::Forward,
                dhpreact: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnraw(f, dhpreact)
            }
            fn dbnvar_inv(
                f: &$crate::step_by_step::Forward,
                dbnraw: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnvar_inv(f, dbnraw)
            }
            fn dbnvar(
                f: &$crate::step_by_step::Forward,
                dbnvar_inv: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnvar(f, dbnvar_inv)
            }
            fn dbndiff2(
                f: &$crate::step_by_step::Forward,
                dbnvar: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbndiff2(f, dbnvar)
            }
            fn dbndiff(
                f: &$crate::step_by_step::Forward,
                dbnraw: &::ndarray::Array2<f64>,
                dbndiff2: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbndiff(f, dbnraw, dbndiff2)
            }
            fn dbnmeani(
                f: &$crate::step_by_step::Forward,
                dbndiff: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dbnmeani(f, dbndiff)
            }
            fn dhprebn(
                f: &$crate::step_by_step::Forward,
                dbndiff: &::ndarray::Array2<f64>,
                dbnmeani: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dhprebn(f, dbndiff, dbnmeani)
            }
            fn dembcat(
                f: &$crate::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dembcat(f, dhprebn)
            }
            fn dW1(
                f: &$crate::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dW1(f, dhprebn)
            }
            fn db1(
                f: &$crate::step_by_step::Forward,
                dhprebn: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array1<f64> {
                step_by_step::db1(f, dhprebn)
            }
            fn demb(
                f: &$crate::step_by_step::Forward,
                dembcat: &::ndarray::Array2<f64>,
            ) -> ::ndarray::Array3<f64> {
                step_by_step::demb(f, dembcat)
            }
            fn dC(
                f: &$crate::step_by_step::Forward,
                demb: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array2<f64> {
                step_by_step::dC(f, demb)
            }
            // ---- GPT: core (gpt-core) ----
            fn layernorm_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef2<F>,
                grads: &mut $crate::layers::layernorm::LayerNormGrads<F>,
                dout: &::ndarray::ArrayRef2<F>,
                cache: &$crate::layers::layernorm::LayerNormCache<F>,
                layer: &$crate::layers::layernorm::LayerNorm<F>,
            ) {
                layernorm::backward(dx, grads, dout, cache, layer)
            }
            fn relu_backward<F: $crate::float::Float, D: ::ndarray::Dimension>(
                dx: &mut ::ndarray::ArrayRef<F, D>,
                dout: &::ndarray::ArrayRef<F, D>,
                out: &::ndarray::ArrayRef<F, D>,
            ) {
                relu::backward(dx, dout, out)
            }
            fn gelu_backward<F: $crate::float::Float, D: ::ndarray::Dimension>(
                dx: &mut ::ndarray::ArrayRef<F, D>,
                dout: &::ndarray::ArrayRef<F, D>,
                x: &::ndarray::ArrayRef<F, D>,
            ) {
                gelu::backward(dx, dout, x)
            }
            fn position_embedding_backward<F: $crate::float::Float>(
                grads: &mut $crate::layers::position_embedding::PositionEmbeddingGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                idx: &::ndarray::ArrayRef2<usize>,
            ) {
                position_embedding::backward(grads, dout, idx)
            }
            fn sequence_cross_entropy_backward<F: $crate::float::Float>(
                dlogits: &mut ::ndarray::ArrayRef3<F>,
                dloss: F,
                cache: &$crate::layers::sequence_cross_entropy::SequenceCrossEntropyCache<F>,
                targets: &::ndarray::ArrayRef2<i64>,
            ) {
                sequence_cross_entropy::backward(dlogits, dloss, cache, targets)
            }
            fn adamw_update<F: $crate::float::Float, D: ::ndarray::Dimension>(
                param: &mut ::ndarray::ArrayRef<F, D>,
                m: &mut ::ndarray::ArrayRef<F, D>,
                v: &mut ::ndarray::ArrayRef<F, D>,
                grad: &::ndarray::ArrayRef<F, D>,
                t: usize,
                hyper: &$crate::layers::adamw::AdamW,
            ) {
                adamw::update(param, m, v, grad, t, hyper)
            }
            fn block_backward<L: $crate::backprop::Backprop, F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::layers::block::BlockGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                x: &::ndarray::ArrayRef3<F>,
                cache: &mut $crate::layers::block::BlockCache<F>,
                block: &$crate::layers::block::Block<F>,
            ) {
                block::backward::<L, F>(dx, grads, dout, x, cache, block)
            }
            // ---- end GPT: core ----
            // ---- GPT: attention (gpt-attn) ----
            fn weighted_average_backward<F: $crate::float::Float>(
                dwei: &mut ::ndarray::ArrayRef3<F>,
                dx: &mut ::ndarray::ArrayRef3<F>,
                dout: &::ndarray::ArrayRef3<F>,
                wei: &::ndarray::ArrayRef3<F>,
                x: &::ndarray::ArrayRef3<F>,
            ) {
                weighted_average::backward(dwei, dx, dout, wei, x)
            }
            fn softmax_backward<F: $crate::float::Float>(
                dscores: &mut ::ndarray::ArrayRef3<F>,
                datt: &::ndarray::ArrayRef3<F>,
                att: &::ndarray::ArrayRef3<F>,
            ) {
                softmax::backward(dscores, datt, att)
            }
            fn head_dv(
                f: &$crate::layers::head::HeadForward<f64>,
                dout: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::dv(f, dout)
            }
            fn head_datt(
                f: &$crate::layers::head::HeadForward<f64>,
                dout: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::datt(f, dout)
            }
            fn head_dscores(
                f: &$crate::layers::head::HeadForward<f64>,
                datt: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::dscores(f, datt)
            }
            fn head_dq(
                f: &$crate::layers::head::HeadForward<f64>,
                dscores: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::dq(f, dscores)
            }
            fn head_dk(
                f: &$crate::layers::head::HeadForward<f64>,
                dscores: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::dk(f, dscores)
            }
            fn head_dx(
                f: &$crate::layers::head::HeadForward<f64>,
                dq: &::ndarray::Array3<f64>,
                dk: &::ndarray::Array3<f64>,
                dv: &::ndarray::Array3<f64>,
            ) -> ::ndarray::Array3<f64> {
                head::dx(f, dq, dk, dv)
            }
            fn attention_backward<F: $crate::float::Float>(
                dx: &mut ::ndarray::ArrayRef3<F>,
                grads: &mut $crate::layers::attention::AttentionGrads<F>,
                dout: &::ndarray::ArrayRef3<F>,
                x: &::ndarray::ArrayRef3<F>,
                cache: &mut $crate::layers::attention::AttentionCache<F>,
                layer: &$crate::layers::attention::CausalSelfAttention<F>,
            ) {
                attention::backward(dx, grads, dout, x, cache, layer)
            }
            // ---- end GPT: attention (gpt-attn) ----
        }
    };
}
