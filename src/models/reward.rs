//! # The reward model of *State of GPT*: a GPT's trunk with a scalar head
//!
//! After supervised fine-tuning, *State of GPT* trains a reward model on
//! pairs of answers to one prompt, one preferred (chosen) and one not
//! (rejected). It is the GPT with `lm_head` replaced by a scalar head
//! `Linear(n_embd, 1)` read at the end-of-answer token of each sequence:
//!
//! ```text
//! idx (2N, T) ─ wte + wpe ─ n_layer × Block ─ ln_f ─ x (2N, T, C)       the GPT's trunk
//!   ─ reward_head at end (2N,) ─ r (2N,) = [r_c (N,) | r_r (N,)]
//!   ─ Bradley–Terry: −1/N Σ log σ(r_c − r_r) ─ loss
//! ```
//!
//! A batch of `N` pairs is `2N` rows, the chosen answers first, then the
//! rejected ones in the same order, each row padded to `T` after its end
//! token (the padding is never read: attention is causal and the head
//! reads the end token). The trunk starts as a trained GPT's (the base or
//! the SFT model, [`RewardModel::from_gpt`]); the head starts at zero, so
//! every reward is 0 and the first loss is exactly `ln 2`. Its forward and
//! backward passes are the GPT's ([`Trunk`]) and the two exercises of the
//! chapter, `reward_head` and `bradley_terry`, through `B:`
//! [`Backprop`].

