//! # A character-level GPT (lecture 7, "Let's build GPT"), and its steps
//!
//! One model for every network of the lecture and for makemore's
//! Transformer, configured by [`GptConfig`]:
//!
//! ```text
//! idx (B, T) ─ wte + wpe ─ x (B, T, C)
//!   ─ n_layer × Block [ x = x + attn(ln_1(x));  x = x + mlp(ln_2(x)) ]
//!   ─ ln_f ─ lm_head ─ logits (B, T, V) ─ cross-entropy (targets -1 ignored) ─ loss
//! ```
//!
//! - [`GptConfig::makemore`]: makemore's `Transformer` (GELU, `c_attn`
//!   with bias, `lm_head` without): 204,544 parameters for 27 characters and
//!   a block of 16.
//! - [`GptConfig::lecture`]: the lecture's model (ReLU, `q`, `k`, `v`
//!   without bias, `lm_head` with): 209,729 parameters for Shakespeare's 65
//!   characters, block 32.
//! - [`Arch`]: the lecture's progression, from the bigram table to the full
//!   block, each step one idea more.
//!
//! The parameters start as PyTorch's defaults (Linear weights and biases
//! uniform in `±1/√fan_in`, embeddings `N(0, 1)`, LayerNorm 1 and 0), drawn
//! from a seeded generator. [`Gpt::forward`] and [`Gpt::backward`] write
//! into a [`GptWorkspace`] allocated once: a training step allocates
//! nothing, and every product is `crate::ops::matmul_acc`. The backward
//! pass is the [`Backprop`] implementation's, layer by layer, so
//! `--impl exercises` trains with the learner's code alone.
//!
//! Parameters are visited in a fixed order, named as in makemore's
//! `state_dict` (`transformer.wte.weight`, `transformer.h.0.ln_1.weight`, …,
//! `lm_head.weight`). Our Linear weights are `(in, out)`; PyTorch's are
//! `(out, in)`: `crate::io::gpt_export::export_check` transposes them.

use ndarray::{Array, Array1, Array2, Array3};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::{StandardNormal, Uniform};
use rand::Rng;

use crate::backprop::Backprop;
use crate::error::{Error, Result, expect_shape};
use crate::float::Float;
use crate::layers::attention::CausalSelfAttention;
use crate::layers::block::{Activation, Block, BlockCache, BlockGrads, FeedForward};
use crate::layers::embedding::{Embedding, EmbeddingGrads};
use crate::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::params::{NamedParams, named_params};
use crate::layers::position_embedding::{PositionEmbedding, PositionEmbeddingGrads};
use crate::layers::rows::{rows, rows_mut};
use crate::layers::sequence_cross_entropy::{self, IGNORE, SequenceCrossEntropyCache};

/// The lecture's progression, one idea at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    /// A `(V, V)` table read directly as the logits of the next character.
    Bigram,
    /// Token + position embeddings, one self-attention head of size `C`, `lm_head`.
    SingleHead,
    /// `n_head` heads of size `C / n_head`, concatenated, no projection.
    MultiHead,
    /// + a feed-forward `Linear(C, C)` + ReLU per position (no residual).
    FeedForward,
    /// `n_layer` × [heads + feed-forward], still no residual.
    Blocks,
    /// + residual connections, the attention's `c_proj`, the MLP 4× with its projection.
    Residual,
    /// + pre-norm LayerNorms and `ln_f`: the full GPT.
    LayerNorm,
}

impl Arch {
    /// In the lecture's order.
    pub const ALL: [Arch; 7] = [
        Arch::Bigram,
        Arch::SingleHead,
        Arch::MultiHead,
        Arch::FeedForward,
        Arch::Blocks,
        Arch::Residual,
        Arch::LayerNorm,
    ];

    /// `bigram`, `head`, `heads`, `ffwd`, `blocks`, `residual`, `layernorm`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Bigram => "bigram",
            Arch::SingleHead => "head",
            Arch::MultiHead => "heads",
            Arch::FeedForward => "ffwd",
            Arch::Blocks => "blocks",
            Arch::Residual => "residual",
            Arch::LayerNorm => "layernorm",
        }
    }

    /// The inverse of [`Arch::name`].
    pub fn from_name(name: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// How the parameters start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GptInit {
    /// PyTorch's defaults, the lecture's: Linear weights and biases uniform
    /// in `±1/√fan_in`, embeddings `N(0, 1)`.
    Torch,
    /// makemore's `_init_weights` (GPT-2's): Linear and embedding weights
    /// `N(0, 0.02²)`, biases 0.
    Normal02,
}

