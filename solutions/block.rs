//! # The transformer block, backward — solution (lecture 7)
//!
//! Forward (`src/layers/block.rs`), pre-norm with residual connections:
//!
//! ```text
//! h1  = ln_1(x)              a   = attn(h1)         x1  = x + a
//! h2  = ln_2(x1)             fc  = c_fc(h2)         act = act_fn(fc)
//! m   = c_proj(act)          out = x1 + m
//! ```
//!
//! Backward is the forward read from the bottom up, each layer's backward
//! pass turning the gradient of its output into the gradient of its input.
//! The one new idea is the residual stream. `x1` is used *twice*: it is
//! added straight into `out`, and it feeds `ln_2`. A variable used twice
//! gets the **sum** of the gradients of its uses (the multivariable chain
//! rule; micrograd's `+=`):
//!
//! ```text
//! dx1 = dout                       (through the addition: d(x1 + m)/dx1 = 1)
//!     + ln_2ᵀ(c_fcᵀ(act_fnᵀ(c_projᵀ(dout))))    (through the MLP)
//! ```
//!
//! and likewise `dx = dx1 + ln_1ᵀ(attnᵀ(dx1))`. An addition hands its
//! gradient unchanged to both of its inputs: the residual stream is a
//! "gradient highway" from the loss to every block, which is why deep
//! transformers train at all. Without residual connections (`residual:
//! false`, the lecture's early steps) the first terms are gone and each
//! gradient passes only through the layers.
//!
//! Each layer's backward pass is `L`'s, so the grader runs this with the
//! reference layers and the trainer with yours. ReLU is handed its output,
//! GELU its input. The scratch arrays start at zero because every backward
//! pass accumulates.

use ndarray::ArrayRef3;

use crate::backprop::Backprop;
use crate::float::Float;
use crate::layers::block::{Activation, Block, BlockCache, BlockGrads, FeedForwardCache};
use crate::layers::rows::{rows, rows_mut};

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
    let BlockCache {
        ln_1,
        attn,
        x1,
        ln_2,
        mlp,
        dx1,
        dh,
    } = cache;
    let (dx1, dh): (&mut ArrayRef3<F>, &mut ArrayRef3<F>) = (dx1, dh); // (B, T, C) each
    // --- out = x1 + m, m = mlp(ln_2(x1)): dx1 = dout + (the MLP's path)
    dx1.fill(F::zero());
    match (&block.mlp, mlp, &mut grads.mlp) {
        (Some(m), Some(FeedForwardCache { fc, act, dfc, dact }), Some(g)) => {
            let dact: &mut ArrayRef3<F> = dact;
            dact.fill(F::zero()); // (B, T, H)
            match (&m.c_proj, &mut g.c_proj) {
                (Some(p), Some(gp)) => L::linear_backward_3d(dact, gp, dout, act, p),
                _ => *dact += dout,
            }
            dfc.fill(F::zero());
            match m.act {
                Activation::Relu => L::relu_backward(dfc, dact, act), // its output
                Activation::Gelu => L::gelu_backward(dfc, dact, fc),  // its input
            }
            let h2: &ArrayRef3<F> = ln_2.as_ref().map_or(&*x1, |(_, h2)| h2);
            dh.fill(F::zero()); // d h2
            L::linear_backward_3d(dh, &mut g.c_fc, dfc, h2, &m.c_fc);
            match (&block.ln_2, ln_2.as_ref(), &mut grads.ln_2) {
                (Some(ln), Some((c, _)), Some(g)) => {
                    L::layernorm_backward(&mut rows_mut(dx1), g, &rows(dh), c, ln)
                }
                _ => *dx1 += &*dh, // no ln_2: h2 = x1
            }
            if block.residual {
                *dx1 += dout; // the residual path: added to the MLP's
            }
        }
        _ => *dx1 += dout, // no MLP: out = x1
    }
    // --- x1 = x + a, a = attn(ln_1(x)): dx = dx1 + (the attention's path)
    let h1: &ArrayRef3<F> = ln_1.as_ref().map_or(x, |(_, h1)| h1);
    dh.fill(F::zero()); // d h1
    L::attention_backward(dh, &mut grads.attn, dx1, h1, attn, &block.attn);
    match (&block.ln_1, ln_1.as_ref(), &mut grads.ln_1) {
        (Some(ln), Some((c, _)), Some(g)) => {
            L::layernorm_backward(&mut rows_mut(dx), g, &rows(dh), c, ln)
        }
        _ => *dx += &*dh, // no ln_1: h1 = x
    }
    if block.residual {
        *dx += &*dx1;
    }
}
