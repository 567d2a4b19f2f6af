//! # The registry: every exercise, once, in course order
//!
//! Like rustlings' `info.toml`, but in Rust and checked by the compiler: each
//! entry names an exercise, its chapter, the signature of the backward pass
//! the learner writes (and so the file and function they edit), the models
//! that need it, the grading case that grades it, its 2-D twin if it has
//! one, and its hints in levels (the rule, then the shapes, then the
//! expression in words). One list ([`registry_list!`](crate::registry_list))
//! makes [`REGISTRY`] (here), the [`Backprop`](crate::Backprop) trait and its
//! two implementations (`src/backprop.rs`), the grader's table of backward
//! passes ([`crate::grade::table`]) and the grading dispatch
//! ([`crate::grade::dispatch`]). This file is data: it names the grading
//! cases, the dispatch runs them. A variant of [`Exercise`] without an entry
//! does not compile (the dispatch is an exhaustive `match`), nor does an
//! entry whose function is missing on one side or has another signature.
//!
//! How to add an exercise: see `docs/MAINTAINING.md#adding-an-exercise`.

use crate::course::step_by_step::Var;
use crate::layers::head::HeadVar;
use crate::models::kind::ModelKind;

/// The operations that have a backward step of their own: one exercise each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    Add,
    Mul,
    Pow,
    Exp,
    Tanh,
    Relu,
    Log,
}

impl OpKind {
    /// In the order the lecture meets them (`log` last: it is ours).
    pub const ALL: [OpKind; 7] = [
        OpKind::Add,
        OpKind::Mul,
        OpKind::Pow,
        OpKind::Exp,
        OpKind::Tanh,
        OpKind::Relu,
        OpKind::Log,
    ];

    /// `"add"`, `"mul"`, ...
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Mul => "mul",
            OpKind::Pow => "pow",
            OpKind::Exp => "exp",
            OpKind::Tanh => "tanh",
            OpKind::Relu => "relu",
            OpKind::Log => "log",
        }
    }
}

/// One thing to grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exercise {
    /// The local backward step of one operation of the scalar engine.
    Micrograd(OpKind),
    /// The neural bigram's `dW`.
    Bigram,
    Linear,
    Embedding,
    Tanh,
    /// The lecture's exercise 2, as a layer.
    CrossEntropy,
    /// The lecture's exercise 3, as a layer.
    BatchNorm,
    /// One step of exercise 1.
    Step(Var),
    /// Exercise 1's steps chained end to end, each fed by the one before.
    Chain,
    /// Makemore part 5: fusing consecutive positions.
    FlattenConsecutive,
    /// Makemore part 5: Linear on `(B, T, C)`.
    Linear3d,
    /// Makemore part 5: BatchNorm1d on `(B, T, H)`, over axes 0 and 1.
    BatchNorm3d,
    /// Makemore part 5: the container's backward pass, on a small WaveNet.
    Sequential,
    /// Lecture 7: the weighted average of the past, `wei @ x`.
    WeightedAverage,
    /// Lecture 7: the causal softmax of the attention scores.
    Softmax,
    /// Lecture 7: one step of one attention head.
    Head(HeadVar),
    /// Lecture 7: causal multi-head self-attention.
    Attention,
    /// Lecture 7: LayerNorm over the last axis.
    LayerNorm,
    /// Lecture 7: the feed-forward's ReLU.
    Relu,
    /// Lecture 7 (GPT-2, makemore): GELU, tanh form.
    Gelu,
    /// Lecture 7: token + position embedding.
    PositionEmbedding,
    /// Lecture 7: cross-entropy over `(B, T, V)`, targets `-1` ignored.
    SequenceCrossEntropy,
    /// Lecture 7: the pre-norm transformer block.
    Block,
    /// Lecture 7: the AdamW update.
    AdamW,
    /// The tokenizer lecture: the adjacent pairs and their counts.
    BpeGetStats,
    /// The tokenizer lecture: one pair merged into a new id.
    BpeMerge,
    /// The tokenizer lecture: the merges learned from a text.
    BpeTrain,
    /// The tokenizer lecture: a text to ids, merges by rank.
    BpeEncode,
    /// The tokenizer lecture: ids to a text.
    BpeDecode,
    /// State of GPT, fine-tuning: a conversation's targets, masked to the answer.
    SftTargets,
    /// State of GPT, the reward model: the Bradley–Terry loss over pairs.
    BradleyTerry,
    /// State of GPT, the reward model: the scalar head read at the end token.
    RewardHead,
    /// State of GPT, RLHF: the summed log-probability of an answer's tokens.
    AnswerLogprob,
    /// State of GPT, RLHF: REINFORCE with a group baseline, per token.
    PolicyGradient,
    /// State of GPT, RLHF: the KL penalty to the frozen reference (`k1`, `k3`).
    KlPenalty,
    /// State of GPT: DPO on preference pairs.
    Dpo,
    /// State of GPT, RLHF: PPO's clipped surrogate.
    PpoClip,
}

/// The chapters of the course, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chapter {
    Micrograd,
    Bigram,
    Layers,
    BackpropNinja,
    WaveNet,
    Gpt,
    Tokenizer,
    Finetune,
    Rlhf,
}

impl Chapter {
    /// Every chapter, in course order.
    pub const ALL: [Chapter; 9] = [
        Chapter::Micrograd,
        Chapter::Bigram,
        Chapter::Layers,
        Chapter::BackpropNinja,
        Chapter::WaveNet,
        Chapter::Gpt,
        Chapter::Tokenizer,
        Chapter::Finetune,
        Chapter::Rlhf,
    ];

    /// The lecture it follows.
    pub fn title(self) -> &'static str {
        match self {
            Chapter::Micrograd => "micrograd (building micrograd)",
            Chapter::Bigram => "bigram (makemore part 1)",
            Chapter::Layers => "layers (makemore parts 2-4)",
            Chapter::BackpropNinja => "backprop ninja (makemore part 4: exercises 1-3)",
            Chapter::WaveNet => "WaveNet (makemore part 5)",
            Chapter::Gpt => "GPT (let's build GPT)",
            Chapter::Tokenizer => "tokenizer (let's build the GPT tokenizer)",
            Chapter::Finetune => "fine-tuning: SFT and the reward model (State of GPT)",
            Chapter::Rlhf => "RLHF: policy gradient, KL, DPO, PPO (State of GPT)",
        }
    }
}

/// One exercise's entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub exercise: Exercise,
    /// A path-like name: `micrograd::tanh`, `layers::linear`, `ex1::dcounts`.
    pub id: &'static str,
    pub chapter: Chapter,
    /// The file the learner edits: its backward pass's module in
    /// `exercises/`.
    pub file: &'static str,
    /// The function in that file: its backward pass's function.
    pub function: &'static str,
    /// The models that cannot train with `--impl exercises` until it is done.
    pub needed_by: &'static [ModelKind],
    /// The 2-D exercise a 3-D one generalises (`backward_3d` often calls
    /// `backward` on a reshape): when both are wrong, the 3-D grade says
    /// that the twin may be the cause.
    pub twin: Option<Exercise>,
    /// Hints in levels: the rule, the shapes, the expression in words.
    pub hints: &'static [&'static str],
}

/// An entry's `twin`: none unless it names one.
macro_rules! twin {
    () => {
        None
    };
    ($twin:ident) => {
        Some(Exercise::$twin)
    };
}

/// An entry's `file` or `function` as written, else as its `backward`
/// names it.
macro_rules! given_or {
    ([$given:literal] [$($derived:tt)*]) => {
        $given
    };
    ([] [$($derived:tt)*]) => {
        $($derived)*
    };
}

