//! # DPO: preferences without a reward model
//!
//! Direct Preference Optimization trains the policy on pairs of answers to
//! one prompt, one preferred (chosen, `w`) and one not (rejected, `l`),
//! without sampling and without a reward model: the policy's own
//! log-probabilities, relative to the frozen reference's, act as the
//! reward. With `s` an answer's summed log-probability
//! ([`crate::layers::answer_logprob`]), for each of `N` pairs:
//!
//! ```text
//! z[n]  = β · ((s_w - s_w^ref) - (s_l - s_l^ref))
//! loss  = 1/N Σ_n -log σ(z[n])
//! ```
//!
//! The loss falls as the policy raises the chosen answer and lowers the
//! rejected one, each measured against the reference; `β` (0.1 by default)
//! says how far from the reference the policy may go (a small `β`, a long
//! way). `-log σ(z) = softplus(-z)` is computed without overflow
//! ([`log_sigmoid`]). The backward pass is yours to write in
//! `exercises/dpo.rs`; the derivation is in `solutions/dpo.rs`.

use ndarray::{Array1, ArrayRef1, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// DPO's `β` when none is given.
pub const BETA: f64 = 0.1;

/// DPO's setting: `β`, the scale of the implicit reward.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dpo {
    pub beta: f64,
}

impl Default for Dpo {
    fn default() -> Self {
        Dpo { beta: BETA }
    }
}

impl Dpo {
    /// `β`, refused unless a finite number above 0.
    pub fn new(beta: f64) -> Result<Self> {
        let dpo = Dpo { beta };
        dpo.check()?;
        Ok(dpo)
    }

    fn check(&self) -> Result<()> {
        if self.beta.is_finite() && self.beta > 0.0 {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "DPO's β is {}: it must be a finite number above 0 (0.1 is usual; a negative β would prefer the rejected answers)",
                self.beta
            )))
        }
    }
}

/// The summed log-probabilities of `N` pairs of answers, under the policy
/// and under the frozen reference: `s_w`, `s_l`, `s_w^ref`, `s_l^ref`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairs<F> {
    /// `s_w (N,)`, the policy's, of the chosen answers
    pub chosen: Array1<F>,
    /// `s_l (N,)`, the policy's, of the rejected answers
    pub rejected: Array1<F>,
    /// `s_w^ref (N,)`, the reference's, of the chosen answers
    pub chosen_ref: Array1<F>,
    /// `s_l^ref (N,)`, the reference's, of the rejected answers
    pub rejected_ref: Array1<F>,
}

impl<F: Float> Pairs<F> {
    /// Checks that the four have one length, at least 1, and are finite.
    pub fn check(&self) -> Result<()> {
        let n = self.chosen.len();
        if n == 0 {
            return Err(Error::Input {
                layer: "dpo",
                detail: "no pairs: the mean of no losses is undefined".into(),
            });
        }
        for (what, s) in self.named() {
            expect_shape("dpo", what, s.shape(), &[n])?;
            if let Some((i, v)) = s.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::Input {
                    layer: "dpo",
                    detail: format!("{what}[{i}] is {v}: a log-probability must be finite"),
                });
            }
        }
        Ok(())
    }

    /// The four, by the names the formulas give them.
    pub fn named(&self) -> [(&'static str, &Array1<F>); 4] {
        [
            ("s_w (chosen)", &self.chosen),
            ("s_l (rejected)", &self.rejected),
            ("s_w^ref (chosen, reference)", &self.chosen_ref),
            ("s_l^ref (rejected, reference)", &self.rejected_ref),
        ]
    }
}

/// `log σ(x) = -softplus(-x)`, without overflow for any `x`:
/// `min(x, 0) - ln(1 + exp(-|x|))`.
pub fn log_sigmoid<F: Float>(x: F) -> F {
    x.min(F::zero()) - (-x.abs()).exp().ln_1p()
}

/// `σ(x) = 1 / (1 + exp(-x))`, without overflow for any `x`.
pub fn sigmoid<F: Float>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

/// The margins `z (N,)`: `β·((s_w - s_w^ref) - (s_l - s_l^ref))`.
pub fn margins<F: Float>(pairs: &Pairs<F>, dpo: &Dpo) -> Array1<F> {
    let beta = F::lit(dpo.beta);
    let mut z = Array1::zeros(pairs.chosen.len());
    Zip::from(&mut z)
        .and(&pairs.chosen)
        .and(&pairs.rejected)
        .and(&pairs.chosen_ref)
        .and(&pairs.rejected_ref)
        .for_each(|z, &w, &l, &wr, &lr| *z = beta * ((w - wr) - (l - lr)));
    z
}

/// The loss, `mean -log σ(z)`.
pub fn forward<F: Float>(pairs: &Pairs<F>, dpo: &Dpo) -> Result<F> {
    dpo.check()?;
    pairs.check()?;
    let z = margins(pairs, dpo);
    Ok(-z.iter().map(|&z| log_sigmoid(z)).sum::<F>() / F::count(z.len()))
}

/// The fraction of pairs whose chosen answer the policy prefers over the
/// reference more than the rejected one (`z > 0`): DPO's accuracy.
pub fn accuracy<F: Float>(margins: &ArrayRef1<F>) -> f64 {
    let right = margins.iter().filter(|&&z| z > F::zero()).count();
    right as f64 / margins.len().max(1) as f64
}
