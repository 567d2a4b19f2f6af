//! # Training the neural bigram (makemore part 1)
//!
//! Full-batch gradient descent on the one-layer softmax net of
//! [`crate::course::bigram`], with `B`'s `dW` (`exercises/bigram.rs`).
#![allow(non_snake_case)] // the lecture's W, dW

use ndarray::{Array2, Zip};

use crate::backprop::Backprop;
use crate::course::bigram::{Bigrams, NeuralForward, forward, forward_into, init};
use crate::error::{Error, Result};

/// How to train the neural bigram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuralConfig {
    pub steps: usize,
    /// The lecture's learning rate is 50: the gradient of a mean over
    /// 228,146 bigrams is small.
    pub lr: f64,
    /// Seeds `W`.
    pub seed: u64,
}

impl NeuralConfig {
    /// 200 steps of full-batch gradient descent at lr 50 from the lecture's seed.
    pub const LECTURE: NeuralConfig = NeuralConfig {
        steps: 200,
        lr: 50.0,
        seed: 2147483647,
    };

    pub fn validate(&self) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::Config(format!(
                "the learning rate must be a positive number, got {}",
                self.lr
            )));
        }
        Ok(())
    }
}

/// Trains `W` by full-batch gradient descent with `B`'s `dW`, calling
/// `on_step(step, forward)` with the forward pass of each step (1-based)
/// before its update. Returns `W` and its final forward pass.
pub fn train<B: Backprop>(
    data: &Bigrams,
    cfg: &NeuralConfig,
    mut on_step: impl FnMut(usize, &NeuralForward),
) -> Result<(Array2<f64>, NeuralForward)> {
    cfg.validate()?;
    let mut W = init(data.vocab.len(), cfg.seed);
    let mut dW = Array2::zeros(W.raw_dim());
    let mut f = forward(&W, data)?;
    for step in 1..=cfg.steps {
        forward_into(&W, data, &mut f)?;
        if !f.loss.is_finite() {
            return Err(Error::Diverged { step, loss: f.loss });
        }
        on_step(step, &f);
        dW.fill(0.0);
        B::bigram_backward(&mut dW, &f, data, &W);
        Zip::from(&mut W)
            .and(&dW)
            .for_each(|w, &d| *w -= cfg.lr * d);
    }
    forward_into(&W, data, &mut f)?;
    if !f.loss.is_finite() {
        return Err(Error::Diverged {
            step: cfg.steps,
            loss: f.loss,
        });
    }
    Ok((W, f))
}
