//! # Drawing the next character, for every model
//!
//! Every sampler of the crate (the MLP's and the WaveNet's
//! [`crate::train::sample`], the GPT's [`crate::train::gpt::Sampler`], both
//! behind the one call [`crate::train::generate::generate`]) turns
//! a model's logits into the next character the same way: [`Sampling`]
//! divides them by a temperature and keeps the `top_k` largest (nanoGPT's
//! `generate`), then [`multinomial`] draws from the probabilities. At the
//! defaults (temperature 1, every character) the logits are left as they
//! are, bit for bit.

use rand::Rng;
use rand::distr::{Distribution, StandardUniform};

use crate::error::{Error, Result};
use crate::float::Float;

/// How the logits are shaped before the draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// Logits are divided by this: below 1 sharper, above 1 flatter.
    pub temperature: f32,
    /// Only the `k` largest logits (and those equal to the `k`-th) can be drawn.
    pub top_k: Option<usize>,
}

impl Default for Sampling {
    /// Temperature 1, every character: the model's own probabilities.
    fn default() -> Self {
        Sampling {
            temperature: 1.0,
            top_k: None,
        }
    }
}

impl Sampling {
    /// Fails on a temperature that is not a positive number, or a `top_k` of 0.
    pub fn validate(&self) -> Result<()> {
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(Error::Config(format!(
                "the temperature must be a positive number, got {}",
                self.temperature
            )));
        }
        if self.top_k == Some(0) {
            return Err(Error::Config("top-k must be at least 1".into()));
        }
        Ok(())
    }

    /// `logits / temperature`, and every logit below the `top_k`-th largest
    /// set to `-∞`. Leaves the logits untouched at the defaults.
    pub fn apply(&self, logits: &mut [f32]) {
        if self.temperature != 1.0 {
            for x in logits.iter_mut() {
                *x /= self.temperature;
            }
        }
        if let Some(k) = self.top_k.filter(|&k| k > 0 && k < logits.len()) {
            let mut sorted = logits.to_vec();
            sorted.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            let kth = sorted[k - 1];
            for x in logits.iter_mut().filter(|x| **x < kth) {
                *x = f32::NEG_INFINITY;
            }
        }
    }
}

/// An index drawn with probabilities proportional to `weights` (which
/// need not sum to 1): one uniform number scaled by their sum, then the
/// first index whose running sum exceeds it.
pub fn multinomial<T: Float>(weights: &[T], rng: &mut impl Rng) -> usize
where
    StandardUniform: Distribution<T>,
{
    let u = rng.random::<T>() * weights.iter().copied().sum::<T>();
    let mut acc = T::zero();
    for (i, &p) in weights.iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}
