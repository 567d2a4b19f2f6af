//! # Known mistakes of the GPT's attention (lecture 7)
//!
//! The weighted average, the softmax, each step of one head and the whole
//! causal self-attention. The head's `dx` has three paths into `x` (through
//! q, k and v), each dropped on its own, and so has the softmax's two
//! (directly and through the row's sum).

use ndarray::{Array2, Array3, ArrayRef3, Axis, Zip, s};

use crate::grade::mistakes::mistake::Mistake;
use crate::layers::attention::{AttentionCache, AttentionGrads, CausalSelfAttention};
use crate::layers::head::{HeadForward, HeadVar, bmm, bmm_2d, mt};
use crate::ops::matmul_acc;
use crate::registry::Exercise;
use crate::solutions::{linear, weighted_average};

/// The softmax's backward pass, `att ⊙ (datt - Σ_row att ⊙ datt)`, with
/// the row's sum (`ROW_SUM`) or the direct term (not `ROW_SUM`) alone.
fn softmax_one_term<const ROW_SUM: bool>(
    dscores: &mut ArrayRef3<f64>,
    datt: &ArrayRef3<f64>,
    att: &ArrayRef3<f64>,
) {
    Zip::from(dscores.rows_mut())
        .and(datt.rows())
        .and(att.rows())
        .for_each(|dscores, datt, att| {
            let dot = att.dot(&datt);
            Zip::from(dscores)
                .and(datt)
                .and(att)
                .for_each(|ds, &da, &a| *ds += if ROW_SUM { -a * dot } else { a * da });
        });
}

/// `dwei = dout @ xᵀ` everywhere (the mask ignored), or `dx = wei @ dout`
/// (not transposed).
fn weighted_average_with<const UNMASKED: bool>(
    dwei: &mut ArrayRef3<f64>,
    dx: &mut ArrayRef3<f64>,
    dout: &ArrayRef3<f64>,
    wei: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
) {
    let (dwei0, dx0) = (dwei.to_owned(), dx.to_owned());
    weighted_average::backward(dwei, dx, dout, wei, x);
    if UNMASKED {
        dwei.assign(&dwei0);
    } else {
        dx.assign(&dx0);
    }
    for b in 0..x.len_of(Axis(0)) {
        let (dout, x, wei) = (
            dout.index_axis(Axis(0), b),
            x.index_axis(Axis(0), b),
            wei.index_axis(Axis(0), b),
        );
        if UNMASKED {
            matmul_acc(&mut dwei.index_axis_mut(Axis(0), b), &dout, &x.t());
        } else {
            matmul_acc(&mut dx.index_axis_mut(Axis(0), b), &wei, &dout);
        }
    }
}

fn head_dx_without(
    f: &HeadForward<f64>,
    [dq, dk, dv]: [&Array3<f64>; 3],
    dropped: usize,
) -> Array3<f64> {
    let paths = [
        bmm_2d(dq, &f.wq.t()),
        bmm_2d(dk, &f.wk.t()),
        bmm_2d(dv, &f.wv.t()),
    ];
    let mut dx = Array3::zeros(f.x.raw_dim());
    for (i, path) in paths.iter().enumerate() {
        if i != dropped {
            dx += path;
        }
    }
    dx
}

/// Which change a mistake of the attention layer makes.
const SCALE_ON_Q_ONLY: u8 = 0;
const ATT_UNTRANSPOSED: u8 = 1;
const SCALE_TWICE: u8 = 2;
const DQ_DK_SWAPPED: u8 = 3;
const NO_ROW_SUM: u8 = 4;
const HEADS_TIME_SWAPPED: u8 = 5;

/// The reference attention's backward pass with one change chosen by `BUG`.
///
/// `BUG = u8::MAX` changes nothing: a copy of the reference, which the
/// tests grade to check that the list patches what it means to.
pub fn attention_with<const BUG: u8>(
    dx: &mut ArrayRef3<f64>,
    grads: &mut AttentionGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    cache: &mut AttentionCache<f64>,
    layer: &CausalSelfAttention<f64>,
) {
    attention_with_bug(BUG, dx, grads, dout, x, cache, layer)
}