impl GptInit {
    /// `torch` or `normal02`.
    pub fn name(self) -> &'static str {
        match self {
            GptInit::Torch => "torch",
            GptInit::Normal02 => "normal02",
        }
    }

    /// The inverse of [`GptInit::name`].
    pub fn from_name(name: &str) -> Option<GptInit> {
        [GptInit::Torch, GptInit::Normal02]
            .into_iter()
            .find(|i| i.name() == name)
    }

    /// A Linear layer `(fan_in, fan_out)`: the weight's draws, then the bias's.
    fn linear<F: Float>(
        self,
        fan_in: usize,
        fan_out: usize,
        bias: bool,
        rng: &mut impl Rng,
    ) -> Linear<F> {
        match self {
            GptInit::Torch => torch_linear(fan_in, fan_out, bias, rng),
            GptInit::Normal02 => Linear {
                w: randn((fan_in, fan_out), rng).mapv(|x: F| x * F::lit(0.02)),
                b: bias.then(|| Array1::zeros(fan_out)),
            },
        }
    }

    /// An embedding table `(rows, dim)`.
    fn embedding<F: Float>(self, rows: usize, dim: usize, rng: &mut impl Rng) -> Array2<F> {
        let table: Array2<F> = randn((rows, dim), rng);
        match self {
            GptInit::Torch => table,
            GptInit::Normal02 => table.mapv(|x| x * F::lit(0.02)),
        }
    }
}

/// The sizes and the choices that make one model or another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GptConfig {
    pub vocab_size: usize,
    /// The longest context, `T ≤ block_size`.
    pub block_size: usize,
    /// Blocks, for [`Arch::Blocks`] and after (the earlier steps have one).
    pub n_layer: usize,
    /// Heads per attention layer ([`Arch::SingleHead`] has one of size `C`).
    pub n_head: usize,
    /// `C`, the width of the residual stream.
    pub n_embd: usize,
    pub arch: Arch,
    /// The MLP's non-linearity (the early steps' feed-forward is always ReLU).
    pub act: Activation,
    /// A bias in the fused `q | k | v` projection `c_attn`.
    pub qkv_bias: bool,
    /// A bias in `lm_head`.
    pub lm_head_bias: bool,
    /// How the parameters start.
    pub init: GptInit,
}

impl GptConfig {
    /// makemore's `Transformer`: 4 layers, 4 heads, `n_embd` 64, GELU,
    /// `c_attn` with bias, `lm_head` without, PyTorch's initialisation
    /// (makemore's own `_init_weights` is [`GptInit::Normal02`]).
    pub fn makemore(vocab_size: usize, block_size: usize) -> Self {
        GptConfig {
            vocab_size,
            block_size,
            n_layer: 4,
            n_head: 4,
            n_embd: 64,
            arch: Arch::LayerNorm,
            act: Activation::Gelu,
            qkv_bias: true,
            lm_head_bias: false,
            init: GptInit::Torch,
        }
    }

    /// The lecture's model: block 32, 4 layers, 4 heads, `n_embd` 64, ReLU,
    /// `q`, `k`, `v` without bias, `lm_head` with, PyTorch's initialisation.
    pub fn lecture(vocab_size: usize) -> Self {
        GptConfig {
            vocab_size,
            block_size: 32,
            n_layer: 4,
            n_head: 4,
            n_embd: 64,
            arch: Arch::LayerNorm,
            act: Activation::Relu,
            qkv_bias: false,
            lm_head_bias: true,
            init: GptInit::Torch,
        }
    }

    /// The lecture's small model for its progression of steps: block 8,
    /// 3 blocks, 4 heads, `n_embd` 32, otherwise [`GptConfig::lecture`].
    pub fn progression(vocab_size: usize, arch: Arch) -> Self {
        GptConfig {
            block_size: 8,
            n_layer: 3,
            n_embd: 32,
            arch,
            ..GptConfig::lecture(vocab_size)
        }
    }

