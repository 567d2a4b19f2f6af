//! # Known mistakes of the GPT's core (lecture 7)
//!
//! LayerNorm, ReLU, GELU, the position embedding, the sequence
//! cross-entropy, the transformer block and AdamW. LayerNorm's `dx` has
//! three paths into `x` (directly, through the row's mean, through its
//! variance), GELU's two (the product `x · ½(1 + tanh u)`), the block's
//! residual stream four (each half's residual and its branch): each is
//! dropped on its own; and the cross-entropy's one-hot term.

use ndarray::{Array2, ArrayRef, ArrayRef2, ArrayRef3, Axis, Ix2, Zip, s};

use crate::backprop::Backprop;
use crate::grade::mistakes::mistake::Mistake;
use crate::layers::adamw::AdamW;
use crate::layers::block::{Activation, Block, BlockCache, BlockGrads, FeedForwardCache};
use crate::layers::gelu::{COEFF, SQRT_2_OVER_PI};
use crate::layers::layernorm::{LayerNorm, LayerNormCache, LayerNormGrads};
use crate::layers::position_embedding::PositionEmbeddingGrads;
use crate::layers::rows::{rows, rows_mut};
use crate::layers::sequence_cross_entropy::{IGNORE, SequenceCrossEntropyCache};
use crate::registry::Exercise;
use crate::solutions::{Solutions, adamw};

/// Which of LayerNorm's changes a mistake makes.
const LN_BESSEL: u8 = 0;
const LN_MEAN_PATH_DROPPED: u8 = 1;
const LN_VARIANCE_PATH_DROPPED: u8 = 2;
const LN_DIRECT_PATH_DROPPED: u8 = 3;

/// LayerNorm's backward pass, `dx = r·(g - mean(g) - x̂·mean(g ⊙ x̂))` with
/// `g = w ⊙ dy`, with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn layernorm_with<const BUG: u8>(
    dx: &mut ArrayRef2<f64>,
    grads: &mut LayerNormGrads<f64>,
    dout: &ArrayRef2<f64>,
    cache: &LayerNormCache<f64>,
    layer: &LayerNorm<f64>,
) {
    layernorm_with_bug(BUG, dx, grads, dout, cache, layer)
}

/// [`layernorm_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn layernorm_with_bug(
    bug: u8,
    dx: &mut ArrayRef2<f64>,
    grads: &mut LayerNormGrads<f64>,
    dout: &ArrayRef2<f64>,
    cache: &LayerNormCache<f64>,
    layer: &LayerNorm<f64>,
) {
    let c = layer.channels() as f64;
    let bessel = if bug == LN_BESSEL { c / (c - 1.0) } else { 1.0 };
    Zip::from(dx.rows_mut())
        .and(dout.rows())
        .and(cache.xhat.rows())
        .and(&cache.rstd)
        .for_each(|mut dx, dy, xhat, &r| {
            let g = &dy * &layer.weight;
            let mean_g = if bug == LN_MEAN_PATH_DROPPED {
                0.0
            } else {
                g.sum() / c
            };
            let mean_gx = if bug == LN_VARIANCE_PATH_DROPPED {
                0.0
            } else {
                (&g * &xhat).sum() / c
            };
            grads.dweight += &(&dy * &xhat);
            grads.dbias += &dy;
            let direct = if bug == LN_DIRECT_PATH_DROPPED {
                0.0
            } else {
                1.0
            };
            Zip::from(&mut dx)
                .and(&g)
                .and(&xhat)
                .for_each(|dx, &g, &xh| *dx += r * (direct * g - mean_g - bessel * xh * mean_gx));
        });
}

fn relu_never_off(dx: &mut ArrayRef2<f64>, dout: &ArrayRef2<f64>, _out: &ArrayRef2<f64>) {
    *dx += dout;
}

