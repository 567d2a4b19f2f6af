//! # Small shared kernels: `c += a @ b` for the MLP's small matrices
//!
//! [`matmul_acc`] is what the layers and the solutions call for a matrix
//! product. It means exactly `c += a @ b` (`ndarray`'s
//! `general_mat_mul(1, a, b, 1, c)`); only the speed differs. The MLP's
//! products are small (`(32, 30) @ (30, 200)`, `(32, 200) @ (200, 27)`, their
//! transposes): a general GEMM spends much of its time copying ("packing")
//! the operands into blocks, so here two simple register-tiled loops read
//! them in place:
//!
//! - when the rows of `b` are contiguous (`x @ w`, `xᵀ @ dout`): each tile of
//!   `c`, 4 rows by 16 columns, is kept in registers while `k` runs, adding
//!   `a[i,p] · b[p, j..j+16]`;
//! - when its columns are (`dout @ wᵀ`) and `k` is long: each entry of `c` is
//!   a dot product of two contiguous rows, 8 lanes at a time.
//!
//! Anything else (other layouts, negative strides, short dot products) goes
//! to `general_mat_mul`, whose packing pays off there. On x86-64 the same
//! loops are compiled again for AVX2 and FMA and for AVX-512, chosen at run
//! time (`Kernel`); elsewhere the portable loops are still vectorised by
//! the compiler. For a given kernel the results are deterministic, bit for
//! bit. `benches/matmul.rs` times them against `general_mat_mul`.
//!
//! | file | what it holds |
//! |---|---|
//! | `ops/mod.rs` | the entry points and the choice of kernel: safe code |
//! | `kernels/lib.rs` | the loops, a crate of their own: the only `unsafe`, with its safety argument, compiled optimised even in test builds |
//! | `tests/it/unit/ops.rs` | every kernel, layout and tile edge against `ndarray`'s `dot` |

use ndarray::ArrayRef2;
use ndarray::linalg::general_mat_mul;

use crate::float::Float;

// The loops themselves, raw-pointer tiles and `#[target_feature]` copies,
// are the crate `kernels` (`kernels/lib.rs`): the only `unsafe` code, and
// compiled optimised even in test builds.
pub use kernels::Kernel;
pub(crate) use kernels::with_widest_simd;

/// `c += a @ b`: `a (m, k)`, `b (k, n)`, `c (m, n)`.
///
/// # Panics
/// If the shapes do not match.
pub fn matmul_acc<F: Float>(c: &mut ArrayRef2<F>, a: &ArrayRef2<F>, b: &ArrayRef2<F>) {
    matmul_acc_with(Kernel::best(), c, a, b)
}

/// [`matmul_acc`] on a given kernel.
///
/// # Panics
/// If the shapes do not match, or this CPU cannot run `kernel`.
pub fn matmul_acc_with<F: Float>(
    kernel: Kernel,
    c: &mut ArrayRef2<F>,
    a: &ArrayRef2<F>,
    b: &ArrayRef2<F>,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "matmul_acc: ({m}, {k}) @ ({k2}, {n}) into {:?}",
        c.dim()
    );
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    // A transposed `b` (`dout @ wᵀ`) under many rows of `a`: a row-major
    // copy of `b` (k·n numbers next to m·k·n multiply-adds) lets the row
    // kernel run, twice as fast as dot products of columns, with no
    // allocation once the copy's buffer is warm.
    if m >= ROWS_TO_COPY_B
        && n > 1
        && b.strides()[0] == 1
        && with_rows_of(b, |rows| matmul_acc_with(kernel, c, a, &rows))
    {
        return;
    }
    if let Some(op) = kernels::Op::new(c, a, b) {
        return op.run(kernel);
    }
    general_mat_mul(F::one(), a, b, F::one(), c)
}

/// Whether the kernels read `c += a @ b` in place for these layouts;
/// `false` when [`matmul_acc`] leaves the product to `general_mat_mul`
/// (or copies `b` into rows first).
///
/// # Panics
/// If the shapes do not match or one is empty.
pub fn reads_in_place<F: Float>(c: &mut ArrayRef2<F>, a: &ArrayRef2<F>, b: &ArrayRef2<F>) -> bool {
    kernels::Op::new(c, a, b).is_some()
}

/// From this many rows of `a` on, a column-contiguous `b` that the kernels
/// cannot read in place is copied into rows first. The course's MLP and
/// WaveNet never multiply so many rows by such a `b` (their batches are 32
/// rows), so their numbers stay those of `general_mat_mul`; the GPT's
/// `B·T = 512` rows take the copy.
const ROWS_TO_COPY_B: usize = 256;

thread_local! {
    /// The row-major copy of `b`, kept per thread and grown to the largest
    /// `b` seen: no allocation once warm.
    static ROWS_OF_B: std::cell::RefCell<Option<Box<dyn std::any::Any>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` on a row-major copy of `b (k, n)`; `false` (and `f` not run)
/// from inside another such call.
fn with_rows_of<F: Float>(b: &ArrayRef2<F>, f: impl FnOnce(ndarray::ArrayView2<'_, F>)) -> bool {
    ROWS_OF_B.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return false;
        };
        if !slot.as_ref().is_some_and(|buf| buf.is::<Vec<F>>()) {
            *slot = Some(Box::new(Vec::<F>::new()));
        }
        let Some(buf) = slot.as_mut().and_then(|buf| buf.downcast_mut::<Vec<F>>()) else {
            return false;
        };
        buf.clear();
        for row in b.rows() {
            buf.extend(row.iter().copied());
        }
        let (k, n) = b.dim();
        f(ndarray::ArrayView2::from_shape((k, n), &buf[..]).expect("k·n numbers"));
        true
    })
}

/// `out[i] = f(x[i])`, compiled again for AVX2 and AVX-512 (chosen at run
/// time) so that a branch-free `f` runs 8 or 16 lanes at a time. The same
/// operations in the same order either way: the same numbers.
///
/// # Panics
/// If the slices differ in length.
pub fn map_into<F: Float>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
    kernels::map(Kernel::best(), out, x, f)
}

/// [`map_into`] on a given kernel.
///
/// # Panics
/// If the slices differ in length, or this CPU cannot run `kernel`.
pub fn map_into_with<F: Float>(kernel: Kernel, out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
    kernels::map(kernel, out, x, f)
}
