//! # The list of every backward pass a learner writes
//!
//! [`Backprop`] names each backward pass once, with its signature. Two types
//! implement it: [`crate::solutions::Solutions`], the reference, and
//! [`crate::exercises::Exercises`], yours. The trait and both
//! implementations are generated from the one list below
//! ([`backward_passes!`](crate::backward_passes)), each entry a signature and
//! the function that implements it, `module::function` in `solutions/` and
//! `exercises/` alike, so the compiler refuses a function that is missing on
//! one side or has another signature. The grader, the `check` command and
//! the trainer are generic over `B: Backprop`, which is how `--impl
//! exercises` trains with your code and the default trains with the
//! reference, through the very same functions.
//! Each backward pass is graded by one entry of [`crate::registry`] (its
//! file and function), which a test checks.
//!
//! How to add an exercise: see `docs/MAINTAINING.md#adding-an-exercise`.
#![allow(non_snake_case)] // the lecture's names: dC, dW1, ...

/// The one list of backward passes. `backward_passes!(declare_backprop)`
/// declares the trait (here); `backward_passes!(implement_backprop Type
/// "name")` implements it by calling the functions of the modules in scope
/// (`exercises/mod.rs`, `solutions/mod.rs`).
#[doc(hidden)]
#[macro_export]
macro_rules! backward_passes {
    ($callback:ident $($args:tt)*) => {
        $crate::$callback! { ($($args)*)
        /// micrograd, `out = a + b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
        fn micrograd_add_backward(da: &mut f64, db: &mut f64, dout: f64) = micrograd::add_backward;
        /// micrograd, `out = a · b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
        fn micrograd_mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) = micrograd::mul_backward;
        /// micrograd, `out = a^k`, `k` constant: accumulates `da` (`exercises/micrograd.rs`).
        fn micrograd_pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) = micrograd::pow_backward;
        /// micrograd, `out = exp(a)`: accumulates `da` (`exercises/micrograd.rs`).
        fn micrograd_exp_backward(da: &mut f64, dout: f64, out: f64) = micrograd::exp_backward;
        /// micrograd, `out = tanh(a)`: accumulates `da` (`exercises/micrograd.rs`).
        fn micrograd_tanh_backward(da: &mut f64, dout: f64, out: f64) = micrograd::tanh_backward;
        /// micrograd, `out = relu(a)`: accumulates `da` (`exercises/micrograd.rs`).
        fn micrograd_relu_backward(da: &mut f64, dout: f64, out: f64) = micrograd::relu_backward;
        /// micrograd, `out = ln(a)`: accumulates `da` (`exercises/micrograd.rs`).
        fn micrograd_log_backward(da: &mut f64, dout: f64, a: f64) = micrograd::log_backward;
        /// The neural bigram: accumulates `dW` (`exercises/bigram.rs`).
        fn bigram_backward(
            dW: &mut ArrayRef2<f64>,
            f: &NeuralForward,
            data: &Bigrams,
            W: &ArrayRef2<f64>,
        ) = bigram::backward;

        /// Linear: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`).
        fn linear_backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef2<F>,
            x: &ArrayRef2<F>,
            layer: &Linear<F>,
        ) = linear::backward;
        /// Embedding: accumulates `dtable` (`exercises/embedding.rs`).
        fn embedding_backward<F: Float>(
            grads: &mut EmbeddingGrads<F>,
            dout: &ArrayRef3<F>,
            idx: &ArrayRef2<usize>,
        ) = embedding::backward;
        /// Tanh: accumulates `dx` (`exercises/tanh.rs`).
        fn tanh_backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            out: &ArrayRef<F, D>,
        ) = tanh::backward;
        /// BatchNorm1d, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; the lecture's exercise 3).
        fn batchnorm_backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut BatchNormGrads<F>,
            dout: &ArrayRef2<F>,
            cache: &BatchNormCache<F>,
            layer: &BatchNorm1d<F>,
        ) = batchnorm::backward;
        /// Cross-entropy: accumulates `dlogits` (`exercises/cross_entropy.rs`; the lecture's exercise 2).
        fn cross_entropy_backward<F: Float>(
            dlogits: &mut ArrayRef2<F>,
            dloss: F,
            cache: &CrossEntropyCache<F>,
            targets: &[usize],
        ) = cross_entropy::backward;

        /// FlattenConsecutive: accumulates `dx` (`exercises/flatten_consecutive.rs`; makemore part 5).
        fn flatten_consecutive_backward<F: Float>(
            dx: &mut ArrayRef3<F>,
            dout: &ArrayRef3<F>,
            layer: &FlattenConsecutive,
        ) = flatten_consecutive::backward;
        /// Linear on `(B, T, C)`: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`; makemore part 5).
        fn linear_backward_3d<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut LinearGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            layer: &Linear<F>,
        ) = linear::backward_3d;
        /// BatchNorm1d on `(B, T, H)`, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; makemore part 5).
        fn batchnorm_backward_3d<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut BatchNormGrads<F>,
            dout: &ArrayRef3<F>,
            cache: &BatchNormCache<F>,
            layer: &BatchNorm1d<F>,
        ) = batchnorm::backward_3d;
        /// Sequential: runs the layers' backward passes, `L`'s, in reverse
        /// (`exercises/sequential.rs`; makemore part 5).
        fn sequential_backward<L: Backprop, F: Float>(
            grads: &mut [LayerGrads<F>],
            douts: &mut [Array3<F>],
            cache: &SequentialCache<F>,
            model: &Sequential<F>,
        ) = sequential::backward;

        /// Exercise 1, `dlogprobs` (`exercises/step_by_step.rs`).
        fn dlogprobs(f: &Forward) -> Array2<f64> = step_by_step::dlogprobs;
        /// Exercise 1, `dprobs` (`exercises/step_by_step.rs`).
        fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64> = step_by_step::dprobs;
        /// Exercise 1, `dcounts_sum_inv` (`exercises/step_by_step.rs`).
        fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts_sum_inv;
        /// Exercise 1, `dcounts_sum` (`exercises/step_by_step.rs`).
        fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts_sum;
        /// Exercise 1, `dcounts` (`exercises/step_by_step.rs`).
        fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts;
        /// Exercise 1, `dnorm_logits` (`exercises/step_by_step.rs`).
        fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64> = step_by_step::dnorm_logits;
        /// Exercise 1, `dlogit_maxes` (`exercises/step_by_step.rs`).
        fn dlogit_maxes(f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64> = step_by_step::dlogit_maxes;
        /// Exercise 1, `dlogits` (`exercises/step_by_step.rs`).
        fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64> = step_by_step::dlogits;
        /// Exercise 1, `dh` (`exercises/step_by_step.rs`).
        fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> = step_by_step::dh;
        /// Exercise 1, `dW2` (`exercises/step_by_step.rs`).
        fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> = step_by_step::dW2;
        /// Exercise 1, `db2` (`exercises/step_by_step.rs`).
        fn db2(f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> = step_by_step::db2;
        /// Exercise 1, `dhpreact` (`exercises/step_by_step.rs`).
        fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64> = step_by_step::dhpreact;
        /// Exercise 1, `dbngain` (`exercises/step_by_step.rs`).
        fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbngain;
        /// Exercise 1, `dbnbias` (`exercises/step_by_step.rs`).
        fn dbnbias(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbnbias;
        /// Exercise 1, `dbnraw` (`exercises/step_by_step.rs`).
        fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbnraw;
        /// Exercise 1, `dbnvar_inv` (`exercises/step_by_step.rs`).
        fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64> = step_by_step::dbnvar_inv;
        /// Exercise 1, `dbnvar` (`exercises/step_by_step.rs`).
        fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> = step_by_step::dbnvar;
        /// Exercise 1, `dbndiff2` (`exercises/step_by_step.rs`).
        fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> = step_by_step::dbndiff2;
        /// Exercise 1, `dbndiff` (`exercises/step_by_step.rs`).
        fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64> = step_by_step::dbndiff;
        /// Exercise 1, `dbnmeani` (`exercises/step_by_step.rs`).
        fn dbnmeani(f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64> = step_by_step::dbnmeani;
        /// Exercise 1, `dhprebn` (`exercises/step_by_step.rs`).
        fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64> = step_by_step::dhprebn;
        /// Exercise 1, `dembcat` (`exercises/step_by_step.rs`).
        fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> = step_by_step::dembcat;
        /// Exercise 1, `dW1` (`exercises/step_by_step.rs`).
        fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> = step_by_step::dW1;
        /// Exercise 1, `db1` (`exercises/step_by_step.rs`).
        fn db1(f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64> = step_by_step::db1;
        /// Exercise 1, `demb` (`exercises/step_by_step.rs`).
        fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> = step_by_step::demb;
        /// Exercise 1, `dC` (`exercises/step_by_step.rs`).
        fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> = step_by_step::dC;
        // Lecture 7, "Let's build GPT": attention.
        /// The weighted average of the past, `out = wei @ x` with `wei` causal:
        /// accumulates `dwei`, `dx` (`exercises/weighted_average.rs`; lecture 7).
        fn weighted_average_backward<F: Float>(
            dwei: &mut ArrayRef3<F>,
            dx: &mut ArrayRef3<F>,
            dout: &ArrayRef3<F>,
            wei: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
        ) = weighted_average::backward;
        /// The causal softmax: accumulates `dscores` (`exercises/softmax.rs`; lecture 7).
        fn softmax_backward<F: Float>(
            dscores: &mut ArrayRef3<F>,
            datt: &ArrayRef3<F>,
            att: &ArrayRef3<F>,
        ) = softmax::backward;
        /// One head, `dv` (`exercises/head.rs`; lecture 7).
        fn head_dv(f: &$crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> = head::dv;
        /// One head, `datt` (`exercises/head.rs`; lecture 7).
        fn head_datt(f: &$crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> = head::datt;
        /// One head, `dscores` (`exercises/head.rs`; lecture 7).
        fn head_dscores(f: &$crate::layers::head::HeadForward<f64>, datt: &Array3<f64>) -> Array3<f64> = head::dscores;
        /// One head, `dq` (`exercises/head.rs`; lecture 7).
        fn head_dq(f: &$crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> = head::dq;
        /// One head, `dk` (`exercises/head.rs`; lecture 7).
        fn head_dk(f: &$crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> = head::dk;
        /// One head, `dx` (`exercises/head.rs`; lecture 7).
        fn head_dx(
            f: &$crate::layers::head::HeadForward<f64>,
            dq: &Array3<f64>,
            dk: &Array3<f64>,
            dv: &Array3<f64>,
        ) -> Array3<f64> = head::dx;
        /// Causal multi-head self-attention: accumulates `dx` and the gradients of
        /// `c_attn` and `c_proj`; `cache` lends its scratch space
        /// (`exercises/attention.rs`; lecture 7).
        fn attention_backward<F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut $crate::layers::attention::AttentionGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            cache: &mut $crate::layers::attention::AttentionCache<F>,
            layer: &$crate::layers::attention::CausalSelfAttention<F>,
        ) = attention::backward;
        // Lecture 7: the rest of the transformer, and AdamW.
        /// LayerNorm over the last axis: accumulates `dx`, `dweight`, `dbias` (`exercises/layernorm.rs`; lecture 7).
        fn layernorm_backward<F: Float>(
            dx: &mut ArrayRef2<F>,
            grads: &mut $crate::layers::layernorm::LayerNormGrads<F>,
            dout: &ArrayRef2<F>,
            cache: &$crate::layers::layernorm::LayerNormCache<F>,
            layer: &$crate::layers::layernorm::LayerNorm<F>,
        ) = layernorm::backward;
        /// ReLU: accumulates `dx` (`exercises/relu.rs`; lecture 7).
        fn relu_backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            out: &ArrayRef<F, D>,
        ) = relu::backward;
        /// GELU, tanh form: accumulates `dx` (`exercises/gelu.rs`; lecture 7).
        fn gelu_backward<F: Float, D: Dimension>(
            dx: &mut ArrayRef<F, D>,
            dout: &ArrayRef<F, D>,
            x: &ArrayRef<F, D>,
        ) = gelu::backward;
        /// Token + position embedding: accumulates `dwte`, `dwpe` (`exercises/position_embedding.rs`; lecture 7).
        fn position_embedding_backward<F: Float>(
            grads: &mut $crate::layers::position_embedding::PositionEmbeddingGrads<F>,
            dout: &ArrayRef3<F>,
            idx: &ArrayRef2<usize>,
        ) = position_embedding::backward;
        /// Cross-entropy over `(B, T, V)`, targets `-1` ignored: accumulates `dlogits` (`exercises/sequence_cross_entropy.rs`; lecture 7).
        fn sequence_cross_entropy_backward<F: Float>(
            dlogits: &mut ArrayRef3<F>,
            dloss: F,
            cache: &$crate::layers::sequence_cross_entropy::SequenceCrossEntropyCache<F>,
            targets: &ArrayRef2<i64>,
        ) = sequence_cross_entropy::backward;
        /// AdamW, step `t` of one parameter: updates `param`, `m`, `v` (`exercises/adamw.rs`; lecture 7).
        fn adamw_update<F: Float, D: Dimension>(
            param: &mut ArrayRef<F, D>,
            m: &mut ArrayRef<F, D>,
            v: &mut ArrayRef<F, D>,
            grad: &ArrayRef<F, D>,
            t: usize,
            hyper: &$crate::layers::adamw::AdamW,
        ) = adamw::update;
        /// The transformer block: runs `L`'s backward passes of its layers,
        /// accumulating `dx` and the parameters' gradients (`exercises/block.rs`; lecture 7).
        fn block_backward<L: Backprop, F: Float>(
            dx: &mut ArrayRef3<F>,
            grads: &mut $crate::layers::block::BlockGrads<F>,
            dout: &ArrayRef3<F>,
            x: &ArrayRef3<F>,
            cache: &mut $crate::layers::block::BlockCache<F>,
            block: &$crate::layers::block::Block<F>,
        ) = block::backward;
        }
    };
}

/// Declares [`Backprop`] and [`BACKWARD_PASSES`] from the list.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_backprop {
    (() $(
        $(#[$doc:meta])*
        fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
            = $module:ident :: $function:ident;
    )*) => {
        /// Every backward pass of the course, each a plain function of its inputs.
        pub trait Backprop {
            /// `"solutions"` or `"exercises"`.
            const NAME: &'static str;
            $(
                $(#[$doc])*
                fn $method $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)?;
            )*
        }

        /// Every backward pass of the list, in its order: the method of
        /// [`Backprop`] and the `module::function` that implements it in
        /// `exercises/` and `solutions/`. The registry's entries name the
        /// same functions (a test checks that the two agree).
        pub const BACKWARD_PASSES: &[$crate::backprop::BackwardPass] = &[$(
            $crate::backprop::BackwardPass {
                method: stringify!($method),
                module: stringify!($module),
                function: stringify!($function),
            },
        )*];
    };
}

/// One backward pass of the list: see [`BACKWARD_PASSES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackwardPass {
    /// Its method of [`Backprop`]: `gelu_backward`.
    pub method: &'static str,
    /// The module of `exercises/` and `solutions/`: `gelu`.
    pub module: &'static str,
    /// The function in that module: `backward`.
    pub function: &'static str,
}

/// Implements [`Backprop`] for a type from the list, calling
/// `module::function` for each entry, where `implement_backprop!(Type,
/// "name")` is invoked (the modules `micrograd`, `linear`, ... must be in
/// scope there).
#[doc(hidden)]
#[macro_export]
macro_rules! implement_backprop {
    ($ty:ident, $name:literal) => {
        $crate::backward_passes!(implement_backprop $ty $name);
    };
    (($ty:ident $name:literal) $(
        $(#[$doc:meta])*
        fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty_:ty),* $(,)?) $(-> $ret:ty)?
            = $module:ident :: $function:ident;
    )*) => {
        const _: () = {
            $crate::signature_types!();
            use $crate::backprop::Backprop;
            #[allow(non_snake_case)] // the lecture's names: dW, W, ...
            impl $crate::backprop::Backprop for $ty {
                const NAME: &'static str = $name;
                $(
                    fn $method $(<$($g: $bound),+>)? ($($arg: $ty_),*) $(-> $ret)? {
                        $module::$function $(::<$($g),+>)? ($($arg),*)
                    }
                )*
            }
        };
    };
}

/// The types the signatures name, in scope wherever the list expands.
#[doc(hidden)]
#[macro_export]
macro_rules! signature_types {
    () => {
        #[allow(unused_imports)]
        use ::ndarray::{Array1, Array2, Array3, ArrayRef, ArrayRef2, ArrayRef3, Dimension};
        #[allow(unused_imports)]
        use $crate::course::bigram::{Bigrams, NeuralForward};
        #[allow(unused_imports)]
        use $crate::course::step_by_step::Forward;
        #[allow(unused_imports)]
        use $crate::float::Float;
        #[allow(unused_imports)]
        use $crate::layers::batchnorm::{BatchNorm1d, BatchNormCache, BatchNormGrads};
        #[allow(unused_imports)]
        use $crate::layers::cross_entropy::CrossEntropyCache;
        #[allow(unused_imports)]
        use $crate::layers::embedding::EmbeddingGrads;
        #[allow(unused_imports)]
        use $crate::layers::flatten_consecutive::FlattenConsecutive;
        #[allow(unused_imports)]
        use $crate::layers::linear::{Linear, LinearGrads};
        #[allow(unused_imports)]
        use $crate::layers::sequential::{LayerGrads, Sequential, SequentialCache};
    };
}
signature_types!();
backward_passes!(declare_backprop);