/// [`attention_with`]'s body, compiled once for all its mistakes, not once per
/// mistake.
#[inline(never)]
fn attention_with_bug(
    bug: u8,
    dx: &mut ArrayRef3<f64>,
    grads: &mut AttentionGrads<f64>,
    dout: &ArrayRef3<f64>,
    x: &ArrayRef3<f64>,
    cache: &mut AttentionCache<f64>,
    layer: &CausalSelfAttention<f64>,
) {
    let (c, hs, scale) = (layer.n_embd(), layer.head_size(), layer.scale());
    let (batch, t) = cache.dim();
    let mut dy = Array3::zeros(cache.y.raw_dim()); // (B, T, C)
    match (&layer.c_proj, &mut grads.c_proj) {
        (Some(p), Some(g)) => linear::backward_3d(&mut dy, g, dout, &cache.y, p),
        _ => dy.assign(dout),
    }
    let mut dqkv = Array3::zeros(cache.qkv.raw_dim()); // (B, T, 3C)
    for b in 0..batch {
        // dy of example b as (n_head, T, hs): heads and time read in the wrong order
        let dy_swapped = dy
            .index_axis(Axis(0), b)
            .to_owned()
            .into_shape_with_order((layer.n_head, t, hs))
            .expect("T·C elements");
        for h in 0..layer.n_head {
            let att = cache.att.slice(s![b, h, .., ..]); // (T, T)
            let (q, k, v) = (h * hs, c + h * hs, 2 * c + h * hs);
            let qkv = cache.qkv.index_axis(Axis(0), b);
            let (qv, kv, vv) = (
                qkv.slice(s![.., q..q + hs]),
                qkv.slice(s![.., k..k + hs]),
                qkv.slice(s![.., v..v + hs]),
            );
            let dyh = if bug == HEADS_TIME_SWAPPED {
                dy_swapped.index_axis(Axis(0), h).to_owned()
            } else {
                dy.slice(s![b, .., h * hs..(h + 1) * hs]).to_owned()
            }; // (T, hs)
            let mut dqkv = dqkv.index_axis_mut(Axis(0), b);
            if bug == ATT_UNTRANSPOSED {
                matmul_acc(&mut dqkv.slice_mut(s![.., v..v + hs]), &att, &dyh);
            } else {
                matmul_acc(&mut dqkv.slice_mut(s![.., v..v + hs]), &att.t(), &dyh);
            }
            let mut datt: Array2<f64> = dyh.dot(&vv.t()); // (T, T)
            for (mut d, a) in datt.rows_mut().into_iter().zip(att.rows()) {
                let dot = if bug == NO_ROW_SUM { 0.0 } else { a.dot(&d) };
                d.zip_mut_with(&a, |d, &a| *d = a * (*d - dot));
            }
            let (q_scale, k_scale) = match bug {
                SCALE_ON_Q_ONLY => (scale, 1.0),
                SCALE_TWICE => (scale * scale, scale * scale),
                _ => (scale, scale),
            };
            let (into_q, into_k) = if bug == DQ_DK_SWAPPED { (k, q) } else { (q, k) };
            matmul_acc(
                &mut dqkv.slice_mut(s![.., into_q..into_q + hs]),
                &(&datt * q_scale),
                &kv,
            );
            matmul_acc(
                &mut dqkv.slice_mut(s![.., into_k..into_k + hs]),
                &(&datt.t() * k_scale),
                &qv,
            );
        }
    }
    linear::backward_3d(dx, &mut grads.c_attn, &dqkv, x, &layer.c_attn);
}

