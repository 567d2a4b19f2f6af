//! # AdamW: the optimiser of lecture 7
//!
//! "Let's build GPT" trains with `torch.optim.AdamW` instead of the plain
//! gradient descent of makemore: each parameter keeps a running mean of its
//! gradients (`m`, momentum) and of their squares (`v`), and steps by
//! `m / √v`, so every parameter moves at about the learning rate whatever
//! the scale of its gradient. Weight decay is *decoupled* (Loshchilov &
//! Hutter): the parameters shrink by `lr·λ` directly, instead of `λ·p`
//! being added to the gradient (that would be L2 regularisation, which Adam
//! then rescales away). As PyTorch documents it, step `t = 1, 2, …`:
//!
//! ```text
//! p   ← p - lr·λ·p                      decoupled weight decay
//! m   ← β₁·m + (1 - β₁)·g               first moment
//! v   ← β₂·v + (1 - β₂)·g²              second moment
//! m̂   = m / (1 - β₁ᵗ)                   bias corrections: m and v start at 0
//! v̂   = v / (1 - β₂ᵗ)
//! p   ← p - lr · m̂ / (√v̂ + ε)
//! ```
//!
//! The update of one tensor is yours to write in `exercises/adamw.rs` (the
//! rule is in `solutions/adamw.rs`); `crate::models::adamw::AdamWState`
//! keeps the moments of a whole model and calls it for each parameter.

use crate::error::{Error, Result};

/// The hyperparameters: `torch.optim.AdamW(lr, betas=(beta1, beta2), eps, weight_decay)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamW {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// `λ`: each step multiplies the parameters by `1 - lr·λ` first.
    pub weight_decay: f64,
}

impl AdamW {
    /// PyTorch's defaults: `lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2`.
    pub const TORCH: AdamW = AdamW {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 1e-2,
    };

    /// makemore's: `betas (0.9, 0.99), eps 1e-8, weight_decay 0.01`, lr 5e-4.
    pub const MAKEMORE: AdamW = AdamW {
        lr: 5e-4,
        beta1: 0.9,
        beta2: 0.99,
        eps: 1e-8,
        weight_decay: 0.01,
    };

    /// Fails on a setting PyTorch refuses (a negative rate, a β outside [0, 1)).
    pub fn validate(&self) -> Result<()> {
        let ok = self.lr >= 0.0
            && (0.0..1.0).contains(&self.beta1)
            && (0.0..1.0).contains(&self.beta2)
            && self.eps >= 0.0
            && self.weight_decay >= 0.0;
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "AdamW needs lr ≥ 0, 0 ≤ betas < 1, eps ≥ 0, weight_decay ≥ 0; got lr {}, betas ({}, {}), eps {}, weight_decay {}",
                self.lr, self.beta1, self.beta2, self.eps, self.weight_decay
            )))
        }
    }
}