use ndarray::{Array1, Array2, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::layers::block::{Block, BlockGrads};
use crate::layers::bradley_terry;
use crate::layers::layernorm::{LayerNorm, LayerNormGrads};
use crate::layers::linear::{Linear, LinearGrads};
use crate::layers::params::{NamedParams, named_params};
use crate::layers::position_embedding::{PositionEmbedding, PositionEmbeddingGrads};
use crate::layers::reward_head;
use crate::models::gpt::{self, Gpt, GptBody, GptConfig, GptWorkspace, Trunk, TrunkGrads};

/// The reward model: a GPT's trunk and a scalar head.
#[derive(Clone, Debug, PartialEq)]
pub struct RewardModel<F> {
    /// The trunk's sizes, as the GPT it came from (`vocab_size` its
    /// vocabulary's).
    pub config: GptConfig,
    /// `wte (V, C)`, `wpe (block_size, C)`
    pub emb: PositionEmbedding<F>,
    /// `transformer.h`
    pub h: Vec<Block<F>>,
    /// `transformer.ln_f`
    pub ln_f: Option<LayerNorm<F>>,
    /// `reward_head`: `w (C, 1)`, `b (1,)`
    pub head: Linear<F>,
}

/// The gradients of every parameter of a [`RewardModel`].
#[derive(Clone, Debug, PartialEq)]
pub struct RewardGrads<F> {
    pub emb: PositionEmbeddingGrads<F>,
    pub h: Vec<BlockGrads<F>>,
    pub ln_f: Option<LayerNormGrads<F>>,
    pub head: LinearGrads<F>,
}

/// Every activation and gradient of a batch of `N` pairs, `2N` rows of `T`
/// positions, allocated once.
#[derive(Clone, Debug)]
pub struct RewardWorkspace<F> {
    /// The trunk's: `idx (2N, T)` the rows, chosen then rejected, and the
    /// residual stream
    pub trunk: GptWorkspace<F>,
    /// `(2N,)` each row's end-of-answer position
    pub end: Vec<usize>,
    /// `(2N,)` the rewards, `r_c` then `r_r`
    pub r: Array1<F>,
    /// `(2N,)` their gradients
    pub dr: Array1<F>,
}

impl<F: Float> RewardWorkspace<F> {
    /// How many pairs a batch holds.
    pub fn pairs(&self) -> usize {
        self.end.len() / 2
    }

    /// The rewards of the chosen answers and of the rejected ones, `(N,)` each.
    pub fn rewards(&self) -> (ndarray::ArrayView1<'_, F>, ndarray::ArrayView1<'_, F>) {
        let n = self.pairs();
        (self.r.slice(s![..n]), self.r.slice(s![n..]))
    }
}

impl<F: Float> RewardModel<F> {
    /// The reward model of a trained GPT: its trunk, and a head at zero
    /// (every reward 0, the first loss `ln 2`). The bigram has no trunk.
    pub fn from_gpt(gpt: Gpt<F>) -> Result<Self> {
        let config = gpt.config;
        match gpt.net {
            GptBody::Bigram(_) => Err(Error::Config(
                "a reward model needs a transformer's trunk, and the bigram has none: start from a GPT of --arch layernorm".into(),
            )),
            GptBody::Transformer { emb, h, ln_f, .. } => Ok(RewardModel {
                config,
                emb,
                h,
                ln_f,
                head: Linear {
                    w: Array2::zeros((config.n_embd, 1)),
                    b: Some(Array1::zeros(1)),
                },
            }),
        }
    }

    /// The trunk, borrowed.
    pub fn trunk(&self) -> Trunk<'_, F> {
        Trunk {
            emb: &self.emb,
            h: &self.h,
            ln_f: self.ln_f.as_ref(),
        }
    }

    /// How many numbers the model learns.
    pub fn num_params(&self) -> usize {
        NamedParams::num_params(self)
    }

    /// Gradients of zero, in the structure of the model.
    pub fn zero_grads(&self) -> RewardGrads<F> {
        RewardGrads {
            emb: self.emb.zero_grads(),
            h: self.h.iter().map(Block::zero_grads).collect(),
            ln_f: self.ln_f.as_ref().map(LayerNorm::zero_grads),
            head: self.head.zero_grads(),
        }
    }

    /// A workspace for batches of `pairs` pairs, rows of `t ≤ block_size`
    /// positions.
    pub fn workspace(&self, pairs: usize, t: usize) -> Result<RewardWorkspace<F>> {
        if pairs == 0 {
            return Err(Error::Config(
                "a batch of 0 pairs: the reward model needs at least one".into(),
            ));
        }
        let rows = 2 * pairs;
        Ok(RewardWorkspace {
            trunk: gpt::workspace(&self.config, Some(&self.trunk()), rows, t, 0)?,
            end: vec![0; rows],
            r: Array1::zeros(rows),
            dr: Array1::zeros(rows),
        })
    }

    /// The reward of every row of `ws.trunk.idx`, read at `ws.end`, into
    /// `ws.r` (no allocation).
    pub fn rewards(&self, ws: &mut RewardWorkspace<F>) -> Result<()> {
        self.trunk().forward(&mut ws.trunk)?;
        let top = gpt::top(&ws.trunk.xs, &ws.trunk.ln_f);
        reward_head::forward_into(&self.head, top, &ws.end, &mut ws.r)
    }

    /// The Bradley–Terry loss of the batch, after its rewards.
    pub fn forward(&self, ws: &mut RewardWorkspace<F>) -> Result<F> {
        self.rewards(ws)?;
        let (r_c, r_r) = ws.rewards();
        bradley_terry::forward(&r_c, &r_r)
    }

    /// Sets `grads` to the gradient of the loss of the last
    /// [`RewardModel::forward`] (zeroing them first), with `B`'s backward
    /// passes throughout.
    pub fn backward<B: Backprop>(&self, ws: &mut RewardWorkspace<F>, grads: &mut RewardGrads<F>) {
        self.zero_grads_in(grads);
        let n = ws.pairs();
        ws.dr.fill(F::zero());
        {
            let (mut dr_c, mut dr_r) = ws.dr.view_mut().split_at(ndarray::Axis(0), n);
            B::bradley_terry_backward(
                &mut dr_c,
                &mut dr_r,
                F::one(),
                &ws.r.slice(s![..n]),
                &ws.r.slice(s![n..]),
            );
        }
        Trunk::<F>::clear(&mut ws.trunk);
        let GptWorkspace { xs, dxs, ln_f, .. } = &mut ws.trunk;
        let (top, dtop) = gpt::top_mut(xs, dxs, ln_f);
        B::reward_head_backward(dtop, &mut grads.head, &ws.dr, top, &ws.end, &self.head);
        self.trunk().backward::<B>(
            &mut ws.trunk,
            TrunkGrads {
                emb: &mut grads.emb,
                h: &mut grads.h,
                ln_f: grads.ln_f.as_mut(),
            },
        );
    }

    /// The reward of one sequence (a prompt and an answer ending in its end
    /// token), read at its last token.
    pub fn score(&self, tokens: &[usize]) -> Result<F> {
        let block = self.config.block_size;
        if tokens.is_empty() || tokens.len() > block {
            return Err(Error::Config(format!(
                "a sequence of {} tokens: the reward model reads 1 to {block} (its block size)",
                tokens.len()
            )));
        }
        let mut trunk = gpt::workspace(&self.config, Some(&self.trunk()), 1, tokens.len(), 0)?;
        trunk
            .idx
            .row_mut(0)
            .iter_mut()
            .zip(tokens)
            .for_each(|(a, &b)| *a = b);
        self.trunk().forward(&mut trunk)?;
        let top = gpt::top(&trunk.xs, &trunk.ln_f);
        let r = reward_head::forward(&self.head, top, &[tokens.len() - 1])?;
        Ok(r[0])
    }
}