/// The one reader of the registry's entries: matches the list's grammar
/// (what [`registry_list!`](crate::registry_list) holds) once, and hands
/// `callback` two lists of flat records, one per entry and one per backward
/// pass, with every piece its products need already put together:
///
/// - `entries: [{ exercise: {…} id: "…" chapter: C file: {…} function: {…}
///   needed_by: [M, …] case: {cases::…} case_args: {arg, …} twin: {…}
///   hints: ["…", …] } …]`, for [`REGISTRY`] and the grading dispatch
///   (`declare_registry`, here);
/// - `passes: [{ doc: {…} sig: {fn method<…>(…) -> …} method: m
///   call: {module::function::<…>(…)} pointer: {fn(…) -> …}
///   instance: {::<…>} } …]`, for the [`Backprop`](crate::Backprop) trait,
///   its implementations and the grader's table (`declare_backprop`,
///   `implement_backprop`, `declare_backprop_table` in `src/backprop.rs`).
///
/// A product matches those records and nothing else: the grammar of an
/// entry is written here alone.
#[doc(hidden)]
#[macro_export]
macro_rules! registry_entries {
    (($callback:ident $($args:tt)*) $(
        $variant:ident $(($payload:path))? => {
            id: $id:literal,
            chapter: $chapter:ident,
            $(file: $file:literal, function: $function:literal,)?
            $(backward:
                $(#[$doc:meta])*
                fn $method:ident $(<$($g:ident: $bound:path),+>)? ($($param:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
                    = $module:ident :: $func:ident;
            )?
            needed_by: [$($model:ident),* $(,)?],
            graded_by: $($case:ident)::+ ($($arg:expr),* $(,)?),
            $(twin: $twin:ident,)?
            hints: [$($hint:literal),+ $(,)?],
        },
    )*) => {
        $crate::$callback! { ($($args)*)
            entries: [$({
                exercise: { Exercise::$variant $(($payload))? }
                id: $id
                chapter: $chapter
                file: { given_or!([$($file)?] [$(concat!("exercises/", stringify!($module), ".rs"))?]) }
                function: { given_or!([$($function)?] [$(stringify!($func))?]) }
                needed_by: [$($model),*]
                case: { $($case)::+ }
                case_args: { $($arg,)* }
                twin: { twin!($($twin)?) }
                hints: [$($hint),+]
            })*]
            passes: [$($({
                doc: { $(#[$doc])* }
                sig: { fn $method $(<$($g: $bound),+>)? ($($param: $ty),*) $(-> $ret)? }
                method: $method
                call: { $module::$func $(::<$($g),+>)? ($($param),*) }
                pointer: { fn($($ty),*) $(-> $ret)? }
                instance: { $(::<$($g),+>)? }
            })?)*]
        }
    };
}

/// Builds [`REGISTRY`] and the grading dispatch's `match` from the entries
/// ([`registry_entries!`](crate::registry_entries)).
#[doc(hidden)]
#[macro_export]
macro_rules! declare_registry {
    (()
        entries: [$({
            exercise: { $($exercise:tt)* }
            id: $id:literal
            chapter: $chapter:ident
            file: { $($file:tt)* }
            function: { $($function:tt)* }
            needed_by: [$($model:ident),*]
            case: { $($case:tt)* }
            case_args: { $($arg:tt)* }
            twin: { $($twin:tt)* }
            hints: [$($hint:literal),+]
        })*]
        passes: $passes:tt
    ) => {
        /// Every exercise, in course order.
        pub const REGISTRY: &[Entry] = &[$(
            Entry {
                exercise: $($exercise)*,
                id: $id,
                chapter: Chapter::$chapter,
                file: $($file)*,
                function: $($function)*,
                needed_by: &[$(ModelKind::$model),*],
                twin: $($twin)*,
                hints: &[$($hint),+],
            },
        )*];

        /// `grading_case!(bp, exercise, seed)`: the [`Outcome`] of the case
        /// that `exercise`'s entry names (`graded_by`), run on the backward
        /// passes of `bp` (a `&BackpropTable`). Expanded in
        /// `crate::grade::dispatch`, where the cases are in scope (`cases`,
        /// `OpKind`, `Var`, `HeadVar`); this file only names them.
        ///
        /// [`Outcome`]: crate::grade::Outcome
        macro_rules! grading_case {
            ($bp:expr, $exercise_:expr, $seed:expr) => {
                match $exercise_ {
                    $($($exercise)* => $($case)*($bp, $id, $($arg)* $seed),)*
                }
            };
        }
        pub(crate) use grading_case;
    };
}

/// The one list of exercises, in course order. Each entry: its [`Exercise`]
/// variant, `id`, `chapter`; `backward`, the signature of the backward
/// pass the learner writes and the `module::function` of `exercises/` and
/// `solutions/` that implements it (its `file` and `function`), or, for an
/// exercise that has none (the chain), `file` and `function` written out;
/// `needed_by`, the models that cannot train with `--impl exercises` until
/// it is done; `graded_by`, its grading case in `src/grade/cases/`; `twin`,
/// the 2-D exercise a 3-D one generalises; and three levels of `hints`.
///
/// `registry_list!(callback args…)` hands the entries, read once by
/// [`registry_entries!`](crate::registry_entries), to `callback`:
/// `declare_registry` builds [`REGISTRY`] and the grading dispatch (here),
/// `declare_backprop` the [`Backprop`](crate::Backprop) trait
/// (`src/backprop.rs`), `implement_backprop` its implementations
/// (`solutions/mod.rs`, the learner's `exercises/mod.rs`) and
/// `declare_backprop_table` the grader's table (`src/grade/table.rs`).
#[doc(hidden)]
#[macro_export]
macro_rules! registry_list {
    ($callback:ident $($args:tt)*) => {
        $crate::registry_entries! { ($callback $($args)*)
    Micrograd(OpKind::Add) => {
        id: "micrograd::add",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = a + b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
            fn micrograd_add_backward(da: &mut f64, db: &mut f64, dout: f64) = micrograd::add_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Add),
        hints: [
            "a plus node routes its gradient to both inputs unchanged",
            "da and db are plain f64 sums: add dout to each",
            "da += dout; db += dout",
        ],
    },
    Micrograd(OpKind::Mul) => {
        id: "micrograd::mul",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = a · b`: accumulates `da`, `db` (`exercises/micrograd.rs`).
            fn micrograd_mul_backward(da: &mut f64, db: &mut f64, dout: f64, a: f64, b: f64) = micrograd::mul_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Mul),
        hints: [
            "d(a·b)/da = b, and d(a·b)/db = a",
            "each input's gradient is dout times the other input",
            "da += b·dout; db += a·dout",
        ],
    },
    Micrograd(OpKind::Pow) => {
        id: "micrograd::pow",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = a^k`, `k` constant: accumulates `da` (`exercises/micrograd.rs`).
            fn micrograd_pow_backward(da: &mut f64, dout: f64, a: f64, k: f64) = micrograd::pow_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Pow),
        hints: [
            "the power rule: d(a^k)/da = k·a^(k-1)",
            "k is a constant: only a gets a gradient",
            "da += k·a^(k-1)·dout",
        ],
    },
    Micrograd(OpKind::Exp) => {
        id: "micrograd::exp",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = exp(a)`: accumulates `da` (`exercises/micrograd.rs`).
            fn micrograd_exp_backward(da: &mut f64, dout: f64, out: f64) = micrograd::exp_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Exp),
        hints: [
            "exp is its own derivative",
            "you already have exp(a): it is `out`",
            "da += out·dout",
        ],
    },
    Micrograd(OpKind::Tanh) => {
        id: "micrograd::tanh",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = tanh(a)`: accumulates `da` (`exercises/micrograd.rs`).
            fn micrograd_tanh_backward(da: &mut f64, dout: f64, out: f64) = micrograd::tanh_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Tanh),
        hints: [
            "d tanh(a)/da = 1 - tanh(a)^2",
            "tanh(a) is `out`",
            "da += (1 - out²)·dout",
        ],
    },
    Micrograd(OpKind::Relu) => {
        id: "micrograd::relu",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = relu(a)`: accumulates `da` (`exercises/micrograd.rs`).
            fn micrograd_relu_backward(da: &mut f64, dout: f64, out: f64) = micrograd::relu_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Relu),
        hints: [
            "relu passes the gradient where the unit is on, and blocks it where it is off",
            "the unit is on when out > 0",
            "da += dout if out > 0, else nothing",
        ],
    },
    Micrograd(OpKind::Log) => {
        id: "micrograd::log",
        chapter: Micrograd,
        backward:
            /// micrograd, `out = ln(a)`: accumulates `da` (`exercises/micrograd.rs`).
            fn micrograd_log_backward(da: &mut f64, dout: f64, a: f64) = micrograd::log_backward;
        needed_by: [],
        graded_by: cases::micrograd::op(OpKind::Log),
        hints: [
            "d ln(a)/da = 1/a",
            "only a gets a gradient",
            "da += dout / a",
        ],
    },
    Bigram => {
        id: "bigram::neural",
        chapter: Bigram,
        backward:
            /// The neural bigram: accumulates `dW` (`exercises/bigram.rs`).
            fn bigram_backward(
                dW: &mut ArrayRef2<f64>,
                f: &NeuralForward,
                data: &Bigrams,
                W: &ArrayRef2<f64>,
            ) = bigram::backward;
        needed_by: [Bigram],
        graded_by: cases::bigram::neural(),
        hints: [
            "softmax then the mean negative log-likelihood: dlogits = (probs - one_hot(ys)) / n, plus the regularisation's gradient",
            "dW (V, V) = xencᵀ (V, N) @ dlogits (N, V), where xenc is the one-hot of xs",
            "dlogits = probs with 1 subtracted at each target, divided by N; dW += xencᵀ @ dlogits + 2·REG·W",
        ],
    },
    Linear => {
        id: "layers::linear",
        chapter: Layers,
        backward:
            /// Linear: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`).
            fn linear_backward<F: Float>(
                dx: &mut ArrayRef2<F>,
                grads: &mut LinearGrads<F>,
                dout: &ArrayRef2<F>,
                x: &ArrayRef2<F>,
                layer: &Linear<F>,
            ) = linear::backward;
        needed_by: [Mlp, Gpt],
        graded_by: cases::layers::linear(),
        hints: [
            "each of x, w, b reaches the loss through the outputs it touches: sum over them",
            "dx (B, I) = (B, O)·(O, I); dw (I, O) = (I, B)·(B, O); db (O,) sums over the batch",
            "dx += dout @ wᵀ; dw += xᵀ @ dout; db += dout summed over axis 0",
        ],
    },
    Embedding => {
        id: "layers::embedding",
        chapter: Layers,
        backward:
            /// Embedding: accumulates `dtable` (`exercises/embedding.rs`).
            fn embedding_backward<F: Float>(
                grads: &mut EmbeddingGrads<F>,
                dout: &ArrayRef3<F>,
                idx: &ArrayRef2<usize>,
            ) = embedding::backward;
        needed_by: [Mlp, WaveNet, Deep, Gpt],
        graded_by: cases::layers::embedding(),
        hints: [
            "a lookup copies rows of the table: the gradient flows back to the rows that were looked up",
            "dtable (V, E); dout (B, T, E) holds one (E,) gradient per looked-up row idx[b, t]",
            "loop over idx: dtable[idx[b, t]] += dout[b, t] (a row used several times collects every gradient)",
        ],
    },
    Tanh => {
        id: "layers::tanh",
        chapter: Layers,
        backward:
            /// Tanh: accumulates `dx` (`exercises/tanh.rs`).
            fn tanh_backward<F: Float, D: Dimension>(
                dx: &mut ArrayRef<F, D>,
                dout: &ArrayRef<F, D>,
                out: &ArrayRef<F, D>,
            ) = tanh::backward;
        needed_by: [Mlp, WaveNet, Deep],
        graded_by: cases::layers::tanh(),
        hints: [
            "d tanh(x)/dx = 1 - tanh(x)^2",
            "element-wise: dx, dout and out all have the same shape",
            "dx += (1 - out²) ⊙ dout",
        ],
    },
    CrossEntropy => {
        id: "ex2::cross_entropy",
        chapter: BackpropNinja,
        backward:
            /// Cross-entropy: accumulates `dlogits` (`exercises/cross_entropy.rs`; the lecture's exercise 2).
            fn cross_entropy_backward<F: Float>(
                dlogits: &mut ArrayRef2<F>,
                dloss: F,
                cache: &CrossEntropyCache<F>,
                targets: &[usize],
            ) = cross_entropy::backward;
        needed_by: [Mlp, WaveNet, Deep],
        graded_by: cases::layers::cross_entropy(),
        hints: [
            "the gradient of the mean cross-entropy with respect to the logits is softmax minus one-hot, over n",
            "dlogits (n, V), like probs; subtract 1 at [i, target[i]]",
            "dlogits += dloss · (probs - one_hot(targets)) / n",
        ],
    },
    BatchNorm => {
        id: "ex3::batchnorm",
        chapter: BackpropNinja,
        backward:
            /// BatchNorm1d, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; the lecture's exercise 3).
            fn batchnorm_backward<F: Float>(
                dx: &mut ArrayRef2<F>,
                grads: &mut BatchNormGrads<F>,
                dout: &ArrayRef2<F>,
                cache: &BatchNormCache<F>,
                layer: &BatchNorm1d<F>,
            ) = batchnorm::backward;
        needed_by: [Mlp],
        graded_by: cases::layers::batchnorm(),
        hints: [
            "every x[i] reaches the loss directly and through the batch mean and variance (with Bessel's n-1)",
            "dgain, dbias (1, H) sum over the batch; dx (n, H) uses the column sums of dxhat and dxhat·xhat",
            "dx += gain·var_inv/n · (n·dxhat - Σdxhat - n/(n-1)·xhat·Σ(dxhat·xhat)), with dxhat = dout",
        ],
    },
    Step(Var::Logprobs) => {
        id: "ex1::dlogprobs",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dlogprobs` (`exercises/step_by_step.rs`).
            fn dlogprobs(f: &Forward) -> Array2<f64> = step_by_step::dlogprobs;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Logprobs),
        hints: [
            "only the n entries logprobs[i, Yb[i]] reach the loss, each with weight -1/n",
            "dlogprobs has the shape of logprobs, (n, V): zero everywhere but n entries (forward: `loss = -logprobs[range(n), Yb].mean()`)",
            "zeros of shape (n, V), with -1/n at [i, Yb[i]] for each row i",
        ],
    },
    Step(Var::Probs) => {
        id: "ex1::dprobs",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dprobs` (`exercises/step_by_step.rs`).
            fn dprobs(f: &Forward, dlogprobs: &Array2<f64>) -> Array2<f64> = step_by_step::dprobs;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Probs),
        hints: [
            "d ln(x)/dx = 1/x",
            "dprobs (n, V), element-wise from dlogprobs (n, V) (forward: `logprobs = probs.log()`)",
            "dlogprobs divided by probs, element by element",
        ],
    },
    Step(Var::CountsSumInv) => {
        id: "ex1::dcounts_sum_inv",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dcounts_sum_inv` (`exercises/step_by_step.rs`).
            fn dcounts_sum_inv(f: &Forward, dprobs: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts_sum_inv;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::CountsSumInv),
        hints: [
            "counts_sum_inv (n, 1) was broadcast over the columns: multiply, then sum over axis 1",
            "dcounts_sum_inv (n, 1): the product counts·dprobs is (n, V), so sum over axis 1 keeping the axis (forward: `probs = counts * counts_sum_inv`)",
            "(counts * dprobs) summed over axis 1, kept as a column",
        ],
    },
    Step(Var::CountsSum) => {
        id: "ex1::dcounts_sum",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dcounts_sum` (`exercises/step_by_step.rs`).
            fn dcounts_sum(f: &Forward, dcounts_sum_inv: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts_sum;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::CountsSum),
        hints: [
            "d x^-1/dx = -x^-2",
            "dcounts_sum (n, 1), element-wise from dcounts_sum_inv (n, 1) (forward: `counts_sum_inv = counts_sum**-1`)",
            "-counts_sum^-2 times dcounts_sum_inv",
        ],
    },
    Step(Var::Counts) => {
        id: "ex1::dcounts",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dcounts` (`exercises/step_by_step.rs`).
            fn dcounts(f: &Forward, dprobs: &Array2<f64>, dcounts_sum: &Array2<f64>) -> Array2<f64> = step_by_step::dcounts;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Counts),
        hints: [
            "counts is used twice (probs and counts_sum): add both paths",
            "dcounts (n, V): counts_sum_inv (n, 1) and dcounts_sum (n, 1) broadcast over the columns (forward: `probs = counts * counts_sum_inv; counts_sum = counts.sum(1)`)",
            "counts_sum_inv * dprobs, plus dcounts_sum broadcast to every column",
        ],
    },
    Step(Var::NormLogits) => {
        id: "ex1::dnorm_logits",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dnorm_logits` (`exercises/step_by_step.rs`).
            fn dnorm_logits(f: &Forward, dcounts: &Array2<f64>) -> Array2<f64> = step_by_step::dnorm_logits;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::NormLogits),
        hints: [
            "exp is its own derivative, and you already have exp(norm_logits)",
            "dnorm_logits (n, V), element-wise (forward: `counts = norm_logits.exp()`)",
            "counts * dcounts",
        ],
    },
    Step(Var::LogitMaxes) => {
        id: "ex1::dlogit_maxes",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dlogit_maxes` (`exercises/step_by_step.rs`).
            fn dlogit_maxes(f: &Forward, dnorm_logits: &Array2<f64>) -> Array2<f64> = step_by_step::dlogit_maxes;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::LogitMaxes),
        hints: [
            "logit_maxes (n, 1) was broadcast and subtracted; the answer should be ~0, why?",
            "dlogit_maxes (n, 1): sum the (n, V) upstream over axis 1 (forward: `norm_logits = logits - logit_maxes`)",
            "minus dnorm_logits summed over axis 1, kept as a column (about zero: the max only stabilises)",
        ],
    },
    Step(Var::Logits) => {
        id: "ex1::dlogits",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dlogits` (`exercises/step_by_step.rs`).
            fn dlogits(f: &Forward, dnorm_logits: &Array2<f64>, dlogit_maxes: &Array2<f64>) -> Array2<f64> = step_by_step::dlogits;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Logits),
        hints: [
            "two paths: through norm_logits, and through the max (a one-hot of each row's argmax)",
            "dlogits (n, V): the second path is (n, V) one-hot times dlogit_maxes (n, 1) (forward: `norm_logits = logits - logit_maxes; logit_maxes = logits.max(1)`)",
            "dnorm_logits, plus dlogit_maxes placed at each row's argmax",
        ],
    },
    Step(Var::H) => {
        id: "ex1::dh",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dh` (`exercises/step_by_step.rs`).
            fn dh(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> = step_by_step::dh;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::H),
        hints: [
            "a matmul: which product of dlogits and W2 has the shape of h?",
            "dh (n, H) = (n, V) @ (V, H) (forward: `logits = h @ W2 + b2`)",
            "dlogits @ W2 transposed",
        ],
    },
    Step(Var::W2) => {
        id: "ex1::dW2",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dW2` (`exercises/step_by_step.rs`).
            fn dW2(f: &Forward, dlogits: &Array2<f64>) -> Array2<f64> = step_by_step::dW2;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::W2),
        hints: [
            "a matmul: which product of h and dlogits has the shape of W2?",
            "dW2 (H, V) = (H, n) @ (n, V) (forward: `logits = h @ W2 + b2`)",
            "h transposed @ dlogits",
        ],
    },
    Step(Var::B2) => {
        id: "ex1::db2",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `db2` (`exercises/step_by_step.rs`).
            fn db2(f: &Forward, dlogits: &Array2<f64>) -> Array1<f64> = step_by_step::db2;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::B2),
        hints: [
            "b2 was broadcast down the batch",
            "db2 (V,): sum the (n, V) upstream over the batch axis (forward: `logits = h @ W2 + b2`)",
            "dlogits summed over axis 0",
        ],
    },
    Step(Var::Hpreact) => {
        id: "ex1::dhpreact",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dhpreact` (`exercises/step_by_step.rs`).
            fn dhpreact(f: &Forward, dh: &Array2<f64>) -> Array2<f64> = step_by_step::dhpreact;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Hpreact),
        hints: [
            "d tanh(x)/dx = 1 - tanh(x)^2, and tanh(x) is h",
            "dhpreact (n, H), element-wise (forward: `h = torch.tanh(hpreact)`)",
            "(1 - h²) * dh",
        ],
    },
    Step(Var::Bngain) => {
        id: "ex1::dbngain",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbngain` (`exercises/step_by_step.rs`).
            fn dbngain(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbngain;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bngain),
        hints: [
            "bngain (1, H) was broadcast down the batch: multiply, then sum over axis 0",
            "dbngain (1, H): the product bnraw·dhpreact is (n, H), summed over axis 0 keeping the axis (forward: `hpreact = bngain * bnraw + bnbias`)",
            "(bnraw * dhpreact) summed over axis 0, kept as a row",
        ],
    },
    Step(Var::Bnbias) => {
        id: "ex1::dbnbias",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbnbias` (`exercises/step_by_step.rs`).
            fn dbnbias(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbnbias;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bnbias),
        hints: [
            "bnbias (1, H) was broadcast down the batch",
            "dbnbias (1, H): sum (n, H) over axis 0 keeping the axis (forward: `hpreact = bngain * bnraw + bnbias`)",
            "dhpreact summed over axis 0, kept as a row",
        ],
    },
    Step(Var::Bnraw) => {
        id: "ex1::dbnraw",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbnraw` (`exercises/step_by_step.rs`).
            fn dbnraw(f: &Forward, dhpreact: &Array2<f64>) -> Array2<f64> = step_by_step::dbnraw;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bnraw),
        hints: [
            "hpreact = bngain * bnraw + bnbias",
            "dbnraw (n, H): bngain (1, H) broadcast (forward: `hpreact = bngain * bnraw + bnbias`)",
            "bngain * dhpreact",
        ],
    },
    Step(Var::BnvarInv) => {
        id: "ex1::dbnvar_inv",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbnvar_inv` (`exercises/step_by_step.rs`).
            fn dbnvar_inv(f: &Forward, dbnraw: &Array2<f64>) -> Array2<f64> = step_by_step::dbnvar_inv;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::BnvarInv),
        hints: [
            "bnvar_inv (1, H) was broadcast down the batch: multiply, then sum over axis 0",
            "dbnvar_inv (1, H): (n, H) summed over axis 0 keeping the axis (forward: `bnraw = bndiff * bnvar_inv`)",
            "(bndiff * dbnraw) summed over axis 0, kept as a row",
        ],
    },
    Step(Var::Bnvar) => {
        id: "ex1::dbnvar",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbnvar` (`exercises/step_by_step.rs`).
            fn dbnvar(f: &Forward, dbnvar_inv: &Array2<f64>) -> Array2<f64> = step_by_step::dbnvar;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bnvar),
        hints: [
            "d x^-1/2 / dx = -1/2 x^-3/2",
            "dbnvar (1, H), element-wise (forward: `bnvar_inv = (bnvar + 1e-5)**-0.5`)",
            "-0.5 (bnvar + 1e-5)^-1.5 times dbnvar_inv",
        ],
    },
    Step(Var::Bndiff2) => {
        id: "ex1::dbndiff2",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbndiff2` (`exercises/step_by_step.rs`).
            fn dbndiff2(f: &Forward, dbnvar: &Array2<f64>) -> Array2<f64> = step_by_step::dbndiff2;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bndiff2),
        hints: [
            "bnvar = 1/(n-1) * bndiff2.sum(0): every term gets the same share",
            "dbndiff2 (n, H): dbnvar (1, H) broadcast down the batch (forward: `bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)`)",
            "1/(n-1) times dbnvar, broadcast to (n, H)",
        ],
    },
    Step(Var::Bndiff) => {
        id: "ex1::dbndiff",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbndiff` (`exercises/step_by_step.rs`).
            fn dbndiff(f: &Forward, dbnraw: &Array2<f64>, dbndiff2: &Array2<f64>) -> Array2<f64> = step_by_step::dbndiff;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bndiff),
        hints: [
            "bndiff is used twice (bnraw and bndiff2): add both paths",
            "dbndiff (n, H): bnvar_inv (1, H) broadcast, plus an element-wise term (forward: `bnraw = bndiff * bnvar_inv; bndiff2 = bndiff**2`)",
            "bnvar_inv * dbnraw + 2 bndiff * dbndiff2",
        ],
    },
    Step(Var::Bnmeani) => {
        id: "ex1::dbnmeani",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dbnmeani` (`exercises/step_by_step.rs`).
            fn dbnmeani(f: &Forward, dbndiff: &Array2<f64>) -> Array2<f64> = step_by_step::dbnmeani;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Bnmeani),
        hints: [
            "bnmeani (1, H) was broadcast and subtracted",
            "dbnmeani (1, H): sum (n, H) over axis 0 keeping the axis (forward: `bndiff = hprebn - bnmeani`)",
            "minus dbndiff summed over axis 0, kept as a row",
        ],
    },
    Step(Var::Hprebn) => {
        id: "ex1::dhprebn",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dhprebn` (`exercises/step_by_step.rs`).
            fn dhprebn(f: &Forward, dbndiff: &Array2<f64>, dbnmeani: &Array2<f64>) -> Array2<f64> = step_by_step::dhprebn;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Hprebn),
        hints: [
            "hprebn is used twice (bndiff and bnmeani): add both paths",
            "dhprebn (n, H): dbnmeani (1, H) broadcast with a factor 1/n (forward: `bndiff = hprebn - bnmeani; bnmeani = 1/n * hprebn.sum(0)`)",
            "dbndiff + (1/n) dbnmeani broadcast down the batch",
        ],
    },
    Step(Var::Embcat) => {
        id: "ex1::dembcat",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dembcat` (`exercises/step_by_step.rs`).
            fn dembcat(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> = step_by_step::dembcat;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Embcat),
        hints: [
            "a matmul: which product of dhprebn and W1 has the shape of embcat?",
            "dembcat (n, block·E) = (n, H) @ (H, block·E) (forward: `hprebn = embcat @ W1 + b1`)",
            "dhprebn @ W1 transposed",
        ],
    },
    Step(Var::W1) => {
        id: "ex1::dW1",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dW1` (`exercises/step_by_step.rs`).
            fn dW1(f: &Forward, dhprebn: &Array2<f64>) -> Array2<f64> = step_by_step::dW1;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::W1),
        hints: [
            "a matmul: which product of embcat and dhprebn has the shape of W1?",
            "dW1 (block·E, H) = (block·E, n) @ (n, H) (forward: `hprebn = embcat @ W1 + b1`)",
            "embcat transposed @ dhprebn",
        ],
    },
    Step(Var::B1) => {
        id: "ex1::db1",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `db1` (`exercises/step_by_step.rs`).
            fn db1(f: &Forward, dhprebn: &Array2<f64>) -> Array1<f64> = step_by_step::db1;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::B1),
        hints: [
            "b1 was broadcast down the batch",
            "db1 (H,): sum (n, H) over the batch axis (forward: `hprebn = embcat @ W1 + b1`)",
            "dhprebn summed over axis 0 (about zero under BatchNorm: the mean is subtracted)",
        ],
    },
    Step(Var::Emb) => {
        id: "ex1::demb",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `demb` (`exercises/step_by_step.rs`).
            fn demb(f: &Forward, dembcat: &Array2<f64>) -> Array3<f64> = step_by_step::demb;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::Emb),
        hints: [
            "embcat is only a reshaped view of emb",
            "demb (n, block, E): the same numbers as dembcat (n, block·E), in emb's shape (forward: `embcat = emb.view(emb.shape[0], -1)`)",
            "dembcat reshaped to (n, block, E), axes in the same order",
        ],
    },
    Step(Var::C) => {
        id: "ex1::dC",
        chapter: BackpropNinja,
        backward:
            /// Exercise 1, `dC` (`exercises/step_by_step.rs`).
            fn dC(f: &Forward, demb: &Array3<f64>) -> Array2<f64> = step_by_step::dC;
        needed_by: [],
        graded_by: cases::step_by_step::step(Var::C),
        hints: [
            "a loop over Xb; rows of C used several times must add up",
            "dC (V, E): each of the n·block looked-up rows sends its (E,) gradient back to row Xb[i, t] (forward: `emb = C[Xb]`)",
            "for every i and t, add demb[i, t] to row Xb[i, t] of dC (+=, never =)",
        ],
    },
    Chain => {
        id: "ex1::chain",
        chapter: BackpropNinja,
        file: "exercises/step_by_step.rs",
        function: "dlogprobs … dC",
        needed_by: [],
        graded_by: cases::step_by_step::chain(),
        hints: [
            "nothing new to write: your 26 steps run end to end, each fed by the ones before",
            "if every step is right alone but the chain is not, a step reads an upstream gradient it should not",
            "fix the first step whose row is wrong; the chain follows",
        ],
    },
    FlattenConsecutive => {
        id: "wavenet::flatten_consecutive",
        chapter: WaveNet,
        backward:
            /// FlattenConsecutive: accumulates `dx` (`exercises/flatten_consecutive.rs`; makemore part 5).
            fn flatten_consecutive_backward<F: Float>(
                dx: &mut ArrayRef3<F>,
                dout: &ArrayRef3<F>,
                layer: &FlattenConsecutive,
            ) = flatten_consecutive::backward;
        needed_by: [WaveNet, Deep],
        graded_by: cases::wavenet::flatten_consecutive(),
        hints: [
            "the forward pass only moves numbers: send each gradient back to the time step it came from",
            "dx (B, T, C); dout (B, T/n, C·n): n consecutive steps side by side",
            "dx += dout reshaped to (B, T, C), the inverse of the forward's view",
        ],
    },
    Linear3d => {
        id: "wavenet::linear_3d",
        chapter: WaveNet,
        backward:
            /// Linear on `(B, T, C)`: accumulates `dx`, `dw`, `db` (`exercises/linear.rs`; makemore part 5).
            fn linear_backward_3d<F: Float>(
                dx: &mut ArrayRef3<F>,
                grads: &mut LinearGrads<F>,
                dout: &ArrayRef3<F>,
                x: &ArrayRef3<F>,
                layer: &Linear<F>,
            ) = linear::backward_3d;
        needed_by: [WaveNet, Deep, Gpt],
        graded_by: cases::wavenet::linear_3d(),
        twin: Linear,
        hints: [
            "the weight is shared by every position of every example: its gradient sums over both",
            "(B, T, I) seen as (B·T, I) rows: the 2-D formulas apply",
            "call the 2-D backward on the (B·T, ·) views of dx, dout and x",
        ],
    },
    BatchNorm3d => {
        id: "wavenet::batchnorm_3d",
        chapter: WaveNet,
        backward:
            /// BatchNorm1d on `(B, T, H)`, training mode: accumulates `dx`, `dgain`, `dbias` (`exercises/batchnorm.rs`; makemore part 5).
            fn batchnorm_backward_3d<F: Float>(
                dx: &mut ArrayRef3<F>,
                grads: &mut BatchNormGrads<F>,
                dout: &ArrayRef3<F>,
                cache: &BatchNormCache<F>,
                layer: &BatchNorm1d<F>,
            ) = batchnorm::backward_3d;
        needed_by: [WaveNet, Deep],
        graded_by: cases::wavenet::batchnorm_3d(),
        twin: BatchNorm,
        hints: [
            "the statistics run over axes 0 and 1: every position of every example is one more sample",
            "n = B·T; (B, T, H) seen as (B·T, H)",
            "the 2-D formula on the (B·T, H) views",
        ],
    },
    Sequential => {
        id: "wavenet::sequential",
        chapter: WaveNet,
        backward:
            /// Sequential: runs the layers' backward passes, `L`'s, in reverse
            /// (`exercises/sequential.rs`; makemore part 5).
            fn sequential_backward<L: Backprop, F: Float>(
                grads: &mut [LayerGrads<F>],
                douts: &mut [Array3<F>],
                cache: &SequentialCache<F>,
                model: &Sequential<F>,
            ) = sequential::backward;
        needed_by: [WaveNet, Deep],
        graded_by: cases::wavenet::sequential(),
        hints: [
            "the chain rule through a stack: the layers' backward passes in reverse order",
            "layer i reads douts[i+1] (its output's gradient) and writes douts[i] and grads[i]",
            "for i from last to first: L's backward for layers[i], from douts[i + 1] into douts[i] and grads[i]",
        ],
    },
    WeightedAverage => {
        id: "gpt::weighted_average",
        chapter: Gpt,
        backward:
            /// The weighted average of the past, `out = wei @ x` with `wei` causal:
            /// accumulates `dwei`, `dx` (`exercises/weighted_average.rs`; lecture 7).
            fn weighted_average_backward<F: Float>(
                dwei: &mut ArrayRef3<F>,
                dx: &mut ArrayRef3<F>,
                dout: &ArrayRef3<F>,
                wei: &ArrayRef3<F>,
                x: &ArrayRef3<F>,
            ) = weighted_average::backward;
        needed_by: [],
        graded_by: cases::attention::weighted_average(),
        hints: [
            "out = wei @ x is a batched matmul: the Linear rule, once per batch element",
            "dwei (B, T, T) = dout (B, T, C) @ xᵀ (B, C, T); dx (B, T, C) = weiᵀ (B, T, T) @ dout (B, T, C)",
            "dwei += dout @ xᵀ, kept only on and below the diagonal (the future was never read); dx += weiᵀ @ dout",
        ],
    },
    Softmax => {
        id: "gpt::softmax",
        chapter: Gpt,
        backward:
            /// The causal softmax: accumulates `dscores` (`exercises/softmax.rs`; lecture 7).
            fn softmax_backward<F: Float>(
                dscores: &mut ArrayRef3<F>,
                datt: &ArrayRef3<F>,
                att: &ArrayRef3<F>,
            ) = softmax::backward;
        needed_by: [],
        graded_by: cases::attention::softmax(),
        hints: [
            "the softmax's Jacobian-vector product: each output depends on every score of its row",
            "dscores (B, T, T) like att; the row sum Σ_j att·datt is (B, T, 1), broadcast over the row",
            "dscores += att ⊙ (datt − Σ_row att ⊙ datt); masked scores (att = 0) get 0 by themselves",
        ],
    },
    Head(HeadVar::V) => {
        id: "gpt::head::dv",
        chapter: Gpt,
        backward:
            /// One head, `dv` (`exercises/head.rs`; lecture 7).
            fn head_dv(f: &$crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> = head::dv;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::V),
        hints: [
            "the Linear rule with att as the weights: out = att @ v",
            "dv (B, T, hs) = attᵀ (B, T, T) @ dout (B, T, hs)",
            "attᵀ @ dout",
        ],
    },
    Head(HeadVar::Att) => {
        id: "gpt::head::datt",
        chapter: Gpt,
        backward:
            /// One head, `datt` (`exercises/head.rs`; lecture 7).
            fn head_datt(f: &$crate::layers::head::HeadForward<f64>, dout: &Array3<f64>) -> Array3<f64> = head::datt;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::Att),
        hints: [
            "out = att @ v: the other operand's gradient",
            "datt (B, T, T) = dout (B, T, hs) @ vᵀ (B, hs, T)",
            "dout @ vᵀ, with 0 above the diagonal (never read)",
        ],
    },
    Head(HeadVar::Scores) => {
        id: "gpt::head::dscores",
        chapter: Gpt,
        backward:
            /// One head, `dscores` (`exercises/head.rs`; lecture 7).
            fn head_dscores(f: &$crate::layers::head::HeadForward<f64>, datt: &Array3<f64>) -> Array3<f64> = head::dscores;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::Scores),
        hints: [
            "through the causal softmax: att ⊙ (datt − row sum of att ⊙ datt)",
            "dscores (B, T, T), the row sums (B, T, 1)",
            "att ⊙ (datt − Σ_row att ⊙ datt)",
        ],
    },
    Head(HeadVar::Q) => {
        id: "gpt::head::dq",
        chapter: Gpt,
        backward:
            /// One head, `dq` (`exercises/head.rs`; lecture 7).
            fn head_dq(f: &$crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> = head::dq;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::Q),
        hints: [
            "scores = q @ kᵀ · head_size^-0.5: the Linear rule, and the scale",
            "dq (B, T, hs) = dscores (B, T, T) @ k (B, T, hs), times the scale",
            "scale · dscores @ k",
        ],
    },
    Head(HeadVar::K) => {
        id: "gpt::head::dk",
        chapter: Gpt,
        backward:
            /// One head, `dk` (`exercises/head.rs`; lecture 7).
            fn head_dk(f: &$crate::layers::head::HeadForward<f64>, dscores: &Array3<f64>) -> Array3<f64> = head::dk;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::K),
        hints: [
            "scores = q @ kᵀ · scale: k sits transposed, so its gradient is too",
            "dk (B, T, hs) = dscoresᵀ (B, T, T) @ q (B, T, hs), times the scale",
            "scale · dscoresᵀ @ q",
        ],
    },
    Head(HeadVar::X) => {
        id: "gpt::head::dx",
        chapter: Gpt,
        backward:
            /// One head, `dx` (`exercises/head.rs`; lecture 7).
            fn head_dx(
                f: &$crate::layers::head::HeadForward<f64>,
                dq: &Array3<f64>,
                dk: &Array3<f64>,
                dv: &Array3<f64>,
            ) -> Array3<f64> = head::dx;
        needed_by: [],
        graded_by: cases::attention::head_step(HeadVar::X),
        hints: [
            "x is used three times (q, k, v): add the three paths",
            "each path is a Linear backward: dq @ wqᵀ (B, T, hs)·(hs, C) = (B, T, C)",
            "dq @ wqᵀ + dk @ wkᵀ + dv @ wvᵀ",
        ],
    },
    Attention => {
        id: "gpt::attention",
        chapter: Gpt,
        backward:
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
        needed_by: [Gpt],
        graded_by: cases::attention::attention(),
        hints: [
            "undo the forward in reverse: c_proj's Linear, then each head (softmax and two matmuls), then c_attn's Linear",
            "qkv (B, T, 3C) splits into q | k | v, each (B, T, C) = n_head heads of head_size columns; att (B, nh, T, T)",
            "dy from c_proj's backward; per head dv = attᵀ @ dy_h, datt = dy_h @ vᵀ, dscores through the softmax, dq, dk with the scale; then c_attn's backward from dqkv",
        ],
    },
    LayerNorm => {
        id: "gpt::layernorm",
        chapter: Gpt,
        backward:
            /// LayerNorm over the last axis: accumulates `dx`, `dweight`, `dbias` (`exercises/layernorm.rs`; lecture 7).
            fn layernorm_backward<F: Float>(
                dx: &mut ArrayRef2<F>,
                grads: &mut $crate::layers::layernorm::LayerNormGrads<F>,
                dout: &ArrayRef2<F>,
                cache: &$crate::layers::layernorm::LayerNormCache<F>,
                layer: &$crate::layers::layernorm::LayerNorm<F>,
            ) = layernorm::backward;
        needed_by: [Gpt],
        graded_by: cases::gpt::layernorm(),
        hints: [
            "BatchNorm's exercise 3, over the last axis instead of the batch, with the biased variance (1/C)",
            "dweight, dbias (C,) sum over the rows; dx (N, C) uses each row's mean of dxhat and of dxhat·xhat",
            "dxhat = dout·weight; dx += rstd · (dxhat − mean_row(dxhat) − xhat · mean_row(dxhat·xhat))",
        ],
    },
    Relu => {
        id: "gpt::relu",
        chapter: Gpt,
        backward:
            /// ReLU: accumulates `dx` (`exercises/relu.rs`; lecture 7).
            fn relu_backward<F: Float, D: Dimension>(
                dx: &mut ArrayRef<F, D>,
                dout: &ArrayRef<F, D>,
                out: &ArrayRef<F, D>,
            ) = relu::backward;
        needed_by: [Gpt],
        graded_by: cases::gpt::relu(),
        hints: [
            "on each side of the kink ReLU is a line: slope 1 or 0",
            "element-wise: dx, dout and out have one shape",
            "dx += dout where out > 0",
        ],
    },
    Gelu => {
        id: "gpt::gelu",
        chapter: Gpt,
        backward:
            /// GELU, tanh form: accumulates `dx` (`exercises/gelu.rs`; lecture 7).
            fn gelu_backward<F: Float, D: Dimension>(
                dx: &mut ArrayRef<F, D>,
                dout: &ArrayRef<F, D>,
                x: &ArrayRef<F, D>,
            ) = gelu::backward;
        needed_by: [Gpt],
        graded_by: cases::gpt::gelu(),
        hints: [
            "gelu(x) = 0.5·x·(1 + tanh(u)), u = √(2/π)(x + 0.044715 x³): a product, so the product rule",
            "element-wise: dx, dout and x have one shape",
            "dx += dout · (0.5(1 + tanh u) + 0.5 x (1 − tanh² u) √(2/π)(1 + 3·0.044715 x²))",
        ],
    },
    PositionEmbedding => {
        id: "gpt::position_embedding",
        chapter: Gpt,
        backward:
            /// Token + position embedding: accumulates `dwte`, `dwpe` (`exercises/position_embedding.rs`; lecture 7).
            fn position_embedding_backward<F: Float>(
                grads: &mut $crate::layers::position_embedding::PositionEmbeddingGrads<F>,
                dout: &ArrayRef3<F>,
                idx: &ArrayRef2<usize>,
            ) = position_embedding::backward;
        needed_by: [Gpt],
        graded_by: cases::gpt::position_embedding(),
        hints: [
            "x[b, t] = wte[idx[b, t]] + wpe[t]: an addition sends dout to both tables",
            "dwte (V, C) scatter-adds (B, T, C) rows; dwpe (T, C) sums dout over the batch axis",
            "dwte[idx[b, t]] += dout[b, t] for every b, t; dwpe += dout summed over axis 0",
        ],
    },
    SequenceCrossEntropy => {
        id: "gpt::cross_entropy",
        chapter: Gpt,
        backward:
            /// Cross-entropy over `(B, T, V)`, targets `-1` ignored: accumulates `dlogits` (`exercises/sequence_cross_entropy.rs`; lecture 7).
            fn sequence_cross_entropy_backward<F: Float>(
                dlogits: &mut ArrayRef3<F>,
                dloss: F,
                cache: &$crate::layers::sequence_cross_entropy::SequenceCrossEntropyCache<F>,
                targets: &ArrayRef2<i64>,
            ) = sequence_cross_entropy::backward;
        needed_by: [Gpt],
        graded_by: cases::gpt::cross_entropy(),
        hints: [
            "exercise 2 on every position: softmax minus one-hot, over the number of counted targets",
            "dlogits (B, T, V); positions with target −1 get nothing and are not counted in the mean",
            "for each counted position: dlogits += dloss · (probs − one_hot(target)) / count",
        ],
    },
    Block => {
        id: "gpt::block",
        chapter: Gpt,
        backward:
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
        needed_by: [Gpt],
        graded_by: cases::gpt::block(),
        hints: [
            "x1 = x + attn(ln_1(x)); out = x1 + mlp(ln_2(x1)): each addition hands its gradient to both paths",
            "every gradient of the residual stream is (B, T, C); run the layers' backward passes in reverse",
            "dx1 = dout + ln_2's backward of mlp's backward of dout; dx += dx1 + ln_1's backward of attn's backward of dx1",
        ],
    },
    AdamW => {
        id: "gpt::adamw",
        chapter: Gpt,
        backward:
            /// AdamW, step `t` of one parameter: updates `param`, `m`, `v` (`exercises/adamw.rs`; lecture 7).
            fn adamw_update<F: Float, D: Dimension>(
                param: &mut ArrayRef<F, D>,
                m: &mut ArrayRef<F, D>,
                v: &mut ArrayRef<F, D>,
                grad: &ArrayRef<F, D>,
                t: usize,
                hyper: &$crate::layers::adamw::AdamW,
            ) = adamw::update;
        needed_by: [Gpt],
        graded_by: cases::gpt::adamw(),
        hints: [
            "AdamW: moving averages of the gradient and its square, bias-corrected, and decay applied to the weight itself",
            "m, v, param and grad all have one shape; t counts steps from 1",
            "p −= lr·wd·p; m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr · (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε)",
        ],
    },
    BpeGetStats => {
        id: "tokenizer::get_stats",
        chapter: Tokenizer,
        backward:
            /// BPE: every adjacent pair and its count, in order of first occurrence (`exercises/bpe.rs`; the tokenizer lecture).
            fn bpe_get_stats(ids: &[u32]) -> Vec<((u32, u32), usize)> = bpe::get_stats;
        needed_by: [],
        graded_by: cases::tokenizer::get_stats(),
        hints: [
            "count every adjacent position: ids.windows(2); [a, a, a] holds the pair (a, a) twice",
            "the result is a Vec of ((left, right), count): a pair seen before adds 1 to its entry, a new pair is pushed at the end, so the pairs come in the order they first occur (as a Python dict keeps its keys)",
            "keep a HashMap from pair to its index in the Vec; for each window (w[0], w[1]): if the map has it, add 1 to stats[index].1, else remember stats.len() and push (pair, 1)",
        ],
    },
    BpeMerge => {
        id: "tokenizer::merge",
        chapter: Tokenizer,
        backward:
            /// BPE: one pair replaced by a new id, left to right, without overlap (`exercises/bpe.rs`; the tokenizer lecture).
            fn bpe_merge(ids: &[u32], pair: (u32, u32), idx: u32) -> Vec<u32> = bpe::merge;
        needed_by: [],
        graded_by: cases::tokenizer::merge(),
        hints: [
            "a merge consumes both ids of the pair it replaces: merges never overlap, so [a, a, a] becomes [Z, a], not [Z, Z]",
            "the output is a new Vec, at most as long as ids; the last id has no right neighbour and is copied as it is",
            "with i from 0: if i + 1 < ids.len() and (ids[i], ids[i + 1]) == pair, push idx and add 2 to i; else push ids[i] and add 1",
        ],
    },
    BpeTrain => {
        id: "tokenizer::train",
        chapter: Tokenizer,
        backward:
            /// BPE: `vocab_size - 256` merges learned from a text, ids from 256 (`exercises/bpe.rs`; the tokenizer lecture).
            fn bpe_train(text: &str, vocab_size: usize) -> Vec<((u32, u32), u32)> = bpe::train;
        needed_by: [],
        graded_by: cases::tokenizer::train(),
        hints: [
            "repeat vocab_size - 256 times: count the pairs, merge the most frequent into a new id; stop early when no pair is left",
            "the ids start as text.bytes() as u32; merge k (from 0) makes id 256 + k; on a tie the pair that occurs first wins, as Python's max over a dict",
            "for k in 0..vocab_size - 256: stats = get_stats(&ids); best = the first entry with the largest count (replace it only on a strictly larger count); ids = merge(&ids, best, 256 + k); push (best, 256 + k)",
        ],
    },
    BpeEncode => {
        id: "tokenizer::encode",
        chapter: Tokenizer,
        backward:
            /// BPE: a text to ids, the present pair learned first merged over and over (`exercises/bpe.rs`; the tokenizer lecture).
            fn bpe_encode(text: &str, merges: &[((u32, u32), u32)]) -> Vec<u32> = bpe::encode;
        needed_by: [],
        graded_by: cases::tokenizer::encode(),
        hints: [
            "encoding replays training: among the pairs present, merge the one learned first (the lowest id), not the most frequent; repeat until no present pair was learned",
            "merges is in the order it was learned, each (pair, id); a HashMap from pair to id gives each present pair's rank",
            "ids = bytes; loop: of the pairs of get_stats(&ids) that have an id in the map, take the one of lowest id (break if none); ids = merge(&ids, pair, id)",
        ],
    },
    BpeDecode => {
        id: "tokenizer::decode",
        chapter: Tokenizer,
        backward:
            /// BPE: ids to a text, invalid UTF-8 replaced (`exercises/bpe.rs`; the tokenizer lecture).
            fn bpe_decode(ids: &[u32], merges: &[((u32, u32), u32)]) -> String = bpe::decode;
        needed_by: [],
        graded_by: cases::tokenizer::decode(),
        hints: [
            "each id stands for bytes: 0..256 for itself, a merge for its pair's bytes concatenated; the text is all of them, read as UTF-8",
            "a token can end inside a multi-byte character, and ids need not make valid UTF-8: replace what is invalid (String::from_utf8_lossy), do not panic",
            "vocab: a map id -> Vec<u8>, bytes b -> [b], then for ((a, b), id) in merges, in order, vocab[id] = vocab[a] ++ vocab[b]; concatenate vocab[id] for each id; String::from_utf8_lossy(&bytes).into_owned()",
        ],
    },
    SftTargets => {
        id: "finetune::sft_targets",
        chapter: Finetune,
        backward:
            /// SFT: a conversation's inputs and targets, the loss on the answer and its end token alone (`exercises/sft_targets.rs`; State of GPT).
            fn sft_targets(ids: &[usize], mask: &[u8]) -> (Vec<usize>, Vec<i64>) = sft_targets::targets;
        needed_by: [],
        graded_by: cases::finetune::sft_targets(),
        hints: [
            "as in pretraining, position t predicts token t + 1; the mask says which tokens are the answer's, so it goes with the token predicted: target t counts when mask[t + 1] is 1",
            "T + 1 tokens in, T inputs and T targets out: inputs ids[..T]; a target is ids[t + 1] or -1 (ignored); the position before the answer predicts its first token, the last answer token predicts <|assistant_end|>",
            "let t = ids.len() - 1; idx = ids[..t].to_vec(); targets = (0..t).map(|i| if mask[i + 1] == 1 { ids[i + 1] as i64 } else { -1 }).collect()",
        ],
    },
    BradleyTerry => {
        id: "finetune::bradley_terry",
        chapter: Finetune,
        backward:
            /// The Bradley–Terry loss over `N` pairs: accumulates `dr_chosen`,
            /// `dr_rejected` (`exercises/bradley_terry.rs`; State of GPT, the reward model).
            fn bradley_terry_backward<F: Float>(
                dr_chosen: &mut ::ndarray::ArrayRef1<F>,
                dr_rejected: &mut ::ndarray::ArrayRef1<F>,
                dloss: F,
                r_chosen: &::ndarray::ArrayRef1<F>,
                r_rejected: &::ndarray::ArrayRef1<F>,
            ) = bradley_terry::backward;
        needed_by: [Reward],
        graded_by: cases::finetune::bradley_terry(),
        hints: [
            "the loss is −log σ(Δ) per pair, averaged, with Δ = r_c − r_r; d/dz log σ(z) = σ(−z)",
            "dr_chosen and dr_rejected are (N,), one entry per pair; the mean divides by N",
            "with s = σ(r_r − r_c): dr_chosen −= dloss·s/N, dr_rejected += dloss·s/N",
        ],
    },
    RewardHead => {
        id: "finetune::reward_head",
        chapter: Finetune,
        backward:
            /// The reward head `Linear(C, 1)` read at each row's end token: accumulates
            /// `dx`, `dw`, `db` (`exercises/reward_head.rs`; State of GPT, the reward model).
            fn reward_head_backward<F: Float>(
                dx: &mut ArrayRef3<F>,
                grads: &mut LinearGrads<F>,
                dr: &::ndarray::ArrayRef1<F>,
                x: &ArrayRef3<F>,
                end: &[usize],
                head: &Linear<F>,
            ) = reward_head::backward;
        needed_by: [Reward],
        graded_by: cases::finetune::reward_head(),
        hints: [
            "a gather, then a Linear(C, 1): the gather's gradient goes back only to the positions it read",
            "dx (B, T, C) gets one row of C per sequence, at end[b]; dw (C, 1) and db (1,) sum over the B sequences",
            "for each b: dx[b, end[b]] += dr[b]·w[:, 0]; dw[:, 0] += dr[b]·x[b, end[b]]; db[0] += dr[b]",
        ],
    },
    AnswerLogprob => {
        id: "rlhf::answer_logprob",
        chapter: Rlhf,
        backward:
            /// The summed log-probability of an answer's tokens: accumulates `dlogits` (`exercises/answer_logprob.rs`; State of GPT).
            fn answer_logprob_backward<F: Float>(
                dlogits: &mut ArrayRef3<F>,
                ds: &::ndarray::ArrayRef1<F>,
                cache: &$crate::layers::answer_logprob::AnswerLogprobCache<F>,
                tokens: &ArrayRef2<usize>,
                mask: &ArrayRef2<bool>,
            ) = answer_logprob::backward;
        needed_by: [],
        graded_by: cases::rlhf::answer_logprob(),
        hints: [
            "log softmax at the token: its derivative is one-hot minus probs, the cross-entropy's with the opposite sign; s sums it over the answer's positions",
            "dlogits (N, T, V); ds (N,) is one number per answer, shared by its positions; prompt and padding positions (mask false) get nothing",
            "at each position with mask true: dlogits[n, t] += ds[n] · (one_hot(tokens[n, t]) − probs[n, t]); no mean, it is a sum",
        ],
    },
    PolicyGradient => {
        id: "rlhf::policy_gradient",
        chapter: Rlhf,
        backward:
            /// REINFORCE with a group baseline, a mean over answer tokens: accumulates `dlogp` (`exercises/policy_gradient.rs`; State of GPT).
            fn policy_gradient_backward<F: Float>(
                dlogp: &mut ArrayRef2<F>,
                dloss: F,
                rewards: &::ndarray::ArrayRef1<F>,
                mask: &ArrayRef2<bool>,
                pg: &$crate::layers::policy_gradient::PolicyGradient,
            ) = policy_gradient::backward;
        needed_by: [],
        graded_by: cases::rlhf::policy_gradient(),
        hints: [
            "the advantages are constants (rewards from the reward model), so the loss is linear in logp: each token's gradient is its coefficient",
            "dlogp (N, T); A (N,) is one number per answer: r minus its group's mean (policy_gradient::advantages); M counts the mask's true entries",
            "at each answer token: dlogp[n, t] += −dloss · A[n] / M; nothing at the prompt's tokens",
        ],
    },
    KlPenalty => {
        id: "rlhf::kl_penalty",
        chapter: Rlhf,
        backward:
            /// The KL penalty to the frozen reference, `k1` or `k3`, a mean over answer tokens: accumulates `dlogp` (`exercises/kl_penalty.rs`; State of GPT).
            fn kl_penalty_backward<F: Float>(
                dlogp: &mut ArrayRef2<F>,
                dloss: F,
                logp: &ArrayRef2<F>,
                logp_ref: &ArrayRef2<F>,
                mask: &ArrayRef2<bool>,
                estimator: $crate::layers::kl_penalty::KlEstimator,
            ) = kl_penalty::backward;
        needed_by: [],
        graded_by: cases::rlhf::kl_penalty(),
        hints: [
            "the reference is frozen: differentiate each token's k with respect to logp alone; k3 goes through u = logp_ref − logp, whose derivative is −1",
            "dlogp (N, T); ∂k1/∂logp = 1 and ∂k3/∂logp = 1 − exp(logp_ref − logp) at each token; M counts the mask's true entries",
            "at each answer token: dlogp[n, t] += dloss · ∂k/∂logp / M; nothing at the prompt's tokens, nothing for logp_ref",
        ],
    },
    Dpo => {
        id: "rlhf::dpo",
        chapter: Rlhf,
        backward:
            /// DPO, `−log σ(β[(s_w − s_w^ref) − (s_l − s_l^ref)])`, a mean over pairs: accumulates `ds_w`, `ds_l` (`exercises/dpo.rs`; State of GPT).
            fn dpo_backward<F: Float>(
                dchosen: &mut ::ndarray::ArrayRef1<F>,
                drejected: &mut ::ndarray::ArrayRef1<F>,
                dloss: F,
                pairs: &$crate::layers::dpo::Pairs<F>,
                dpo: &$crate::layers::dpo::Dpo,
            ) = dpo::backward;
        needed_by: [],
        graded_by: cases::rlhf::dpo(),
        hints: [
            "d(−log σ(z))/dz = −σ(−z); then z is linear in s_w (slope β) and in s_l (slope −β); the references are constants",
            "ds_w, ds_l (N,), one per pair; z (N,) is dpo::margins(pairs, dpo); the mean over N pairs adds 1/N",
            "g = dloss · β · σ(−z[n]) / N; ds_w[n] += −g; ds_l[n] += +g",
        ],
    },
    PpoClip => {
        id: "rlhf::ppo_clip",
        chapter: Rlhf,
        backward:
            /// PPO's clipped surrogate, a mean over answer tokens: accumulates `dlogp` (`exercises/ppo_clip.rs`; State of GPT).
            fn ppo_clip_backward<F: Float>(
                dlogp: &mut ArrayRef2<F>,
                dloss: F,
                logp: &ArrayRef2<F>,
                logp_old: &ArrayRef2<F>,
                advantages: &::ndarray::ArrayRef1<F>,
                mask: &ArrayRef2<bool>,
                clip: &$crate::layers::ppo_clip::PpoClip,
            ) = ppo_clip::backward;
        needed_by: [],
        graded_by: cases::rlhf::ppo_clip(),
        hints: [
            "d ratio/d logp = ratio (logp_old is a constant); a minimum passes the gradient of the term it takes, and the clipped term is a constant",
            "dlogp (N, T), A (N,) one per answer; the clip holds at ratio > 1 + ε when A > 0, at ratio < 1 − ε when A < 0 (clip.holds(ratio, A))",
            "at each answer token where the clip does not hold: dlogp[n, t] += −dloss · A[n] · ratio / M; elsewhere nothing",
        ],
    },
        }
    };
}

