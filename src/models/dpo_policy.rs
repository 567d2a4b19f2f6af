//! # A policy trained with DPO (*State of GPT*, preferences without RL)
//!
//! DPO trains the fine-tuned GPT on pairs of answers to one prompt, one
//! preferred, against a frozen copy of itself, the reference: no sampling
//! during training, no reward model in the loop. A batch of `N` pairs is
//! `2N` rows, the chosen answers first, then the rejected ones:
//!
//! ```text
//! idx (2N, T) ─ the GPT ─ logits (2N, T, V)
//!   ─ answer_logprob (the answer's tokens) ─ s (2N,) = [s_w (N,) | s_l (N,)]
//!   ─ dpo(s_w, s_l, s_w^ref, s_l^ref, β) ─ loss
//! ```
//!
//! The reference's `s^ref` of every pair is computed once, before
//! training ([`DpoPairs::new`]): it is frozen. The backward pass is the
//! two exercises', `dpo` then `answer_logprob`, then the GPT's
//! ([`Gpt::backward_from_logits`]), all through `B:` [`Backprop`].
//! [`DpoPolicy`] walks its parameters under the GPT's names, so its
//! optimiser's state is a GPT's, and its checkpoint one.

use ndarray::{Array1, Array2, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::backprop::Backprop;
use crate::error::{Error, Result};
use crate::layers::answer_logprob::{self, AnswerLogprobCache};
use crate::layers::dpo::{self, Dpo, Pairs};
use crate::layers::params::named_params;
use crate::models::gpt::{Gpt, GptGrads, GptWorkspace};
use crate::models::model::Trainable;

/// The policy and DPO's `β`.
#[derive(Clone, Debug, PartialEq)]
pub struct DpoPolicy<F> {
    pub gpt: Gpt<F>,
    pub dpo: Dpo,
}

/// Its gradients: the GPT's.
#[derive(Clone, Debug, PartialEq)]
pub struct DpoGrads<F> {
    pub gpt: GptGrads<F>,
}

named_params! {
    impl<F> DpoPolicy<F> => DpoGrads<F> {
        DpoPolicy { gpt, .. }, DpoGrads { gpt: g } => { "": gpt => g }
    }
}

/// One sequence of a pair: a prompt and an answer ending in its end token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    /// The tokens, prompt then answer.
    pub ids: Vec<usize>,
    /// How many of them are the prompt's.
    pub prompt: usize,
}

/// The preference pairs as token ids, and the frozen reference's summed
/// log-probability of each answer.
#[derive(Clone, Debug, PartialEq)]
pub struct DpoPairs {
    pub chosen: Vec<Sequence>,
    pub rejected: Vec<Sequence>,
    /// `(N,)` `s_w^ref`
    pub chosen_ref: Vec<f32>,
    /// `(N,)` `s_l^ref`
    pub rejected_ref: Vec<f32>,
}

/// Every activation of a batch of `N` pairs, allocated once.
#[derive(Clone, Debug)]
pub struct DpoWorkspace {
    /// `idx (2N, T)`, chosen rows then rejected
    pub gpt: GptWorkspace<f32>,
    /// `(2N, T)` the token each position predicts
    pub tokens: Array2<usize>,
    /// `(2N, T)` true at the answer's tokens
    pub mask: Array2<bool>,
    /// The batch's four `(N,)` log-probabilities
    pub pairs: Pairs<f32>,
    /// `answer_logprob`'s cache of the last forward pass
    pub cache: Option<AnswerLogprobCache<f32>>,
    /// `(2N,)` the gradient at `s`
    pub ds: Array1<f32>,
}

