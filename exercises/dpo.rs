//! # DPO, backward — yours to write (State of GPT: preferences without a reward model)
//!
//! Forward (`src/layers/dpo.rs`): for each of `N` pairs, `z = β·((s_w −
//! s_w^ref) − (s_l − s_l^ref))` and the loss is the mean of `−log σ(z)`
//! (`margins`, `sigmoid` and `log_sigmoid` there). The reference's
//! log-probabilities are constants. Accumulate (`+=`) into `dchosen` (`ds_w`)
//! and `drejected` (`ds_l`). The answer, with its derivation, is in
//! `solutions/dpo.rs`.

use ndarray::ArrayRef1;

use crate::float::Float;
use crate::layers::dpo::{Dpo, Pairs};

/// Accumulates (`+=`) `dchosen` and `drejected` from `dloss`.
pub fn backward<F: Float>(
    dchosen: &mut ArrayRef1<F>,   // (N,), ds_w
    drejected: &mut ArrayRef1<F>, // (N,), ds_l
    dloss: F,                     // the gradient arriving at the loss, 1 at the top
    pairs: &Pairs<F>,             // s_w, s_l, s_w^ref, s_l^ref, each (N,)
    dpo: &Dpo,                    // β
) {
    todo!(
        "d(−log σ(z))/dz = −σ(−z); z moves with s_w as +β and with s_l as −β; a mean over the pairs"
    )
}
