//! # The Bradley–Terry loss, backward — solution (State of GPT: the reward model)
//!
//! Forward (`src/layers/bradley_terry.rs`), over `N` pairs of rewards
//! `r_c (N,)` (chosen) and `r_r (N,)` (rejected):
//!
//! ```text
//! Δ[i] = r_c[i] − r_r[i]
//! loss = −1/N Σ_i log σ(Δ[i])
//! ```
//!
//! With `σ(z) = 1/(1 + e^(−z))`, `log σ(z) = −log(1 + e^(−z))`, so
//!
//! ```text
//! d/dz log σ(z) = e^(−z) / (1 + e^(−z)) = 1/(1 + e^z) = σ(−z) = 1 − σ(z)
//! ```
//!
//! Pair `i` is in the loss through `Δ[i]` alone, with weight `−1/N`, so
//! `∂loss/∂Δ[i] = −σ(−Δ[i])/N`. And `Δ = r_c − r_r` hands that to `r_c`
//! with `+1` and to `r_r` with `−1`:
//!
//! ```text
//! ∂loss/∂r_c[i] = −σ(−Δ[i]) / N         (N,)
//! ∂loss/∂r_r[i] = +σ(−Δ[i]) / N         (N,)
//! ```
//!
//! times `dloss`, the gradient that arrives at the loss. `σ(−Δ)` is the
//! probability the model gives to the wrong order: a pair it already ranks
//! confidently (`Δ ≫ 0`) pulls almost nothing, a pair it ranks wrongly
//! pulls with up to `1/N`, the chosen reward up and the rejected one down.
//! (This is PyTorch's `-F.logsigmoid(r_c - r_r).mean()`.)

use ndarray::{ArrayRef1, Zip};

use crate::float::Float;
use crate::layers::bradley_terry::sigmoid;

/// Accumulates (`+=`) `dr_chosen = −dloss·σ(−Δ)/N` and
/// `dr_rejected = +dloss·σ(−Δ)/N`, `Δ = r_c − r_r`.
pub fn backward<F: Float>(
    dr_chosen: &mut ArrayRef1<F>,   // (N,)
    dr_rejected: &mut ArrayRef1<F>, // (N,)
    dloss: F,                       // the gradient arriving at the loss, 1 at the top
    r_chosen: &ArrayRef1<F>,        // (N,)
    r_rejected: &ArrayRef1<F>,      // (N,)
) {
    let scale = dloss / F::count(r_chosen.len());
    Zip::from(dr_chosen)
        .and(dr_rejected)
        .and(r_chosen)
        .and(r_rejected)
        .for_each(|dc, dr, &c, &r| {
            let wrong_order = sigmoid(r - c); // σ(−Δ)
            *dc -= scale * wrong_order;
            *dr += scale * wrong_order;
        });
}