/// Which of GELU's changes a mistake makes.
const GELU_TANH_TERM_ONLY: u8 = 0;
const GELU_X_TERM_ONLY: u8 = 1;
const GELU_CUBIC_WITHOUT_3: u8 = 2;

/// GELU's backward pass, `½(1 + tanh u) + ½x(1 - tanh² u)·u'`, with one
/// change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn gelu_with<const BUG: u8>(
    dx: &mut ArrayRef2<f64>,
    dout: &ArrayRef2<f64>,
    x: &ArrayRef2<f64>,
) {
    gelu_with_bug(BUG, dx, dout, x)
}

/// [`gelu_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn gelu_with_bug(bug: u8, dx: &mut ArrayRef2<f64>, dout: &ArrayRef2<f64>, x: &ArrayRef2<f64>) {
    let (k, a) = (SQRT_2_OVER_PI, COEFF);
    Zip::from(dx).and(dout).and(x).for_each(|dx, &dout, &x| {
        let tanh_u = (k * (x + a * x * x * x)).tanh();
        let three = if bug == GELU_CUBIC_WITHOUT_3 {
            1.0
        } else {
            3.0
        };
        let du = k * (1.0 + three * a * x * x);
        let first = 0.5 * (1.0 + tanh_u);
        let second = 0.5 * x * (1.0 - tanh_u * tanh_u) * du;
        let local = match bug {
            GELU_TANH_TERM_ONLY => first,
            GELU_X_TERM_ONLY => second,
            _ => first + second,
        };
        *dx += local * dout;
    });
}

/// The position embedding's backward pass with `dwpe` from the first
/// example only (`ONE_EXAMPLE`) or assigned the batch's sum (`=`, not `+=`).
fn position_embedding_with<const ONE_EXAMPLE: bool>(
    grads: &mut PositionEmbeddingGrads<f64>,
    dout: &ArrayRef3<f64>,
    idx: &ArrayRef2<usize>,
) {
    for (d, &v) in dout.lanes(Axis(2)).into_iter().zip(idx.iter()) {
        let mut row = grads.dwte.row_mut(v);
        row += &d;
    }
    let t = idx.ncols();
    let mut dwpe = grads.dwpe.slice_mut(s![..t, ..]);
    if ONE_EXAMPLE {
        dwpe += &dout.index_axis(Axis(0), 0);
    } else {
        dwpe.assign(&dout.sum_axis(Axis(0)));
    }
}

/// The sequence cross-entropy's backward pass with the mean over every
/// position, ignored ones included (`COUNT_ALL`), or without the one-hot's
/// term (`ONE_HOT`: false).
fn cross_entropy_with<const COUNT_ALL: bool, const ONE_HOT: bool>(
    dlogits: &mut ArrayRef3<f64>,
    dloss: f64,
    cache: &SequenceCrossEntropyCache<f64>,
    targets: &ArrayRef2<i64>,
) {
    let n = if COUNT_ALL {
        targets.len() // B·T, ignored positions included
    } else {
        targets.iter().filter(|&&y| y != IGNORE).count()
    };
    let scale = dloss / n as f64;
    Zip::from(dlogits.lanes_mut(Axis(2)))
        .and(cache.probs.lanes(Axis(2)))
        .and(targets)
        .for_each(|mut dl, p, &y| {
            if y != IGNORE {
                dl.zip_mut_with(&p, |dl, &p| *dl += scale * p);
                if ONE_HOT {
                    dl[y as usize] -= scale;
                }
            }
        });
}

/// Which change a mistake of the block makes.
const RESIDUAL_ASSIGNED: u8 = 0;
const MLP_RESIDUAL_DROPPED: u8 = 1;
const ATTN_RESIDUAL_DROPPED: u8 = 2;
const MLP_BRANCH_DROPPED: u8 = 3;
const ATTN_BRANCH_DROPPED: u8 = 4;

