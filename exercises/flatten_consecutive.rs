//! # FlattenConsecutive, backward — yours to write (makemore part 5)
//!
//! Forward (`src/layers/flatten_consecutive.rs`): `x (B, T, C)` → `out (B, T/n, C·n)`
//! with `out[b, t', k·C + c] = x[b, t'·n + k, c]`. Send each gradient back to
//! the element it came from, and accumulate (`+=`) into `dx`. The answer,
//! with its derivation, is in `solutions/flatten_consecutive.rs`.
//!
//! Edit only the function bodies: the signatures are what the grader and
//! the trainer call.

use ndarray::ArrayRef3;

use crate::float::Float;
use crate::layers::flatten_consecutive::FlattenConsecutive;

/// Accumulates (`+=`) `dx` from `dout`.
pub fn backward<F: Float>(
    dx: &mut ArrayRef3<F>,      // (B, T, C)
    dout: &ArrayRef3<F>,        // (B, T/n, C·n)
    layer: &FlattenConsecutive, // n
) {
    todo!(
        "a copy's gradient goes back where the value came from: out[b, t', k·C + c] came from x[b, t'·n + k, c]"
    )
}