impl DpoPairs {
    /// The pairs, with the reference's log-probabilities of their answers,
    /// computed `batch` pairs at a time. Each sequence must fit the
    /// model's block and vocabulary, and have an answer.
    pub fn new(
        reference: &Gpt<f32>,
        chosen: Vec<Sequence>,
        rejected: Vec<Sequence>,
        batch: usize,
    ) -> Result<DpoPairs> {
        let mut pairs = DpoPairs {
            chosen,
            rejected,
            chosen_ref: vec![],
            rejected_ref: vec![],
        };
        pairs.check(reference)?;
        let policy = DpoPolicy {
            gpt: reference.clone(),
            dpo: Dpo::default(),
        };
        let mut ws = policy.workspace(batch.min(pairs.len()))?;
        let n = ws.pairs.chosen.len();
        for from in (0..pairs.len()).step_by(n) {
            for i in 0..n {
                let k = (from + i).min(pairs.len() - 1);
                put(&mut ws, i, &pairs.chosen[k]);
                put(&mut ws, n + i, &pairs.rejected[k]);
            }
            let s = policy.logprobs(&mut ws)?;
            for i in 0..n.min(pairs.len() - from) {
                pairs.chosen_ref.push(s[i]);
                pairs.rejected_ref.push(s[n + i]);
            }
        }
        Ok(pairs)
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    /// Fails, naming the pair, unless every sequence fits `model` and has
    /// an answer after its prompt.
    fn check(&self, model: &Gpt<f32>) -> Result<()> {
        let (block, vocab) = (model.config.block_size, model.config.vocab_size);
        let fail = |detail: String| {
            Err(Error::Input {
                layer: "dpo pairs",
                detail,
            })
        };
        if self.is_empty() {
            return fail("no pairs: DPO has nothing to learn from".into());
        }
        if self.chosen.len() != self.rejected.len() {
            return fail(format!(
                "{} chosen answers and {} rejected ones",
                self.chosen.len(),
                self.rejected.len()
            ));
        }
        for (i, (c, r)) in self.chosen.iter().zip(&self.rejected).enumerate() {
            if c == r {
                return fail(format!(
                    "pair {i}: the chosen and the rejected sequences are the same"
                ));
            }
            for (which, seq) in [("chosen", c), ("rejected", r)] {
                if seq.ids.len() > block || seq.prompt == 0 || seq.prompt >= seq.ids.len() {
                    return fail(format!(
                        "pair {i}: the {which} sequence has {} tokens of which {} the prompt's: it needs an answer, and at most {block} tokens (the block)",
                        seq.ids.len(),
                        seq.prompt
                    ));
                }
                if let Some(&t) = seq.ids.iter().find(|&&t| t >= vocab) {
                    return fail(format!(
                        "pair {i}: the {which} sequence has token {t}, outside the model's {vocab} tokens"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `seq` into row `row` of the batch: inputs, targets, the answer's mask.
fn put(ws: &mut DpoWorkspace, row: usize, seq: &Sequence) {
    let mut idx = ws.gpt.idx.row_mut(row);
    let mut tokens = ws.tokens.row_mut(row);
    let mut mask = ws.mask.row_mut(row);
    idx.fill(0);
    tokens.fill(0);
    mask.fill(false);
    for t in 0..seq.ids.len() - 1 {
        idx[t] = seq.ids[t];
        tokens[t] = seq.ids[t + 1];
        mask[t] = t + 1 >= seq.prompt;
    }
}

impl DpoPolicy<f32> {
    /// The summed log-probabilities `s (2N,)` of the batch's answers, the
    /// cache kept for the backward pass.
    fn logprobs(&self, ws: &mut DpoWorkspace) -> Result<Array1<f32>> {
        self.gpt.forward_logits(&mut ws.gpt)?;
        let (s, cache) = answer_logprob::forward(&ws.gpt.logits, &ws.tokens, &ws.mask)?;
        ws.cache = Some(cache);
        Ok(s)
    }
}

impl Trainable for DpoPolicy<f32> {
    type Workspace = DpoWorkspace;
    type Data = DpoPairs;
    const NAME: &'static str = "DPO policy";

    fn workspace(&self, batch: usize) -> Result<DpoWorkspace> {
        if batch == 0 {
            return Err(Error::Config(
                "a batch of 0 pairs: DPO needs at least one".into(),
            ));
        }
        let t = self.gpt.config.block_size;
        let rows = 2 * batch;
        Ok(DpoWorkspace {
            gpt: self.gpt.workspace(rows, t)?,
            tokens: Array2::zeros((rows, t)),
            mask: Array2::from_elem((rows, t), false),
            pairs: Pairs {
                chosen: Array1::zeros(batch),
                rejected: Array1::zeros(batch),
                chosen_ref: Array1::zeros(batch),
                rejected_ref: Array1::zeros(batch),
            },
            cache: None,
            ds: Array1::zeros(rows),
        })
    }
    fn zero_grads(&self) -> DpoGrads<f32> {
        DpoGrads {
            gpt: self.gpt.zero_grads(),
        }
    }
    fn check_data(&self, data: &DpoPairs) -> Result<()> {
        data.check(&self.gpt)?;
        if data.chosen_ref.len() != data.len() || data.rejected_ref.len() != data.len() {
            return Err(Error::Input {
                layer: "dpo pairs",
                detail: "the reference's log-probabilities do not match the pairs".into(),
            });
        }
        Ok(())
    }
    fn fill_batch(ws: &mut DpoWorkspace, data: &DpoPairs, seed: u64, step: usize) -> Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(step as u64);
        let n = ws.pairs.chosen.len();
        for i in 0..n {
            let k = rng.random_range(0..data.len());
            put(ws, i, &data.chosen[k]);
            put(ws, n + i, &data.rejected[k]);
            ws.pairs.chosen_ref[i] = data.chosen_ref[k];
            ws.pairs.rejected_ref[i] = data.rejected_ref[k];
        }
        Ok(())
    }
    fn train_forward(&mut self, ws: &mut DpoWorkspace) -> Result<f32> {
        let s = self.logprobs(ws)?;
        let n = ws.pairs.chosen.len();
        ws.pairs.chosen.assign(&s.slice(s![..n]));
        ws.pairs.rejected.assign(&s.slice(s![n..]));
        dpo::forward(&ws.pairs, &self.dpo)
    }
    fn train_backward<B: Backprop>(&mut self, ws: &mut DpoWorkspace, grads: &mut DpoGrads<f32>) {
        let n = ws.pairs.chosen.len();
        ws.ds.fill(0.0);
        {
            let (mut dc, mut dr) = ws.ds.view_mut().split_at(ndarray::Axis(0), n);
            B::dpo_backward(&mut dc, &mut dr, 1.0, &ws.pairs, &self.dpo);
        }
        ws.gpt.dlogits.fill(0.0);
        let cache = ws
            .cache
            .as_ref()
            .expect("train_backward follows train_forward");
        B::answer_logprob_backward(&mut ws.gpt.dlogits, &ws.ds, cache, &ws.tokens, &ws.mask);
        self.gpt
            .backward_from_logits::<B>(&mut ws.gpt, &mut grads.gpt);
    }
}
