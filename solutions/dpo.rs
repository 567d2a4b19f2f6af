//! # DPO, backward — solution (State of GPT: preferences without a reward model)
//!
//! Forward (`src/layers/dpo.rs`), for each of `N` pairs:
//!
//! ```text
//! z[n] = β · ((s_w - s_w^ref) - (s_l - s_l^ref))
//! loss = 1/N Σ_n -log σ(z[n])
//! ```
//!
//! First the log-sigmoid: `log σ(z) = -log(1 + exp(-z))`, so
//! `d log σ(z)/dz = exp(-z)/(1 + exp(-z)) = σ(-z)` (also `1 - σ(z)`), and
//! `∂(-log σ(z))/∂z = -σ(-z)`: large when the pair is ranked wrong
//! (`z ≪ 0`), vanishing once it is ranked right by a margin. Then `z`,
//! linear in the policy's two log-probabilities: `∂z/∂s_w = β`,
//! `∂z/∂s_l = -β`. The mean adds `1/N`:
//!
//! ```text
//! ds_w[n] = -dloss · β · σ(-z[n]) / N                            (N,)
//! ds_l[n] = +dloss · β · σ(-z[n]) / N                            (N,)
//! ```
//!
//! Equal and opposite: each pair's step raises the chosen answer and lowers
//! the rejected one by the same amount, weighted by how wrong the implicit
//! reward `β(s - s^ref)` ranks them. `β` is on both sides, as it multiplies
//! the whole difference. The reference's `s_w^ref`, `s_l^ref` are
//! constants (the frozen SFT model): they shift `z`, and so the weight
//! `σ(-z)`, but get no gradient. `σ(-z)` is computed as
//! `layers::dpo::sigmoid`, stable for any `z`.

use ndarray::{ArrayRef1, Zip};

use crate::float::Float;
use crate::layers::dpo::{Dpo, Pairs, margins, sigmoid};

/// Accumulates (`+=`) `ds_w = -dloss·β·σ(-z)/N` and `ds_l = +dloss·β·σ(-z)/N`.
pub fn backward<F: Float>(
    dchosen: &mut ArrayRef1<F>,   // (N,), ds_w
    drejected: &mut ArrayRef1<F>, // (N,), ds_l
    dloss: F,                     // the gradient arriving at the loss, 1 at the top
    pairs: &Pairs<F>,             // s_w, s_l, s_w^ref, s_l^ref, each (N,)
    dpo: &Dpo,                    // β
) {
    let z = margins(pairs, dpo);
    let scale = dloss * F::lit(dpo.beta) / F::count(z.len());
    Zip::from(dchosen)
        .and(drejected)
        .and(&z)
        .for_each(|dw, dl, &z| {
            let g = scale * sigmoid(-z);
            *dw -= g;
            *dl += g;
        });
}