/// The reference block's backward pass with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn block_with<const BUG: u8, L: Backprop>(
    dx: &mut ArrayRef3<f64>,
    grads: &mut BlockGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    cache: &mut BlockCache<f64>,
    block: &Block<f64>,
) {
    block_with_bug::<L>(BUG, dx, grads, dout, x, cache, block)
}

/// [`block_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn block_with_bug<L: Backprop>(
    bug: u8,
    dx: &mut ArrayRef3<f64>,
    grads: &mut BlockGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    cache: &mut BlockCache<f64>,
    block: &Block<f64>,
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
    let (dx1, dh): (&mut ArrayRef3<f64>, &mut ArrayRef3<f64>) = (dx1, dh);
    // A branch dropped: its gradient computed, then never added.
    let mut sink = Array2::<f64>::zeros(rows(dout).raw_dim()); // (B·T, C)
    dx1.fill(0.0);
    match (&block.mlp, mlp, &mut grads.mlp) {
        (Some(m), Some(FeedForwardCache { fc, act, dfc, dact }), Some(g)) => {
            let dact: &mut ArrayRef3<f64> = dact;
            dact.fill(0.0);
            match (&m.c_proj, &mut g.c_proj) {
                (Some(p), Some(gp)) => L::linear_backward_3d(dact, gp, dout, act, p),
                _ => *dact += dout,
            }
            dfc.fill(0.0);
            match m.act {
                Activation::Relu => L::relu_backward(dfc, dact, act),
                Activation::Gelu => L::gelu_backward(dfc, dact, fc),
            }
            let h2: &ArrayRef3<f64> = ln_2.as_ref().map_or(&*x1, |(_, h2)| h2);
            dh.fill(0.0);
            L::linear_backward_3d(dh, &mut g.c_fc, dfc, h2, &m.c_fc);
            let mut into = if bug == MLP_BRANCH_DROPPED {
                sink.view_mut()
            } else {
                rows_mut(dx1)
            };
            match (&block.ln_2, ln_2.as_ref(), &mut grads.ln_2) {
                (Some(ln), Some((c, _)), Some(g)) => {
                    L::layernorm_backward(&mut into, g, &rows(dh), c, ln)
                }
                _ => into += &rows(dh),
            }
            if block.residual {
                match bug {
                    RESIDUAL_ASSIGNED => dx1.assign(dout),
                    MLP_RESIDUAL_DROPPED => {}
                    _ => *dx1 += dout,
                }
            }
        }
        _ => *dx1 += dout,
    }
    let h1: &ArrayRef3<f64> = ln_1.as_ref().map_or(x, |(_, h1)| h1);
    dh.fill(0.0);
    L::attention_backward(dh, &mut grads.attn, dx1, h1, attn, &block.attn);
    sink.fill(0.0);
    let mut into = if bug == ATTN_BRANCH_DROPPED {
        sink.view_mut()
    } else {
        rows_mut(dx)
    };
    match (&block.ln_1, ln_1.as_ref(), &mut grads.ln_1) {
        (Some(ln), Some((c, _)), Some(g)) => L::layernorm_backward(&mut into, g, &rows(dh), c, ln),
        _ => into += &rows(dh),
    }
    if block.residual && bug != ATTN_RESIDUAL_DROPPED {
        *dx += &*dx1;
    }
}

/// Which change a mistake of AdamW makes.
const ADAMW_UNCORRECTED: u8 = 0;
const ADAMW_L2: u8 = 1;

/// AdamW with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn adamw_with<const BUG: u8>(
    param: &mut ArrayRef<f64, Ix2>,
    m: &mut ArrayRef<f64, Ix2>,
    v: &mut ArrayRef<f64, Ix2>,
    grad: &ArrayRef<f64, Ix2>,
    t: usize,
    h: &AdamW,
) {
    adamw_with_bug(BUG, param, m, v, grad, t, h)
}