crate::registry_list!(declare_registry);

impl Exercise {
    /// Every exercise, in course order.
    pub fn all() -> Vec<Exercise> {
        REGISTRY.iter().map(|e| e.exercise).collect()
    }

    /// Its registry entry.
    pub fn entry(self) -> &'static Entry {
        REGISTRY
            .iter()
            .find(|e| e.exercise == self)
            .expect("every exercise has an entry: the grading dispatch's match is exhaustive")
    }

    /// A path-like name: `micrograd::tanh`, `bigram::neural`, `layers::linear`, `ex1::dcounts`, `ex2::cross_entropy`.
    pub fn id(self) -> &'static str {
        self.entry().id
    }

    /// The file where the learner writes it.
    pub fn file(self) -> &'static str {
        self.entry().file
    }

    /// The reference's file: `solutions/tanh.rs` for `exercises/tanh.rs`.
    pub fn solution_file(self) -> String {
        self.file().replacen("exercises/", "solutions/", 1)
    }

    pub fn chapter(self) -> Chapter {
        self.entry().chapter
    }

    /// The exercise with this id, if any.
    pub fn from_id(id: &str) -> Option<Exercise> {
        REGISTRY.iter().find(|e| e.id == id).map(|e| e.exercise)
    }
}

/// The exercises a command needs before `--impl exercises` can train.
pub fn needed_by(what: ModelKind) -> Vec<Exercise> {
    REGISTRY
        .iter()
        .filter(|e| e.needed_by.contains(&what))
        .map(|e| e.exercise)
        .collect()
}