    /// The same sizes at another step of the lecture.
    pub fn with_arch(self, arch: Arch) -> Self {
        GptConfig { arch, ..self }
    }

    /// Fails on sizes that make no model.
    pub fn validate(&self) -> Result<()> {
        let GptConfig {
            vocab_size,
            block_size,
            n_layer,
            n_head,
            n_embd,
            ..
        } = *self;
        let sizes = [
            ("vocab_size", vocab_size),
            ("block_size", block_size),
            ("n_layer", n_layer),
            ("n_head", n_head),
            ("n_embd", n_embd),
        ];
        if let Some((name, _)) = sizes.iter().find(|(_, n)| *n == 0) {
            return Err(Error::Config(format!(
                "GPT sizes must be positive, and {name} is 0 ({})",
                self.sizes()
            )));
        }
        if self.arch != Arch::Bigram && n_embd % self.heads() != 0 {
            return Err(Error::Config(format!(
                "n_embd {n_embd} must be a multiple of n_head {n_head}"
            )));
        }
        Ok(())
    }

    /// The sizes in words, for messages: `vocab_size 65, block_size 256,
    /// n_layer 6, n_head 6, n_embd 384`.
    pub fn sizes(&self) -> String {
        format!(
            "vocab_size {}, block_size {}, n_layer {}, n_head {}, n_embd {}",
            self.vocab_size, self.block_size, self.n_layer, self.n_head, self.n_embd
        )
    }

    /// How many blocks this step has.
    pub fn layers(&self) -> usize {
        match self.arch {
            Arch::Bigram => 0,
            Arch::SingleHead | Arch::MultiHead | Arch::FeedForward => 1,
            Arch::Blocks | Arch::Residual | Arch::LayerNorm => self.n_layer,
        }
    }

    /// Heads per attention layer.
    pub fn heads(&self) -> usize {
        match self.arch {
            Arch::SingleHead => 1,
            _ => self.n_head,
        }
    }
}

/// The network: the bigram table, or a transformer.
#[allow(clippy::large_enum_variant)] // one per model, never moved in a loop
#[derive(Clone, Debug, PartialEq)]
pub enum GptBody<F> {
    /// `logits[b, t] = table[idx[b, t]]`, `table (V, V)`.
    Bigram(Embedding<F>),
    Transformer {
        /// `wte (V, C)`, `wpe (block_size, C)`
        emb: PositionEmbedding<F>,
        /// `transformer.h`
        h: Vec<Block<F>>,
        /// `transformer.ln_f`, from [`Arch::LayerNorm`] on
        ln_f: Option<LayerNorm<F>>,
        /// `(C, V)`
        lm_head: Linear<F>,
    },
}

/// The gradients, the same structure as [`GptBody`].
#[allow(clippy::large_enum_variant)] // one per model, never moved in a loop
#[derive(Clone, Debug, PartialEq)]
pub enum GptBodyGrads<F> {
    Bigram(EmbeddingGrads<F>),
    Transformer {
        emb: PositionEmbeddingGrads<F>,
        h: Vec<BlockGrads<F>>,
        ln_f: Option<LayerNormGrads<F>>,
        lm_head: LinearGrads<F>,
    },
}

/// A GPT: its configuration and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Gpt<F> {
    pub config: GptConfig,
    pub net: GptBody<F>,
}

/// The gradients of every parameter of a [`Gpt`].
#[derive(Clone, Debug, PartialEq)]
pub struct GptGrads<F> {
    pub net: GptBodyGrads<F>,
}

/// Every activation and gradient of one batch of `(B, T)`, allocated once.
#[derive(Clone, Debug)]
pub struct GptWorkspace<F> {
    /// `(B, T)` the input characters
    pub idx: Array2<usize>,
    /// `(B, T)` the next characters, `-1` where ignored
    pub targets: Array2<i64>,
    /// The residual stream: `xs[0]` the embeddings, `xs[i + 1]` block `i`'s
    /// output, each `(B, T, C)` (none for the bigram)
    pub xs: Vec<Array3<F>>,
    /// The gradient of each of `xs`
    pub dxs: Vec<Array3<F>>,
    /// One per block
    pub blocks: Vec<BlockCache<F>>,
    /// `ln_f`'s statistics and output `(B, T, C)`, and the output's gradient
    pub ln_f: Option<(LayerNormCache<F>, Array3<F>, Array3<F>)>,
    /// `(B, T, V)`
    pub logits: Array3<F>,
    /// `(B, T, V)`
    pub dlogits: Array3<F>,
    pub ce: SequenceCrossEntropyCache<F>,
}

