//! # FlattenConsecutive, backward — solution (makemore part 5)
//!
//! Forward (`src/layers/flatten_consecutive.rs`): `x (B, T, C)` → `out (B, T/n, C·n)`,
//!
//! ```text
//! out[b, t', k·C + c] = x[b, t'·n + k, c]        k < n, c < C
//! ```
//!
//! Every element of `x` is copied to exactly one element of `out`, with
//! derivative 1, and to no other. So each gradient goes back where its value
//! came from:
//!
//! **`dx[b, t'·n + k, c] = dout[b, t', k·C + c]`**
//!
//! the inverse reshape, `dout.view(B, T, C)` in PyTorch. The whole exercise
//! is the routing: `k` counts positions *inside* a group of `n` neighbours,
//! so position `t'·n + k`, not `k·(T/n) + t'` (that would pair position 0 with
//! position `T/n`, not with its neighbour); and `k·C + c` puts the `n`
//! neighbours' channels one block after the other, not interleaved
//! (`c·n + k`). Both mistakes keep every shape right: only the values tell.
//!
//! In row-major memory both indices are one and the same flat index, which
//! is why the forward pass moves nothing and the backward pass can add
//! `dout` to `dx` seen with `dout`'s split, `(B, T/n, n, C)`.

use ndarray::ArrayRef3;

use crate::float::Float;
use crate::layers::flatten_consecutive::FlattenConsecutive;

/// Accumulates (`+=`) `dx[b, t'·n + k, c] += dout[b, t', k·C + c]`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,      // (B, T, C)
    dout: &ArrayRef3<F>,        // (B, T/n, C·n)
    layer: &FlattenConsecutive, // n
) {
    let (b, t, c) = dx.dim();
    let split = (b, t / layer.n, layer.n, c); // (B, T/n, n, C)
    let mut dx4 = dx
        .view_mut()
        .into_shape_with_order(split)
        .expect("dx (B, T, C) in standard layout");
    let dout4 = dout
        .view()
        .into_shape_with_order(split)
        .expect("dout (B, T/n, C·n) in standard layout");
    dx4 += &dout4; // dx4[b, t', k, c] += dout4[b, t', k, c]
}