pub const MISTAKES: &[Mistake] = &[
    Mistake {
        exercise: Exercise::WeightedAverage,
        name: "mask ignored",
        explanation: "this is dwei = dout @ xᵀ everywhere: out = wei @ x never read wei above the diagonal, so dwei is 0 there (keep the causal mask)",
        patch: |t| t.weighted_average_backward = weighted_average_with::<true>,
    },
    Mistake {
        exercise: Exercise::WeightedAverage,
        name: "wei not transposed",
        explanation: "this is dx = wei @ dout: x[s] reaches out[t] through wei[t, s], so dx = weiᵀ @ dout",
        patch: |t| t.weighted_average_backward = weighted_average_with::<false>,
    },
    Mistake {
        exercise: Exercise::Softmax,
        name: "row-sum term dropped",
        explanation: "this is att ⊙ datt: every score of a row moves the row's shared denominator too, so dscores = att ⊙ (datt - Σ_row att ⊙ datt)",
        patch: |t| t.softmax_backward = softmax_one_term::<false>,
    },
    Mistake {
        exercise: Exercise::Softmax,
        name: "direct term dropped",
        explanation: "this is -att ⊙ Σ_row att ⊙ datt alone: each score also moves its own probability directly, so dscores = att ⊙ (datt - Σ_row att ⊙ datt)",
        patch: |t| t.softmax_backward = softmax_one_term::<true>,
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::V),
        name: "att not transposed",
        explanation: "this is dv = att @ dout: v[s] reaches out[t] through att[t, s], so dv = attᵀ @ dout",
        patch: |t| t.head_dv = |f, dout| bmm(&f.att, dout),
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::Att),
        name: "mask ignored",
        explanation: "this is datt = dout @ vᵀ everywhere: att is 0 above the diagonal and never read there, so datt must be 0 there (mask it)",
        patch: |t| t.head_datt = |f, dout| bmm(dout, &mt(&f.v)),
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::Scores),
        name: "row-sum term dropped",
        explanation: "this is att ⊙ datt: every score of a row moves the row's shared denominator too, so dscores = att ⊙ (datt - Σ_row att ⊙ datt)",
        patch: |t| t.head_dscores = |f, datt| &f.att * datt,
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::Q),
        name: "scale forgotten",
        explanation: "this drops the scale: the scores are q @ kᵀ · hs^-0.5, so dq = dscores @ k · hs^-0.5",
        patch: |t| t.head_dq = |f, dscores| bmm(dscores, &f.k),
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::K),
        name: "dscores not transposed",
        explanation: "this is dscores @ q: k[s] meets q[t] in scores[t, s], so dk = dscoresᵀ @ q · hs^-0.5",
        patch: |t| t.head_dk = |f, dscores| bmm(dscores, &f.q) * f.scale,
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::X),
        name: "path through q dropped",
        explanation: "this drops x's path through q = x @ wq: x makes q, k and v, so dx = dq @ wqᵀ + dk @ wkᵀ + dv @ wvᵀ",
        patch: |t| t.head_dx = |f, dq, dk, dv| head_dx_without(f, [dq, dk, dv], 0),
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::X),
        name: "path through k dropped",
        explanation: "this drops x's path through k = x @ wk: x makes q, k and v, so dx = dq @ wqᵀ + dk @ wkᵀ + dv @ wvᵀ",
        patch: |t| t.head_dx = |f, dq, dk, dv| head_dx_without(f, [dq, dk, dv], 1),
    },
    Mistake {
        exercise: Exercise::Head(HeadVar::X),
        name: "path through v dropped",
        explanation: "this drops x's path through v = x @ wv: x makes q, k and v, so dx = dq @ wqᵀ + dk @ wkᵀ + dv @ wvᵀ",
        patch: |t| t.head_dx = |f, dq, dk, dv| head_dx_without(f, [dq, dk, dv], 2),
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "scale on q only",
        explanation: "this scales dq but not dk: the scores are (q @ kᵀ)·hs^-0.5, so both dq = dscores @ k and dk = dscoresᵀ @ q carry the scale",
        patch: |t| t.attention_backward = attention_with::<SCALE_ON_Q_ONLY>,
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "att not transposed",
        explanation: "this is dv = att @ dy: v[s] reaches y[t] through att[t, s], so per head dv = attᵀ @ dy (att @ dy sends gradient to positions never read)",
        patch: |t| t.attention_backward = attention_with::<ATT_UNTRANSPOSED>,
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "scale applied twice",
        explanation: "this applies hs^-0.5 twice: the forward scales the scores once, so dq and dk carry the scale once (if dscores has it already, do not multiply again)",
        patch: |t| t.attention_backward = attention_with::<SCALE_TWICE>,
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "dq and dk swapped",
        explanation: "this writes dscores @ k into k's columns and dscoresᵀ @ q into q's: dq = dscores @ k goes to qkv's first C columns, dk = dscoresᵀ @ q to the next C",
        patch: |t| t.attention_backward = attention_with::<DQ_DK_SWAPPED>,
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "softmax's row-sum term dropped",
        explanation: "this is dscores = att ⊙ datt: every score of a row moves the row's shared denominator too, so dscores = att ⊙ (datt - Σ_row att ⊙ datt)",
        patch: |t| t.attention_backward = attention_with::<NO_ROW_SUM>,
    },
    Mistake {
        exercise: Exercise::Attention,
        name: "heads and time swapped",
        explanation: "this reads dy (B, T, C) as (B, n_head, T, hs) by a reshape: head h is columns h·hs..(h+1)·hs of every position, so view it as (B, T, n_head, hs) and swap the axes, or slice the columns",
        patch: |t| t.attention_backward = attention_with::<HEADS_TIME_SWAPPED>,
    },
];