impl<F: Float> GptWorkspace<F> {
    /// `(B, T)`.
    pub fn dim(&self) -> (usize, usize) {
        self.idx.dim()
    }
}

/// PyTorch's `nn.Linear` initialisation: weight and bias uniform in
/// `±1/√fan_in`. The weight is ours, `(fan_in, fan_out)`.
pub fn torch_linear<F: Float>(
    fan_in: usize,
    fan_out: usize,
    bias: bool,
    rng: &mut impl Rng,
) -> Linear<F> {
    let bound = 1.0 / (fan_in as f64).sqrt();
    let u = Uniform::new_inclusive(-bound, bound).expect("a finite range");
    let w = Array2::random_using((fan_in, fan_out), u, rng).mapv(F::lit);
    let b = bias.then(|| Array1::random_using(fan_out, u, rng).mapv(F::lit));
    Linear { w, b }
}

fn randn<F: Float, Sh: ndarray::ShapeBuilder>(shape: Sh, rng: &mut impl Rng) -> Array<F, Sh::Dim> {
    Array::<f64, _>::random_using(shape, StandardNormal, rng).mapv(F::lit)
}

impl<F: Float> Gpt<F> {
    /// A model at PyTorch's default initialisation, drawn from `rng` in the
    /// order of its parameters ([`NamedParams`]).
    pub fn new(config: GptConfig, rng: &mut impl Rng) -> Result<Self> {
        config.validate()?;
        let GptConfig {
            vocab_size: v,
            block_size,
            n_embd: c,
            ..
        } = config;
        let init = config.init;
        if config.arch == Arch::Bigram {
            return Ok(Gpt {
                config,
                net: GptBody::Bigram(Embedding::new(init.embedding(v, v, rng))),
            });
        }
        let wte = init.embedding(v, c, rng);
        let wpe = init.embedding(block_size, c, rng);
        let emb = PositionEmbedding::new(wte, wpe)?;
        let arch = config.arch;
        let (norm, residual) = (arch == Arch::LayerNorm, arch >= Arch::Residual);
        let mut h = vec![];
        for _ in 0..config.layers() {
            let ln_1 = norm.then(|| LayerNorm::new(c));
            let c_attn = init.linear(c, 3 * c, config.qkv_bias, rng);
            let c_proj = residual.then(|| init.linear(c, c, true, rng));
            let attn = CausalSelfAttention::new(c_attn, c_proj, config.heads())?;
            let ln_2 = norm.then(|| LayerNorm::new(c));
            let mlp = match arch {
                Arch::Bigram | Arch::SingleHead | Arch::MultiHead => None,
                Arch::FeedForward | Arch::Blocks => Some(FeedForward {
                    c_fc: init.linear(c, c, true, rng),
                    act: Activation::Relu,
                    c_proj: None,
                }),
                Arch::Residual | Arch::LayerNorm => Some(FeedForward {
                    c_fc: init.linear(c, 4 * c, true, rng),
                    act: config.act,
                    c_proj: Some(init.linear(4 * c, c, true, rng)),
                }),
            };
            h.push(Block::new(ln_1, attn, ln_2, mlp, residual)?);
        }
        let ln_f = norm.then(|| LayerNorm::new(c));
        let lm_head = init.linear(c, v, config.lm_head_bias, rng);
        Ok(Gpt {
            config,
            net: GptBody::Transformer {
                emb,
                h,
                ln_f,
                lm_head,
            },
        })
    }

    /// How many numbers the model learns.
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// Gradients of zero, in the structure of the model.
    pub fn zero_grads(&self) -> GptGrads<F> {
        let net = match &self.net {
            GptBody::Bigram(e) => GptBodyGrads::Bigram(e.zero_grads()),
            GptBody::Transformer {
                emb,
                h,
                ln_f,
                lm_head,
            } => GptBodyGrads::Transformer {
                emb: emb.zero_grads(),
                h: h.iter().map(Block::zero_grads).collect(),
                ln_f: ln_f.as_ref().map(LayerNorm::zero_grads),
                lm_head: lm_head.zero_grads(),
            },
        };
        GptGrads { net }
    }

