//! # The Bradley–Terry loss, backward — yours to write (State of GPT: the reward model)
//!
//! Forward (`src/layers/bradley_terry.rs`): over `N` pairs, `Δ = r_c − r_r`
//! and `loss = −1/N Σ log σ(Δ)`. Accumulate (`+=`) into `dr_chosen` and
//! `dr_rejected`. The answer, with its derivation, is in
//! `solutions/bradley_terry.rs`.

use ndarray::ArrayRef1;

use crate::float::Float;

/// Accumulates (`+=`) `dr_chosen` and `dr_rejected` from `dloss`.
pub fn backward<F: Float>(
    dr_chosen: &mut ArrayRef1<F>,   // (N,)
    dr_rejected: &mut ArrayRef1<F>, // (N,)
    dloss: F,                       // the gradient arriving at the loss, 1 at the top
    r_chosen: &ArrayRef1<F>,        // (N,)
    r_rejected: &ArrayRef1<F>,      // (N,)
) {
    todo!("d/dz of −log σ(z) is −σ(−z); Δ = r_c − r_r moves with r_c and against r_r; and the mean")
}
