//! # A KV cache: sampling a GPT one position at a time (State of GPT, sampling)
//!
//! Generation draws one token, appends it and runs the model again. The
//! full forward pass ([`Gpt::forward_logits`]) recomputes every position of
//! the context for the one row of logits it needs; yet, attention being
//! causal, nothing at positions `s < t` depends on what comes after them.
//! Their keys and values can be kept, and each new token costs one
//! position:
//!
//! ```text
//! x     = wte[token] + wpe[t]                                   (n, C)
//! for each block, for each head h (its columns of q, k, v):
//!     q, k, v = c_attn(ln_1(x))                                 (n, 3C)
//!     K[:, t] = k;  V[t, :] = v                 kept: Kᵀ (C, block), V (block, C)
//!     att   = softmax(q_h @ Kᵀ_h[:, 0..=t] · hs^-0.5)           (1, t + 1)
//!     y_h   = att @ V_h[0..=t]                                  (1, hs)
//!     x     = x + c_proj(y);  x = x + mlp(ln_2(x))              (n, C)
//! logits = lm_head(ln_f(x))                                     (n, V)
//! ```
//!
//! [`KvCache`] holds the keys and values of `B` rows (each its own sample,
//! at its own position) for every block, and the scratch of one step, all
//! allocated once: [`KvCache::step`] allocates nothing. A step feeds one
//! token to any of the rows, `n` of them, which run as the `n` rows of each
//! matrix product.
//!
//! Each position is computed exactly as the full forward pass computes it:
//! the same layers' code on the same rows, the same products (`c += a @ b`,
//! whose every entry is a sum over `k` in order from zero, whatever the
//! number of rows), the causal softmax of the same row. The attention's
//! `att @ v` of the full pass also adds the masked future, `0 · v`, which
//! changes no sum. So the logits agree bit for bit, and a sampler drawing
//! from them draws the same tokens with or without the cache.
//!
//! Positions run from 0 to `block_size − 1`: the position embeddings are
//! learned for those alone. A context longer than the block slides its
//! window (the lecture's `idx[:, -block_size:]`), which moves every token
//! to another position: nothing kept is valid any more, and the sampler
//! runs the full pass on the window ([`crate::train::gpt::Sampler`]).

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis, Zip, aview_mut1, aview1, s};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::layers::block::{Activation, Block};
use crate::layers::layernorm::LayerNorm;
use crate::layers::softmax::causal_softmax_last_row;
use crate::layers::{gelu, relu};
use crate::models::gpt::{Gpt, GptBody, GptConfig};
use crate::ops::matmul_acc;

/// The keys and values of one block, for every row.
#[derive(Clone, Debug)]
struct BlockKv<F> {
    /// `(B, C, block_size)`: the keys, transposed, so that `q @ Kᵀ` reads rows
    kt: Array3<F>,
    /// `(B, block_size, C)`: the values
    v: Array3<F>,
}

/// A LayerNorm's output and statistics for up to `B` rows.
#[derive(Clone, Debug)]
struct NormScratch<F> {
    /// `(B, C)`
    out: Array2<F>,
    /// `(B, C)`
    xhat: Array2<F>,
    /// `(B,)`
    rstd: Array1<F>,
}

impl<F: Float> NormScratch<F> {
    fn new(b: usize, c: usize) -> Self {
        NormScratch {
            out: Array2::zeros((b, c)),
            xhat: Array2::zeros((b, c)),
            rstd: Array1::zeros(b),
        }
    }

    /// `ln(x)` for the `n` rows of `x` into `out[..n]`.
    fn run(&mut self, ln: &LayerNorm<F>, x: &ArrayView2<'_, F>) {
        let n = x.nrows();
        ln.normalize_rows(
            x,
            &mut self.out.slice_mut(s![..n, ..]),
            &mut self.xhat.slice_mut(s![..n, ..]),
            &mut self.rstd.slice_mut(s![..n]),
        );
    }
}

/// The keys and values of `B` rows, and the scratch of one step.
#[derive(Clone, Debug)]
pub struct KvCache<F> {
    config: GptConfig,
    /// One per block (none for the bigram)
    blocks: Vec<BlockKv<F>>,
    /// Positions filled, per row
    len: Vec<usize>,
    /// The step each row was last fed in, to refuse a row fed twice in one step
    fed_at: Vec<u64>,
    steps: u64,
    /// `(B,)`: the cache row and the position of each of the step's rows
    rows: Vec<(usize, usize)>,
    /// `(B, C)`: the residual stream into a block, and out of it
    x: Array2<F>,
    out: Array2<F>,
    /// `(B, C)`: between the block's halves
    x1: Array2<F>,
    ln: NormScratch<F>,
    /// `(B, 3C)`: `q | k | v`
    qkv: Array2<F>,
    /// `(B, C)`: the heads' outputs, concatenated
    y: Array2<F>,
    /// `(block_size,)`: one head's scores, then its weights
    att: Vec<F>,
    /// `(B, H)`: the MLP's hidden layer before and after its activation
    fc: Array2<F>,
    act: Array2<F>,
    /// `(B, V)`
    logits: Array2<F>,
}