    /// A workspace for batches of `b` sequences of `t ≤ block_size` positions.
    pub fn workspace(&self, b: usize, t: usize) -> Result<GptWorkspace<F>> {
        let trunk = match &self.net {
            GptBody::Bigram(_) => None,
            GptBody::Transformer { emb, h, ln_f, .. } => Some(Trunk {
                emb,
                h,
                ln_f: ln_f.as_ref(),
            }),
        };
        workspace(&self.config, trunk.as_ref(), b, t, self.config.vocab_size)
    }

    /// The logits of `ws.idx` into `ws.logits` (no allocation).
    pub fn forward_logits(&self, ws: &mut GptWorkspace<F>) -> Result<()> {
        match &self.net {
            GptBody::Bigram(table) => table.forward_into(&ws.idx, &mut ws.logits),
            GptBody::Transformer {
                emb,
                h,
                ln_f,
                lm_head,
            } => {
                let trunk = Trunk {
                    emb,
                    h,
                    ln_f: ln_f.as_ref(),
                };
                trunk.forward(ws)?;
                lm_head.forward_3d_into(top(&ws.xs, &ws.ln_f), &mut ws.logits)
            }
        }
    }

    /// The mean cross-entropy of `ws.logits` against `ws.targets` over the
    /// positions whose target is not `-1`, after [`Gpt::forward_logits`].
    pub fn forward(&self, ws: &mut GptWorkspace<F>) -> Result<F> {
        self.forward_logits(ws)?;
        sequence_cross_entropy::forward_into(&ws.logits, &ws.targets, &mut ws.ce)
    }

    /// Sets `grads` to the gradient of the loss of the last [`Gpt::forward`]
    /// (zeroing them first), with `B`'s backward passes throughout.
    pub fn backward<B: Backprop>(&self, ws: &mut GptWorkspace<F>, grads: &mut GptGrads<F>) {
        ws.dlogits.fill(F::zero());
        B::sequence_cross_entropy_backward(&mut ws.dlogits, F::one(), &ws.ce, &ws.targets);
        self.backward_from_logits::<B>(ws, grads);
    }

    /// Sets `grads` to the gradient of a loss whose gradient at the logits
    /// is already in `ws.dlogits` (zeroing `grads` first): the cross-entropy's
    /// ([`Gpt::backward`]), or RLHF's, through `answer_logprob`. With `B`'s
    /// backward passes throughout.
    pub fn backward_from_logits<B: Backprop>(
        &self,
        ws: &mut GptWorkspace<F>,
        grads: &mut GptGrads<F>,
    ) {
        self.zero_grads_in(grads);
        match (&self.net, &mut grads.net) {
            (GptBody::Bigram(_), GptBodyGrads::Bigram(g)) => {
                B::embedding_backward(g, &ws.dlogits, &ws.idx)
            }
            (
                GptBody::Transformer {
                    emb,
                    h,
                    ln_f,
                    lm_head,
                },
                GptBodyGrads::Transformer {
                    emb: g_emb,
                    h: g_h,
                    ln_f: g_ln_f,
                    lm_head: g_lm_head,
                },
            ) => {
                let trunk = Trunk {
                    emb,
                    h,
                    ln_f: ln_f.as_ref(),
                };
                Trunk::<F>::clear(ws);
                let GptWorkspace {
                    xs,
                    dxs,
                    ln_f: ln_f_ws,
                    dlogits,
                    ..
                } = ws;
                let (top, dtop) = top_mut(xs, dxs, ln_f_ws);
                B::linear_backward_3d(dtop, g_lm_head, dlogits, top, lm_head);
                trunk.backward::<B>(
                    ws,
                    TrunkGrads {
                        emb: g_emb,
                        h: g_h,
                        ln_f: g_ln_f.as_mut(),
                    },
                );
            }
            _ => panic!("gpt: gradients of another model"),
        }
    }
}