// Named as the GPT's trunk (`transformer.wte.weight`, …), then the head.
named_params! {
    impl<F> RewardModel<F> => RewardGrads<F> {
        RewardModel { emb, h, ln_f, head, .. },
        RewardGrads { emb: g_emb, h: g_h, ln_f: g_ln_f, head: g_head } => {
            "transformer": emb => g_emb,
            "transformer.h": h => g_h,
            "transformer.ln_f": ln_f => g_ln_f,
            "reward_head": head => g_head,
        }
    }
}

/// Preference pairs as token ids: each the same prompt with its chosen
/// answer and with its rejected one, every sequence ending in the
/// end-of-answer token, where the reward is read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncodedPairs {
    pub chosen: Vec<Vec<usize>>,
    pub rejected: Vec<Vec<usize>>,
}

impl EncodedPairs {
    /// How many pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    /// Fails, naming the pair, unless every pair fits a model of `block`
    /// positions and `vocab` tokens, and its two answers differ.
    pub fn check(&self, block: usize, vocab: usize) -> Result<()> {
        let fail = |detail: String| {
            Err(Error::Input {
                layer: "reward pairs",
                detail,
            })
        };
        if self.is_empty() {
            return fail("no pairs: the reward model has nothing to learn from".into());
        }
        if self.chosen.len() != self.rejected.len() {
            return fail(format!(
                "{} chosen answers and {} rejected ones: each pair has one of each",
                self.chosen.len(),
                self.rejected.len()
            ));
        }
        for (i, (c, r)) in self.chosen.iter().zip(&self.rejected).enumerate() {
            if c == r {
                return fail(format!(
                    "pair {i}: the chosen and the rejected sequences are the same, which says nothing of a preference"
                ));
            }
            for (which, seq) in [("chosen", c), ("rejected", r)] {
                if seq.is_empty() || seq.len() > block {
                    return fail(format!(
                        "pair {i}: the {which} sequence has {} tokens, and the model reads 1 to {block} (its block size)",
                        seq.len()
                    ));
                }
                if let Some(&t) = seq.iter().find(|&&t| t >= vocab) {
                    return fail(format!(
                        "pair {i}: the {which} sequence has token {t}, outside the model's {vocab} tokens"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Batch `step` (random stream `step` of `seed`) into `ws`: `N` pairs
    /// drawn with replacement, their chosen rows first, each padded with
    /// token 0 after its end. Allocates nothing.
    pub fn sample_into<F: Float>(
        &self,
        ws: &mut RewardWorkspace<F>,
        seed: u64,
        step: usize,
    ) -> Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(step as u64);
        let n = ws.pairs();
        for i in 0..n {
            let k = rng.random_range(0..self.len());
            self.put(ws, i, &self.chosen[k])?;
            self.put(ws, n + i, &self.rejected[k])?;
        }
        Ok(())
    }

    /// Pairs `from..from + N` (fewer at the end, the rest of the batch
    /// repeats the last pair) into `ws`, for an evaluation over them all.
    pub fn window_into<F: Float>(&self, ws: &mut RewardWorkspace<F>, from: usize) -> Result<()> {
        let n = ws.pairs();
        for i in 0..n {
            let k = (from + i).min(self.len() - 1);
            self.put(ws, i, &self.chosen[k])?;
            self.put(ws, n + i, &self.rejected[k])?;
        }
        Ok(())
    }

    fn put<F: Float>(&self, ws: &mut RewardWorkspace<F>, row: usize, seq: &[usize]) -> Result<()> {
        let t = ws.trunk.idx.ncols();
        if seq.is_empty() || seq.len() > t {
            return Err(Error::Input {
                layer: "reward pairs",
                detail: format!("a sequence of {} tokens in rows of {t}", seq.len()),
            });
        }
        let mut idx = ws.trunk.idx.row_mut(row);
        idx.fill(0);
        idx.iter_mut().zip(seq).for_each(|(a, &b)| *a = b);
        ws.end[row] = seq.len() - 1;
        Ok(())
    }
}

/// The pair accuracy of `model` on `pairs`: the fraction whose chosen
/// answer scores higher, in batches of `batch` pairs.
pub fn pair_accuracy<F: Float>(
    model: &RewardModel<F>,
    pairs: &EncodedPairs,
    batch: usize,
) -> Result<f64> {
    pairs.check(model.config.block_size, model.config.vocab_size)?;
    let t = (pairs.chosen.iter().chain(&pairs.rejected))
        .map(Vec::len)
        .max()
        .unwrap_or(1);
    let mut ws = model.workspace(batch.min(pairs.len()), t)?;
    let n = ws.pairs();
    let mut right = 0usize;
    for from in (0..pairs.len()).step_by(n) {
        pairs.window_into(&mut ws, from)?;
        model.rewards(&mut ws)?;
        let (r_c, r_r) = ws.rewards();
        let count = n.min(pairs.len() - from);
        right += (0..count).filter(|&i| r_c[i] > r_r[i]).count();
    }
    Ok(right as f64 / pairs.len() as f64)
}
