//! # The transformer block, backward — yours to write (lecture 7)
//!
//! Forward (`src/layers/block.rs`): `x1 = x + attn(ln_1(x))`, then
//! `out = x1 + mlp(ln_2(x1))` with `mlp = c_proj(act(c_fc(·)))`; in the
//! lecture's early steps some parts are missing (`Option`s, and
//! `residual: false`). Run `L`'s backward passes (`L::layernorm_backward`,
//! `L::attention_backward`, `L::linear_backward_3d`, `L::relu_backward` or
//! `L::gelu_backward`) in reverse, each handed the right arrays from
//! `cache`, and accumulate (`+=`) into `dx` and `grads`. The scratch arrays
//! in `cache` (`dx1`, `dh`, the MLP's `dfc`, `dact`) are yours to zero and
//! use. The answer, with its derivation, is in `solutions/block.rs`.

use ndarray::ArrayRef3;

use crate::backprop::Backprop;
use crate::float::Float;
use crate::layers::block::{Block, BlockCache, BlockGrads};

/// Accumulates (`+=`) `dx` and every parameter's gradient in `grads` from
/// `dout`, running `L`'s backward passes of the block's layers in reverse.
pub fn backward<L: Backprop, F: Float>(
    dx: &mut ArrayRef3<F>,     // (B, T, C)
    grads: &mut BlockGrads<F>, // ln_1, attn, ln_2, mlp
    dout: &ArrayRef3<F>,       // (B, T, C)
    x: &ArrayRef3<F>,          // (B, T, C) the block's input
    cache: &mut BlockCache<F>, // h1, attention, x1, h2, fc, act, and scratch dx1, dh, dfc, dact
    block: &Block<F>,
) {
    todo!("x1 feeds both ln_2 and the residual addition: its gradient is the sum of both paths")
}