/// The transformer's trunk, borrowed from a model: the embeddings, the
/// blocks and `ln_f`, everything before a head. [`Gpt`] puts `lm_head` on
/// it, the reward model ([`crate::models::reward`]) a scalar head.
#[derive(Clone, Copy, Debug)]
pub struct Trunk<'m, F> {
    /// `wte (V, C)`, `wpe (block_size, C)`
    pub emb: &'m PositionEmbedding<F>,
    /// `transformer.h`
    pub h: &'m [Block<F>],
    /// `transformer.ln_f`, from [`Arch::LayerNorm`] on
    pub ln_f: Option<&'m LayerNorm<F>>,
}

/// The gradients of a [`Trunk`], borrowed from a model's gradients.
#[derive(Debug)]
pub struct TrunkGrads<'g, F> {
    pub emb: &'g mut PositionEmbeddingGrads<F>,
    pub h: &'g mut [BlockGrads<F>],
    pub ln_f: Option<&'g mut LayerNormGrads<F>>,
}

/// The top of the trunk in a workspace, `(B, T, C)`: `ln_f`'s output, or
/// the last block's without it.
pub fn top<'w, F>(
    xs: &'w [Array3<F>],
    ln_f: &'w Option<(LayerNormCache<F>, Array3<F>, Array3<F>)>,
) -> &'w Array3<F> {
    match ln_f {
        Some((_, out, _)) => out,
        None => xs.last().expect("a trunk's workspace has its embeddings"),
    }
}

/// The top of the trunk and its gradient, `(B, T, C)` each, for a head's
/// backward pass to read and accumulate into.
pub fn top_mut<'w, F>(
    xs: &'w [Array3<F>],
    dxs: &'w mut [Array3<F>],
    ln_f: &'w mut Option<(LayerNormCache<F>, Array3<F>, Array3<F>)>,
) -> (&'w Array3<F>, &'w mut Array3<F>) {
    match ln_f {
        Some((_, out, dout)) => (out, dout),
        None => (
            xs.last().expect("a trunk's workspace has its embeddings"),
            dxs.last_mut()
                .expect("a trunk's workspace has its embeddings"),
        ),
    }
}

/// A workspace for `b × t` positions of a model of `config` (its `trunk`,
/// none for the bigram), with logits `(b, t, width)`.
pub fn workspace<F: Float>(
    config: &GptConfig,
    trunk: Option<&Trunk<'_, F>>,
    b: usize,
    t: usize,
    width: usize,
) -> Result<GptWorkspace<F>> {
    let GptConfig {
        block_size,
        n_embd: c,
        ..
    } = *config;
    if b == 0 || t == 0 || t > block_size {
        return Err(Error::Config(format!(
            "a batch of {b} × {t} positions: both must be positive, and {t} at most the block size {block_size}"
        )));
    }
    let x = || Array3::zeros((b, t, c));
    let (xs, blocks, ln_f) = match trunk {
        None => (vec![], vec![], None),
        Some(Trunk { h, ln_f, .. }) => (
            (0..=h.len()).map(|_| x()).collect(),
            h.iter().map(|block| block.cache(b, t)).collect(),
            ln_f.map(|ln| (ln.cache(b * t), x(), x())),
        ),
    };
    Ok(GptWorkspace {
        idx: Array2::zeros((b, t)),
        targets: Array2::from_elem((b, t), IGNORE),
        dxs: xs.clone(),
        xs,
        blocks,
        ln_f,
        logits: Array3::zeros((b, t, width)),
        dlogits: Array3::zeros((b, t, width)),
        ce: SequenceCrossEntropyCache::new(b, t, width),
    })
}