impl<F: Float> KvCache<F> {
    /// An empty cache of `batch` rows for `model`.
    pub fn new(model: &Gpt<F>, batch: usize) -> Result<Self> {
        let config = model.config;
        let GptConfig {
            vocab_size: v,
            block_size: t,
            n_embd: c,
            ..
        } = config;
        if batch == 0 {
            return Err(Error::Config(
                "a KV cache needs at least one row, got a batch of 0".into(),
            ));
        }
        let (blocks, hidden) = match &model.net {
            GptBody::Bigram(_) => (vec![], 0),
            GptBody::Transformer { h, .. } => (
                h.iter()
                    .map(|_| BlockKv {
                        kt: Array3::zeros((batch, c, t)),
                        v: Array3::zeros((batch, t, c)),
                    })
                    .collect(),
                h.iter()
                    .filter_map(|b| b.mlp.as_ref().map(|m| m.hidden()))
                    .max()
                    .unwrap_or(0),
            ),
        };
        let m = |width: usize| Array2::zeros((batch, width));
        Ok(KvCache {
            config,
            blocks,
            len: vec![0; batch],
            fed_at: vec![0; batch],
            steps: 0,
            rows: Vec::with_capacity(batch),
            x: m(c),
            out: m(c),
            x1: m(c),
            ln: NormScratch::new(batch, c),
            qkv: m(3 * c),
            y: m(c),
            att: vec![F::zero(); t],
            fc: m(hidden),
            act: m(hidden),
            logits: m(v),
        })
    }

    /// `B`, the rows.
    pub fn batch(&self) -> usize {
        self.len.len()
    }

    /// The positions row `row` holds: the next token it is fed goes there.
    pub fn len(&self, row: usize) -> usize {
        self.len[row]
    }

    /// Whether row `row` holds nothing.
    pub fn is_empty(&self, row: usize) -> bool {
        self.len[row] == 0
    }

    /// Keeps the first `len` positions of row `row` (at most those it
    /// holds): what a shorter context had, unchanged. `0` empties the row.
    pub fn truncate(&mut self, row: usize, len: usize) {
        self.len[row] = self.len[row].min(len);
    }

    /// Empties every row.
    pub fn clear(&mut self) {
        self.len.fill(0);
    }

