//! # Causal softmax: attention scores to attention weights
//!
//! Lecture 7, "Let's build GPT", the third version of the self-attention
//! trick: position `t` may look at positions `s ≤ t` only, so the scores of
//! the future are set to `-∞` (`wei.masked_fill(tril == 0, float('-inf'))`)
//! and each row goes through a softmax:
//!
//! ```text
//! att[n, t, s] = exp(scores[n, t, s]) / Σ_{s' ≤ t} exp(scores[n, t, s'])   for s ≤ t
//! att[n, t, s] = 0                                                        for s > t (masked)
//! ```
//!
//! Shapes: `scores (N, T, T)` to `att (N, T, T)`, where `N` is any batch of
//! matrices (`B`, or `B·n_head` for a multi-head layer). The scores above the
//! diagonal are never read: whatever they hold, they were `-∞`. Each row is
//! shifted by its maximum first, as in the lecture's cross-entropy, so that
//! `exp` cannot overflow.
//!
//! The backward pass is yours in `exercises/softmax.rs`.

use ndarray::{Array3, ArrayRef2, ArrayRef3, Axis, Zip};

use crate::error::{Error, Result, expect_shape};
use crate::float::Float;

/// `att = causal_softmax(scores)`, a new `(N, T, T)` array.
pub fn forward<F: Float>(scores: &ArrayRef3<F>) -> Result<Array3<F>> {
    let mut att = Array3::zeros(scores.raw_dim());
    forward_into(scores, &mut att)?;
    Ok(att)
}

/// `att = causal_softmax(scores)`, written into `att` (no allocation).
pub fn forward_into<F: Float>(scores: &ArrayRef3<F>, att: &mut ArrayRef3<F>) -> Result<()> {
    let (n, t, t2) = scores.dim();
    if t != t2 {
        return Err(Error::Shape {
            layer: "softmax",
            detail: format!(
                "scores has shape {:?}, expected (N, T, T): one row of scores per position",
                scores.shape()
            ),
        });
    }
    expect_shape("softmax", "att", att.shape(), &[n, t, t])?;
    att.assign(scores);
    for mut a in att.axis_iter_mut(Axis(0)) {
        causal_softmax_in_place(&mut a, F::one());
    }
    Ok(())
}

/// Row `t` of the square matrix `a (T, T)` becomes the softmax of
/// `scale · a[t, 0..=t]`; the entries above the diagonal become 0.
///
/// The multi-head layer calls it on each head's `q @ kᵀ` with
/// `scale = head_size^-0.5`. `scale` must be positive (the row's maximum is
/// subtracted before scaling).
pub fn causal_softmax_in_place<F: Float>(a: &mut ArrayRef2<F>, scale: F) {
    let t = a.ncols();
    if let Some(rows) = a.as_slice_mut() {
        return softmax_rows(rows, t, scale); // standard layout: every row in place
    }
    for (i, mut row) in a.axis_iter_mut(Axis(0)).enumerate() {
        match row.as_slice_mut() {
            Some(row) => softmax_row(row, i, scale),
            None => {
                let mut copy = row.to_vec(); // a strided row: never in the layers here
                softmax_row(&mut copy, i, scale);
                row.assign(&ndarray::ArrayView1::from(&copy));
            }
        }
    }
}

/// The last row of a causal matrix alone: `row` becomes the softmax of
/// `scale · row`, every entry in the past, exactly as
/// [`causal_softmax_in_place`] computes row `row.len() - 1`. The KV cache
/// (`crate::models::kv_cache`) calls it on the scores of its newest position.
pub fn causal_softmax_last_row<F: Float>(row: &mut [F], scale: F) {
    if let Some(t) = row.len().checked_sub(1) {
        crate::ops::with_widest_simd(|| softmax_row(row, t, scale));
    }
}

/// Row `t`: the softmax of `scale · row[..=t]`, zeros beyond.
#[inline(always)]
fn softmax_row<F: Float>(row: &mut [F], t: usize, scale: F) {
    let max = lanes_fold(
        &row[..=t],
        F::neg_infinity(),
        |m, x| if x > m { x } else { m },
    );
    // The whole row at once (whole SIMD vectors, however short the past),
    // then the future set to zero: each entry of the past is the same number.
    for v in row.iter_mut() {
        *v = ((*v - max) * scale).fast_exp(); // scale > 0: the max stays the max
    }
    row[t + 1..].fill(F::zero());
    let inv = lanes_fold(&row[..=t], F::zero(), |s, e| s + e).recip();
    for e in row.iter_mut() {
        *e *= inv; // the future stays zero
    }
}

/// `x` folded with `f` in 8 independent lanes, then across them: a short
/// chain of dependent instructions instead of one as long as `x`, in a fixed
/// order (the same numbers every run).
#[inline(always)]
fn lanes_fold<F: Float>(x: &[F], init: F, f: impl Fn(F, F) -> F) -> F {
    let mut lanes = [init; 8];
    let mut chunks = x.chunks_exact(8);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l = f(*l, v);
        }
    }
    let mut acc = f(
        f(f(lanes[0], lanes[4]), f(lanes[1], lanes[5])),
        f(f(lanes[2], lanes[6]), f(lanes[3], lanes[7])),
    );
    for &v in chunks.remainder() {
        acc = f(acc, v);
    }
    acc
}

/// Every row `i` of a `(·, t)` matrix in standard layout through
/// [`softmax_row`], compiled for the widest SIMD the CPU has
/// (`crate::ops::with_widest_simd`) so that `fast_exp`, branch-free, runs 8
/// or 16 lanes at a time: the same operations in the same order either way.
fn softmax_rows<F: Float>(rows: &mut [F], t: usize, scale: F) {
    crate::ops::with_widest_simd(|| {
        for (i, row) in rows.chunks_exact_mut(t).enumerate() {
            softmax_row(row, i, scale);
        }
    })
}

/// `true` when every entry of `x (N, T, T)` above the diagonal is zero: the
/// shape of a causal matrix such as `att` or a gradient that sends nothing to
/// the future.
pub fn is_causal<F: Float>(x: &ArrayRef3<F>) -> bool {
    let mut causal = true;
    Zip::indexed(x).for_each(|(_, t, s), &v| causal &= s <= t || v == F::zero());
    causal
}
