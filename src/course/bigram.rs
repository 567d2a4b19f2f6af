//! # The bigram language model, two ways (makemore part 1)
//!
//! The lecture *"The spelled-out intro to language modeling: building
//! makemore"* predicts each character from the one before it, `.` marking
//! the start and the end of a word (`.emma.` is five bigrams: `.e em mm ma
//! a.`), and builds the same model twice:
//!
//! 1. **Counting**: count every bigram in a `V × V` table `N`, add 1 to every
//!    count (smoothing, so nothing has probability 0), and normalise each
//!    row: `P[x, y] = (N[x, y] + 1) / Σ_y' (N[x, y'] + 1)`.
//! 2. **Neural**: one linear layer `W (V, V)` and a softmax, trained by
//!    gradient descent on the same bigrams:
//!
//! ```text
//! xenc = one_hot(xs)                      (n, V)
//! logits = xenc @ W                       (n, V)   row i is W[xs[i]]
//! counts = exp(logits)                    (n, V)
//! probs = counts / counts.sum(1)          (n, V)
//! loss = -mean_i ln probs[i, ys[i]] + 0.01 · mean(W²)
//! ```
//!
//! Both are scored by the mean negative log-likelihood (NLL) of every bigram
//! of the data set (no split, as in the lecture): 2.4546 for counting on the
//! lecture's `names.txt`. The neural model learns `W ≈ log N` and comes close
//! to it; the regularisation term plays the part of the smoothing. The
//! neural model's one gradient, `dW`, is an exercise: `exercises/bigram.rs`.
#![allow(non_snake_case)] // the lecture's names: N, P, W, dW

use ndarray::{Array1, Array2, ArrayRef2};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::corpus::words::{Examples, Vocab};
use crate::error::{Error, Result, expect_shape};

/// The weight of `mean(W²)` in the neural model's loss.
pub const REG: f64 = 0.01;

/// No sampled word is longer than this (a guard against a model that
/// almost never ends a word).
pub const MAX_SAMPLE_LEN: usize = 100;

/// Every bigram of a list of words: `xs[i]` is followed by `ys[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bigrams {
    pub xs: Vec<usize>,
    pub ys: Vec<usize>,
    pub vocab: Vocab,
}

impl Bigrams {
    /// Every bigram of every word, `.` before and after each, with the
    /// vocabulary of the words.
    pub fn from_words(words: &[String]) -> Result<Bigrams> {
        let vocab = Vocab::from_words(words);
        let examples = Examples::build(words, &vocab, 1)?;
        Ok(Bigrams {
            xs: examples.x.into_raw_vec_and_offset().0,
            ys: examples.y,
            vocab,
        })
    }

    /// How many bigrams.
    pub fn len(&self) -> usize {
        self.ys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ys.is_empty()
    }

    /// Fails unless there is at least one bigram and every index is in the
    /// vocabulary.
    fn check(&self) -> Result<()> {
        let v = self.vocab.len();
        let bad = |detail: String| {
            Err(Error::Input {
                layer: "bigram",
                detail,
            })
        };
        if self.xs.len() != self.ys.len() || self.is_empty() {
            return bad(format!(
                "{} inputs and {} targets: need as many, and at least one",
                self.xs.len(),
                self.ys.len()
            ));
        }
        match self.xs.iter().chain(&self.ys).find(|&&i| i >= v) {
            Some(i) => bad(format!("index {i} is outside the vocabulary of {v}")),
            None => Ok(()),
        }
    }
}

/// The counting model.
#[derive(Clone, Debug, PartialEq)]
pub struct Counting {
    /// `N[x, y]`, how often `y` follows `x`. `(V, V)`
    pub N: Array2<u32>,
    /// `P[x, y] = (N[x, y] + smoothing) / Σ_y' (N[x, y'] + smoothing)`. `(V, V)`
    pub P: Array2<f64>,
}

impl Counting {
    /// Counts the bigrams of `data` and normalises with `+smoothing` (the
    /// lecture: 1).
    pub fn fit(data: &Bigrams, smoothing: f64) -> Result<Counting> {
        data.check()?;
        if !(smoothing.is_finite() && smoothing >= 0.0) {
            return Err(Error::Config(format!(
                "smoothing must be a finite number ≥ 0, got {smoothing}"
            )));
        }
        let v = data.vocab.len();
        let mut N = Array2::<u32>::zeros((v, v));
        for (&x, &y) in data.xs.iter().zip(&data.ys) {
            N[[x, y]] += 1;
        }
        let mut P = N.mapv(|c| c as f64 + smoothing);
        for mut row in P.rows_mut() {
            let sum = row.sum();
            // A character that never starts a bigram and no smoothing: a
            // uniform row rather than 0/0.
            if sum > 0.0 {
                row /= sum;
            } else {
                row.fill(1.0 / v as f64);
            }
        }
        Ok(Counting { N, P })
    }

