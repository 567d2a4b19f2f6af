//! # The Bradley–Terry loss of a reward model, over pairs of answers
//!
//! *State of GPT*, fine-tuning: a reward model scores an answer with one
//! number `r`. It learns from pairs of answers to one prompt, one preferred
//! (chosen, `r_c`) and one not (rejected, `r_r`): the Bradley–Terry model
//! says the chosen one wins with probability `σ(r_c − r_r)`, and the loss is
//! its mean negative log-likelihood over the `N` pairs of a batch:
//!
//! ```text
//! Δ[i]  = r_c[i] − r_r[i]                      (N,)
//! loss  = −1/N Σ_i log σ(Δ[i])
//! ```
//!
//! Only the difference of the two rewards counts: adding a constant to
//! every reward changes nothing. `log σ(Δ) = −softplus(−Δ)` is computed
//! without overflow for any `Δ` ([`log_sigmoid`]). The backward pass is
//! yours to write in `exercises/bradley_terry.rs`; the derivation is in
//! `solutions/bradley_terry.rs`.

use ndarray::ArrayRef1;

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// `σ(z) = 1 / (1 + e^(−z))`, without overflow: `e^z / (1 + e^z)` for
/// `z < 0`.
pub fn sigmoid<F: Float>(z: F) -> F {
    if z >= F::zero() {
        F::one() / (F::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (F::one() + e)
    }
}

/// `log σ(z) = −softplus(−z) = min(z, 0) − log(1 + e^(−|z|))`, finite for
/// every finite `z`.
pub fn log_sigmoid<F: Float>(z: F) -> F {
    z.min(F::zero()) - (-z.abs()).exp().ln_1p()
}

/// Checks a batch of pairs: as many chosen rewards as rejected ones, and
/// at least one pair.
pub fn check_pairs<F: Float>(r_chosen: &ArrayRef1<F>, r_rejected: &ArrayRef1<F>) -> Result<()> {
    expect_shape(
        "bradley_terry",
        "rejected rewards",
        r_rejected.shape(),
        r_chosen.shape(),
    )?;
    if r_chosen.is_empty() {
        return Err(Error::Input {
            layer: "bradley_terry",
            detail: "no pairs: the mean of no losses is undefined".into(),
        });
    }
    Ok(())
}

/// `loss = −1/N Σ log σ(r_c − r_r)` over the `N` pairs.
pub fn forward<F: Float>(r_chosen: &ArrayRef1<F>, r_rejected: &ArrayRef1<F>) -> Result<F> {
    check_pairs(r_chosen, r_rejected)?;
    let sum: F = r_chosen
        .iter()
        .zip(r_rejected)
        .map(|(&c, &r)| log_sigmoid(c - r))
        .sum();
    Ok(-sum / F::count(r_chosen.len()))
}

/// The fraction of pairs whose chosen answer scores higher than the
/// rejected one (a tie counts as wrong).
pub fn pair_accuracy<F: Float>(r_chosen: &ArrayRef1<F>, r_rejected: &ArrayRef1<F>) -> f64 {
    let right = (r_chosen.iter().zip(r_rejected))
        .filter(|(c, r)| c > r)
        .count();
    right as f64 / r_chosen.len().max(1) as f64
}