    /// Feeds `token` to each `(row, token)` of `feed`, at the row's next
    /// position, and returns the logits of what follows, one row of
    /// `(n, V)` per entry of `feed`, in its order. Allocates nothing.
    ///
    /// Fails on a model of another configuration, a row out of the batch
    /// or fed twice, a token out of the vocabulary, or a row already
    /// holding `block_size` positions.
    pub fn step(&mut self, model: &Gpt<F>, feed: &[(usize, usize)]) -> Result<ArrayView2<'_, F>> {
        self.check(model, feed)?;
        let n = feed.len();
        self.rows.clear();
        for &(row, _) in feed {
            self.rows.push((row, self.len[row]));
            self.len[row] += 1;
        }
        match &model.net {
            GptBody::Bigram(table) => {
                for (mut logits, &(_, token)) in self.logits.rows_mut().into_iter().zip(feed) {
                    logits.assign(&table.table.row(token));
                }
            }
            GptBody::Transformer {
                emb,
                h,
                ln_f,
                lm_head,
            } => {
                // x = wte[token] + wpe[t], as the full pass adds them
                for ((mut x, &(_, token)), &(_, t)) in
                    self.x.rows_mut().into_iter().zip(feed).zip(&self.rows)
                {
                    Zip::from(&mut x)
                        .and(&emb.wte.row(token))
                        .and(&emb.wpe.row(t))
                        .for_each(|o, &tok, &pos| *o = tok + pos);
                }
                for (i, block) in h.iter().enumerate() {
                    self.block_step(block, i, n)?;
                    std::mem::swap(&mut self.x, &mut self.out);
                }
                let x = self.x.slice(s![..n, ..]);
                let mut logits = self.logits.slice_mut(s![..n, ..]);
                match ln_f {
                    Some(ln) => {
                        self.ln.run(ln, &x);
                        lm_head.forward_into(&self.ln.out.slice(s![..n, ..]), &mut logits)?;
                    }
                    None => lm_head.forward_into(&x, &mut logits)?,
                }
            }
        }
        Ok(self.logits.slice(s![..n, ..]))
    }

    fn check(&mut self, model: &Gpt<F>, feed: &[(usize, usize)]) -> Result<()> {
        if model.config != self.config {
            return Err(Error::Config(format!(
                "a KV cache made for a GPT of {} fed to one of {}",
                self.config.sizes(),
                model.config.sizes()
            )));
        }
        self.steps += 1;
        let (batch, block, vocab) = (self.batch(), self.config.block_size, self.config.vocab_size);
        for &(row, token) in feed {
            if row >= batch {
                return Err(Error::Config(format!(
                    "KV cache: row {row} of a batch of {batch}"
                )));
            }
            if self.fed_at[row] == self.steps {
                return Err(Error::Config(format!(
                    "KV cache: row {row} fed twice in one step"
                )));
            }
            self.fed_at[row] = self.steps;
            if token >= vocab {
                return Err(Error::Config(format!(
                    "KV cache: token {token} fed to row {row}, outside the vocabulary of {vocab}"
                )));
            }
            if self.len[row] >= block {
                return Err(Error::Config(format!(
                    "KV cache: row {row} holds {block} positions, the whole block: a longer context slides its window"
                )));
            }
        }
        Ok(())
    }

    /// Block `i` on the `n` rows of `self.x` into `self.out`, as
    /// `Block::forward_into` computes each position.
    fn block_step(&mut self, block: &Block<F>, i: usize, n: usize) -> Result<()> {
        let x = self.x.slice(s![..n, ..]);
        let mut x1 = self.x1.slice_mut(s![..n, ..]);
        // x1 = x + attn(ln_1(x))
        let h1 = match &block.ln_1 {
            Some(ln) => {
                self.ln.run(ln, &x);
                self.ln.out.slice(s![..n, ..])
            }
            None => x.view(),
        };
        let attn = &block.attn;
        let (c, hs, scale) = (attn.n_embd(), attn.head_size(), attn.scale());
        let mut qkv = self.qkv.slice_mut(s![..n, ..]);
        attn.c_attn.forward_into(&h1, &mut qkv)?; // (n, 3C)
        let mut y = self.y.slice_mut(s![..n, ..]);
        y.fill(F::zero());
        let kv = &mut self.blocks[i];
        for ((qkv, y), &(row, t)) in qkv.rows().into_iter().zip(y.rows_mut()).zip(&self.rows) {
            let mut kt = kv.kt.index_axis_mut(Axis(0), row); // (C, block)
            kt.column_mut(t).assign(&qkv.slice(s![c..2 * c]));
            let mut v = kv.v.index_axis_mut(Axis(0), row); // (block, C)
            v.row_mut(t).assign(&qkv.slice(s![2 * c..]));
            let q = qkv.insert_axis(Axis(0)); // (1, 3C)
            let mut y = y.insert_axis(Axis(0)); // (1, C)
            for h in 0..attn.n_head {
                let cols = h * hs..(h + 1) * hs;
                let att = &mut self.att[..=t];
                att.fill(F::zero());
                let q_h = q.slice(s![.., cols.clone()]); // (1, hs)
                let k_h = kt.slice(s![cols.clone(), ..=t]); // (hs, t + 1)
                matmul_acc(&mut aview_mut1(att).insert_axis(Axis(0)), &q_h, &k_h);
                causal_softmax_last_row(att, scale);
                let att = aview1(att).insert_axis(Axis(0)); // (1, t + 1)
                let v_h = v.slice(s![..=t, cols.clone()]); // (t + 1, hs)
                matmul_acc(&mut y.slice_mut(s![.., cols]), &att, &v_h);
            }
        }
        match &attn.c_proj {
            Some(p) => p.forward_into(&y, &mut x1)?,
            None => x1.assign(&y),
        }
        if block.residual {
            x1 += &x;
        }
        // out = x1 + mlp(ln_2(x1))
        let mut out = self.out.slice_mut(s![..n, ..]);
        let Some(m) = &block.mlp else {
            out.assign(&x1);
            return Ok(());
        };
        let x1 = x1.view();
        let h2 = match &block.ln_2 {
            Some(ln) => {
                self.ln.run(ln, &x1);
                self.ln.out.slice(s![..n, ..])
            }
            None => x1.view(),
        };
        let width = m.hidden();
        let mut fc = self.fc.slice_mut(s![..n, ..width]);
        let mut act = self.act.slice_mut(s![..n, ..width]);
        m.c_fc.forward_into(&h2, &mut fc)?;
        match m.act {
            Activation::Relu => relu::forward_into(&fc, &mut act)?,
            Activation::Gelu => gelu::forward_into(&fc, &mut act)?,
        }
        match &m.c_proj {
            Some(p) => p.forward_into(&act, &mut out)?,
            None => out.assign(&act),
        }
        if block.residual {
            out += &x1;
        }
        Ok(())
    }
}
