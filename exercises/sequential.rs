//! # Sequential, backward — yours to write (makemore part 5)
//!
//! Forward (`src/layers/sequential.rs`): `out_0 = layer_0(idx)`, then
//! `out_i = layer_i(out_{i-1})`. Run each layer's backward pass — `L`'s:
//! `L::linear_backward_3d`, `L::batchnorm_backward_3d`,
//! `L::flatten_consecutive_backward`, `L::tanh_backward`,
//! `L::embedding_backward` — in the right order, each handed the right
//! arrays from `cache`, accumulating (`+=`) into `douts` and `grads`. The
//! answer, with its derivation, is in `solutions/sequential.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::Array3;

use crate::backprop::Backprop;
use crate::float::Float;
use crate::layers::sequential::{LayerGrads, Sequential, SequentialCache};

/// Runs the layers' backward passes (`L`'s) from the gradient of the last
/// output `douts[n-1]`, accumulating (`+=`) into the other `douts` and into
/// each layer's `grads`.
pub fn backward<L: Backprop, F: Float>(
    grads: &mut [LayerGrads<F>], // one per layer
    douts: &mut [Array3<F>],     // d of each layer's output; douts[n-1] is the upstream gradient
    cache: &SequentialCache<F>,  // idx (B, T), each layer's output, BatchNorm caches
    model: &Sequential<F>,
) {
    todo!(
        "layer i turns douts[i] into douts[i-1]: which layer must go first? (douts.split_at_mut(i) gives both)"
    )
}