impl<F: Float> Trunk<'_, F> {
    /// `ws.idx` through the embeddings, the blocks and `ln_f`: the top of
    /// the trunk ([`top`]) and every activation the backward pass needs, in
    /// `ws` (no allocation).
    pub fn forward(&self, ws: &mut GptWorkspace<F>) -> Result<()> {
        let GptWorkspace {
            idx,
            xs,
            blocks,
            ln_f: ln_f_ws,
            ..
        } = ws;
        expect_shape("gpt", "workspace", &[xs.len()], &[self.h.len() + 1])?;
        self.emb.forward_into(idx, &mut xs[0])?;
        for (i, (block, cache)) in self.h.iter().zip(blocks.iter_mut()).enumerate() {
            let (below, above) = xs.split_at_mut(i + 1);
            block.forward_into(&below[i], &mut above[0], cache)?;
        }
        match (self.ln_f, ln_f_ws) {
            (Some(ln), Some((cache, out, _))) => ln.forward_3d_into(&xs[self.h.len()], out, cache),
            (None, None) => Ok(()),
            _ => Err(Error::Config("gpt: a workspace of another model".into())),
        }
    }

    /// Zeroes the gradients of the residual stream and of `ln_f`'s output
    /// in `ws`, before a head's backward pass accumulates into the top.
    pub fn clear(ws: &mut GptWorkspace<F>) {
        for dx in ws.dxs.iter_mut() {
            dx.fill(F::zero());
        }
        if let Some((_, _, dout)) = &mut ws.ln_f {
            dout.fill(F::zero());
        }
    }

    /// From the gradient of the top of the trunk (filled by a head's
    /// backward pass, [`top_mut`]) down through `ln_f`, the blocks and the
    /// embeddings, with `B`'s backward passes: accumulates into `grads`.
    pub fn backward<B: Backprop>(&self, ws: &mut GptWorkspace<F>, grads: TrunkGrads<'_, F>) {
        let GptWorkspace {
            idx,
            xs,
            dxs,
            blocks,
            ln_f: ln_f_ws,
            ..
        } = ws;
        let top = self.h.len();
        if let (Some(ln), Some((cache, _, dout)), Some(g)) = (self.ln_f, ln_f_ws, grads.ln_f) {
            B::layernorm_backward(&mut rows_mut(&mut dxs[top]), g, &rows(dout), cache, ln);
        }
        for i in (0..top).rev() {
            let (below, above) = dxs.split_at_mut(i + 1);
            B::block_backward::<B, F>(
                &mut below[i],
                &mut grads.h[i],
                &above[0],
                &xs[i],
                &mut blocks[i],
                &self.h[i],
            );
        }
        B::position_embedding_backward(grads.emb, &dxs[0], idx);
    }
}

impl<F: Float> Gpt<F> {
    /// The logits of the token that follows `context` (its last
    /// `block_size` tokens), computed in `ws`, a workspace of one row of
    /// `block_size` positions. The positions after the context are filled
    /// with token 0: attention is causal, so they do not change the logits
    /// read at the context's last position.
    pub fn next_logits<'w>(
        &self,
        ws: &'w mut GptWorkspace<F>,
        context: &[usize],
    ) -> Result<ndarray::ArrayView1<'w, F>> {
        let block = self.config.block_size;
        expect_shape(
            "gpt",
            "sampling workspace",
            &[ws.idx.nrows(), ws.idx.ncols()],
            &[1, block],
        )?;
        if context.is_empty() {
            return Err(Error::Config(
                "gpt: sampling needs a context of at least one token".into(),
            ));
        }
        let tail = &context[context.len().saturating_sub(block)..];
        ws.idx.fill(0);
        ws.idx
            .row_mut(0)
            .iter_mut()
            .zip(tail)
            .for_each(|(slot, &token)| *slot = token);
        self.forward_logits(ws)?;
        Ok(ws.logits.slice(ndarray::s![0, tail.len() - 1, ..]))
    }
}

// Named as makemore's `state_dict` (the bigram's table is
// `token_embedding_table.weight`, as in the lecture). Linear weights are
// ours, `(in, out)`.
named_params! {
    impl<F> GptBody<F> => GptBodyGrads<F> {
        GptBody::Bigram(e), GptBodyGrads::Bigram(g) => { "token_embedding_table": e => g }
        GptBody::Transformer { emb, h, ln_f, lm_head },
        GptBodyGrads::Transformer { emb: g_emb, h: g_h, ln_f: g_ln_f, lm_head: g_lm_head } => {
            "transformer": emb => g_emb,
            "transformer.h": h => g_h,
            "transformer.ln_f": ln_f => g_ln_f,
            "lm_head": lm_head => g_lm_head,
        }
    }
}

named_params! {
    impl<F> Gpt<F> => GptGrads<F> {
        Gpt { net, .. }, GptGrads { net: g } => { "": net => g }
    }
}
