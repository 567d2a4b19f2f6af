//! # Sequential, backward — solution (makemore part 5)
//!
//! Forward (`src/layers/sequential.rs`): `out_0 = layer_0(idx)`, then
//! `out_i = layer_i(out_{i-1})`, and the loss is some function of the last
//! output `out_{n-1}`.
//!
//! The chain rule, one layer at a time: the loss reaches `out_{i-1}` only
//! through `layer_i`, so `layer_i`'s backward pass turns `dout_i` into
//! `dout_{i-1}` (and into its parameters' gradients). `dout_i` is complete
//! only once every layer after `i` has run its backward pass, hence the
//! reverse order: the last layer first, the embedding last.
//!
//! Each layer is handed what its own backward pass needs from the forward
//! pass:
//!
//! | layer `i` | input `x` | kept |
//! |---|---|---|
//! | Embedding | `idx` | — |
//! | FlattenConsecutive | — | — (only `n`) |
//! | Linear | `out_{i-1}` (its input, not its output) | — |
//! | BatchNorm1d | — | its cache: `xhat`, `var_inv` |
//! | Tanh | — | `out_i` (its *output*: `1 - out²`) |
//!
//! Every backward pass accumulates (`+=`), so the gradients of the
//! intermediate outputs must start at zero: the caller hands them zeroed.

use ndarray::Array3;

use crate::backprop::Backprop;
use crate::float::Float;
use crate::layers::sequential::{Layer, LayerGrads, Sequential, SequentialCache};

/// Runs the layers' backward passes (`L`'s) in reverse, from the gradient
/// of the last output `douts[n-1]`, accumulating (`+=`) into the other
/// `douts` and into each layer's `grads`.
pub fn backward<L: Backprop, F: Float>(
    grads: &mut [LayerGrads<F>], // one per layer
    douts: &mut [Array3<F>],     // d of each layer's output; douts[n-1] is the upstream gradient
    cache: &SequentialCache<F>,  // idx (B, T), each layer's output, BatchNorm caches
    model: &Sequential<F>,
) {
    for (i, layer) in model.layers.iter().enumerate().rev() {
        let (below, above) = douts.split_at_mut(i);
        let dout = &above[0]; // d out_i
        let mut dx = below.last_mut(); // d out_{i-1}, None for the embedding
        let mut dx = || dx.take().expect("every layer after the first has an input");
        match (layer, &mut grads[i]) {
            (Layer::Embedding(_), LayerGrads::Embedding(g)) => {
                L::embedding_backward(g, dout, &cache.idx)
            }
            (Layer::FlattenConsecutive(f), _) => L::flatten_consecutive_backward(dx(), dout, f),
            (Layer::Linear(l), LayerGrads::Linear(g)) => {
                L::linear_backward_3d(dx(), g, dout, &cache.outs[i - 1], l)
            }
            (Layer::BatchNorm1d(bn), LayerGrads::BatchNorm1d(g)) => {
                let bn_cache = cache.bn[i].as_ref().expect("a cache for each BatchNorm");
                L::batchnorm_backward_3d(dx(), g, dout, bn_cache, bn)
            }
            (Layer::Tanh, _) => L::tanh_backward(dx(), dout, &cache.outs[i]),
            (layer, _) => panic!("grads[{i}] are not the gradients of a {}", layer.name()),
        }
    }
}