    /// The mean negative log-likelihood of the bigrams of `data`.
    pub fn nll(&self, data: &Bigrams) -> Result<f64> {
        data.check()?;
        expect_shape("bigram", "P", self.P.shape(), &[data.vocab.len(); 2])?;
        let log_likelihood: f64 = data
            .xs
            .iter()
            .zip(&data.ys)
            .map(|(&x, &y)| self.P[[x, y]].ln())
            .sum();
        Ok(-log_likelihood / data.len() as f64)
    }
}

/// What the neural model's forward pass keeps for its backward pass.
#[derive(Clone, Debug, PartialEq)]
pub struct NeuralForward {
    /// `softmax(xenc @ W)`, one row per bigram. `(n, V)`
    pub probs: Array2<f64>,
    /// `-mean_i ln probs[i, ys[i]]`
    pub nll: f64,
    /// `nll + REG · mean(W²)`, what gradient descent minimises
    pub loss: f64,
}

/// `W (V, V)` drawn from a standard normal, as the lecture's `torch.randn`.
pub fn init(vocab_len: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::random_using((vocab_len, vocab_len), StandardNormal, &mut rng)
}

/// The neural model's forward pass over every bigram of `data`.
pub fn forward(W: &ArrayRef2<f64>, data: &Bigrams) -> Result<NeuralForward> {
    let mut f = NeuralForward {
        probs: Array2::zeros((0, 0)),
        nll: 0.0,
        loss: 0.0,
    };
    forward_into(W, data, &mut f)?;
    Ok(f)
}

/// The same, into `f`, reusing its `probs` when the shape fits: a training
/// loop then allocates nothing per step.
pub fn forward_into(W: &ArrayRef2<f64>, data: &Bigrams, f: &mut NeuralForward) -> Result<()> {
    data.check()?;
    let v = data.vocab.len();
    expect_shape("bigram", "W", W.shape(), &[v, v])?;
    if f.probs.dim() != (data.len(), v) {
        f.probs = Array2::zeros((data.len(), v));
    }
    // `xenc @ W` with a one-hot `xenc` picks row `xs[i]` of `W`, so row `i`
    // of `probs` is `softmax(W[xs[i]])`: V softmaxes, each copied to every
    // bigram that starts with its character, instead of n.
    let softmax_w = softmax_rows(W);
    for (mut row, &x) in f.probs.rows_mut().into_iter().zip(&data.xs) {
        row.assign(&softmax_w.row(x));
    }
    let n = data.len() as f64;
    f.nll = -data
        .ys
        .iter()
        .enumerate()
        .map(|(i, &y)| f.probs[[i, y]].ln())
        .sum::<f64>()
        / n;
    f.loss = f.nll + REG * W.mapv(|w| w * w).mean().expect("W is not empty");
    Ok(())
}

/// `exp(logits) / exp(logits).sum(1)`, row by row. Each row's max is
/// subtracted first: softmax does not change, and `exp` cannot overflow.
pub fn softmax_rows(logits: &ArrayRef2<f64>) -> Array2<f64> {
    let mut counts = logits.to_owned();
    for mut row in counts.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        row.mapv_inplace(|x| (x - max).exp());
        let sum = row.sum();
        row /= sum;
    }
    counts
}

/// The neural model's `P (V, V)`: row `x` is the distribution of the
/// character after `x`, `softmax(W[x])`.
pub fn neural_probs(W: &ArrayRef2<f64>) -> Array2<f64> {
    softmax_rows(W)
}

/// `count` words drawn from the bigram probabilities `P (V, V)`: start at
/// `.`, draw the next character from row `P[current]`, stop at `.`.
pub fn sample(P: &ArrayRef2<f64>, vocab: &Vocab, count: usize, seed: u64) -> Result<Vec<String>> {
    expect_shape("bigram", "P", P.shape(), &[vocab.len(); 2])?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let words = (0..count)
        .map(|_| {
            let mut word = String::new();
            let mut ix = 0;
            while word.chars().count() < MAX_SAMPLE_LEN {
                ix = draw(&P.row(ix).to_owned(), &mut rng);
                if ix == 0 {
                    break;
                }
                word.push(vocab.char(ix));
            }
            word
        })
        .collect();
    Ok(words)
}

/// An index drawn with probability proportional to `weights[i]`.
fn draw(weights: &Array1<f64>, rng: &mut impl Rng) -> usize {
    let mut u = rng.random::<f64>() * weights.sum();
    for (i, &w) in weights.iter().enumerate() {
        if u < w {
            return i;
        }
        u -= w;
    }
    // Rounding left `u` a hair above the last weight: the last non-zero one.
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}