/// [`adamw_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn adamw_with_bug(
    bug: u8,
    param: &mut ArrayRef<f64, Ix2>,
    m: &mut ArrayRef<f64, Ix2>,
    v: &mut ArrayRef<f64, Ix2>,
    grad: &ArrayRef<f64, Ix2>,
    t: usize,
    h: &AdamW,
) {
    let (lr, b1, b2) = (h.lr, h.beta1, h.beta2);
    let (c1, c2) = match bug {
        ADAMW_UNCORRECTED => (1.0, 1.0),
        _ => (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32)),
    };
    Zip::from(param)
        .and(m)
        .and(v)
        .and(grad)
        .for_each(|p, m, v, &g| {
            let g = if bug == ADAMW_L2 {
                g + h.weight_decay * *p // the decay folded into the gradient
            } else {
                *p *= 1.0 - lr * h.weight_decay;
                g
            };
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + h.eps);
        });
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::LayerNorm,
        name: "Bessel's correction",
        explanation: "this takes the variance's derivative with C/(C-1), as BatchNorm's: LayerNorm's variance is biased (1/C), so dx = r·(g - mean(g) - x̂·mean(g ⊙ x̂)), no C/(C-1)",
        patch: |t| t.layernorm_backward = layernorm_with::<LN_BESSEL>,
    },
    Mistake {
        exercise: Exercise::LayerNorm,
        name: "mean's path dropped",
        explanation: "this drops x's path through the row's mean (the -mean(g) term): x reaches the output directly, through the mean and through the variance, and dx sums all three",
        patch: |t| t.layernorm_backward = layernorm_with::<LN_MEAN_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::LayerNorm,
        name: "variance's path dropped",
        explanation: "this drops x's path through the row's variance (the -x̂·mean(g ⊙ x̂) term): x reaches the output directly, through the mean and through the variance, and dx sums all three",
        patch: |t| t.layernorm_backward = layernorm_with::<LN_VARIANCE_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::LayerNorm,
        name: "direct path dropped",
        explanation: "this drops x's own path (the g term), keeping those through the mean and the variance: x reaches the output directly too, and dx sums all three",
        patch: |t| t.layernorm_backward = layernorm_with::<LN_DIRECT_PATH_DROPPED>,
    },
    Mistake {
        exercise: Exercise::Relu,
        name: "never off",
        explanation: "this passes dout where the unit is off too: ReLU's slope is 0 where out = 0, dx += dout only where out > 0",
        patch: |t| t.relu_backward = relu_never_off,
    },
    Mistake {
        exercise: Exercise::Gelu,
        name: "product rule: x's term dropped",
        explanation: "this is ½(1 + tanh u) alone: gelu = x · ½(1 + tanh u) is a product, so add ½x·(1 - tanh² u)·√(2/π)(1 + 3·0.044715 x²)",
        patch: |t| t.gelu_backward = gelu_with::<GELU_TANH_TERM_ONLY>,
    },
    Mistake {
        exercise: Exercise::Gelu,
        name: "product rule: tanh's term dropped",
        explanation: "this is ½x·(1 - tanh² u)·u' alone: gelu = x · ½(1 + tanh u) is a product, so add ½(1 + tanh u), the derivative of x times the rest",
        patch: |t| t.gelu_backward = gelu_with::<GELU_X_TERM_ONLY>,
    },
    Mistake {
        exercise: Exercise::Gelu,
        name: "cubic term without its 3",
        explanation: "this differentiates 0.044715 x³ as 0.044715 x²: the derivative of x³ is 3x², so u' = √(2/π)(1 + 3·0.044715 x²)",
        patch: |t| t.gelu_backward = gelu_with::<GELU_CUBIC_WITHOUT_3>,
    },
    Mistake {
        exercise: Exercise::PositionEmbedding,
        name: "dwpe from one example",
        explanation: "this is dwpe from the first example alone: every example adds wpe[t], so dwpe += dout summed over the batch (axis 0)",
        patch: |t| t.position_embedding_backward = position_embedding_with::<true>,
    },
    Mistake {
        exercise: Exercise::PositionEmbedding,
        name: "dwpe assigned",
        explanation: "this assigns (=) dwpe: a backward pass adds to the gradient it is handed, dwpe[..T] += dout summed over the batch (axis 0)",
        patch: |t| t.position_embedding_backward = position_embedding_with::<false>,
    },
    Mistake {
        exercise: Exercise::SequenceCrossEntropy,
        name: "ignored targets counted",
        explanation: "this divides by B·T: the loss is the mean over the counted targets only (not -1), so scale by dloss / (their number)",
        patch: |t| t.sequence_cross_entropy_backward = cross_entropy_with::<true, true>,
    },
    Mistake {
        exercise: Exercise::SequenceCrossEntropy,
        name: "one-hot term dropped",
        explanation: "this is probs alone: the loss is -log probs[target], whose gradient through the target's own logit adds -1 there, so dlogits += scale·(probs - one_hot(target))",
        patch: |t| t.sequence_cross_entropy_backward = cross_entropy_with::<false, false>,
    },
    Mistake {
        exercise: Exercise::Block,
        name: "residual assigned",
        explanation: "this assigns (=) the MLP's residual over its branch: out = x1 + mlp(ln_2(x1)) hands dout to both, so dx1 = dout + the MLP's path (+=)",
        patch: |t| t.block_backward = block_with::<RESIDUAL_ASSIGNED, Solutions>,
    },
    Mistake {
        exercise: Exercise::Block,
        name: "MLP's residual dropped",
        explanation: "this drops the identity path of out = x1 + mlp(ln_2(x1)): the residual hands dout to x1 unchanged, so dx1 = dout + the MLP's path",
        patch: |t| t.block_backward = block_with::<MLP_RESIDUAL_DROPPED, Solutions>,
    },
    Mistake {
        exercise: Exercise::Block,
        name: "attention's residual dropped",
        explanation: "this drops the identity path of x1 = x + attn(ln_1(x)): the residual hands dx1 to x unchanged, so dx += dx1 + the attention's path",
        patch: |t| t.block_backward = block_with::<ATTN_RESIDUAL_DROPPED, Solutions>,
    },
    Mistake {
        exercise: Exercise::Block,
        name: "MLP's branch dropped",
        explanation: "this keeps only the residual of out = x1 + mlp(ln_2(x1)): x1 feeds the MLP too, so dx1 = dout + ln_2's backward of the MLP's",
        patch: |t| t.block_backward = block_with::<MLP_BRANCH_DROPPED, Solutions>,
    },
    Mistake {
        exercise: Exercise::Block,
        name: "attention's branch dropped",
        explanation: "this keeps only the residual of x1 = x + attn(ln_1(x)): x feeds the attention too, so dx += dx1 + ln_1's backward of the attention's",
        patch: |t| t.block_backward = block_with::<ATTN_BRANCH_DROPPED, Solutions>,
    },
    Mistake {
        exercise: Exercise::AdamW,
        name: "no bias correction",
        explanation: "this steps with m and v: from zero moments they are too small early on, so step with m̂ = m/(1 - β₁ᵗ) and v̂ = v/(1 - β₂ᵗ)",
        patch: |t| t.adamw_update = adamw_with::<ADAMW_UNCORRECTED>,
    },
    Mistake {
        exercise: Exercise::AdamW,
        name: "L2, not decoupled decay",
        explanation: "this folds the decay into the gradient (Adam with L2): AdamW decays the weight itself, p -= lr·λ·p, and the moments see g alone",
        patch: |t| t.adamw_update = adamw_with::<ADAMW_L2>,
    },
    Mistake {
        exercise: Exercise::AdamW,
        name: "t from 0",
        explanation: "this counts steps from 0: 1 - β⁰ = 0 divides by zero and the parameters become NaN; t is 1 at the first step, so use β^t as handed",
        patch: |t| t.adamw_update = |p, m, v, g, t, h| adamw::update(p, m, v, g, t - 1, h),
    },
];
