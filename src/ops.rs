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
//! When `b`'s columns are contiguous and `a` has at least 16 rows, `b` is
//! first copied into rows (a scratch buffer per thread, reused) and the first
//! loop runs; the second is left for short products.
//!
//! Anything else (other layouts, short dot products) goes to
//! `general_mat_mul`, whose packing pays off there. On x86-64 the
//! same loops are compiled a second time with AVX2 and FMA, chosen at run
//! time; elsewhere the portable loops are still vectorised by the compiler.
//! For a given machine the results are deterministic.

use std::any::TypeId;
use std::cell::RefCell;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayRef2, ArrayView2};

use crate::float::Float;

/// `c += a @ b`: `a (m, k)`, `b (k, n)`, `c (m, n)`.
///
/// # Panics
/// If the shapes do not match.
pub fn matmul_acc<F: Float>(c: &mut ArrayRef2<F>, a: &ArrayRef2<F>, b: &ArrayRef2<F>) {
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
    let [rsa, csa] = strides(a);
    let [rsb, csb] = strides(b);
    let [rsc, csc] = strides(c);
    // ---- GPT: attention (gpt-attn) ----
    if csb != 1
        && rsb == 1
        && csc == 1
        && rsa >= 0
        && csa >= 0
        && csb >= 0
        && rsc >= 0
        && m >= ROWS_TO_TRANSPOSE
        && with_rows_of(b, |b| matmul_acc(c, a, &b))
    {
        return;
    }
    // ---- end GPT: attention (gpt-attn) ----
    let layout = if csb == 1 && csc == 1 && rsa >= 0 && csa >= 0 && rsb >= 0 && rsc >= 0 {
        Layout::RowsOfB
    } else if rsb == 1 && csa == 1 && csc == 1 && rsa >= 0 && csb >= 0 && rsc >= 0 && k >= 64 {
        Layout::ColumnsOfB
    } else {
        general_mat_mul(F::one(), a, b, F::one(), c);
        return;
    };
    let op = Op {
        m,
        n,
        k,
        a: a.as_ptr(),
        rsa: rsa as usize,
        csa: csa as usize,
        b: b.as_ptr(),
        sb: if layout == Layout::RowsOfB { rsb } else { csb } as usize,
        c: c.as_mut_ptr(),
        rsc: rsc as usize,
    };
    // SAFETY: the pointers and strides describe the arrays checked above;
    // every index the kernels form is below (m, k), (k, n), (m, n).
    unsafe { op.run(layout) }
}

// ---- GPT: attention (gpt-attn) ----
/// From this many rows of `a` on, a `b` with contiguous columns (a
/// transpose: `dout @ wᵀ`, `q @ kᵀ`) is first copied into rows: `k·n` copies
/// next to `m·k·n` multiply-adds, and then the row kernel, much faster than
/// one dot product per entry of `c`.
const ROWS_TO_TRANSPOSE: usize = 16;

thread_local! {
    /// The copy of `b` in rows, grown to the largest `b` seen on this thread
    /// and then reused: no allocation once warm.
    static SCRATCH_F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static SCRATCH_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a row-major copy of `b`, and says whether it could (not for
/// a float type other than `f32` and `f64`, nor from inside another `f`).
fn with_rows_of<F: Float>(b: &ArrayRef2<F>, f: impl FnOnce(ArrayView2<'_, F>)) -> bool {
    fn run<T: Float, F: Float>(
        cell: &RefCell<Vec<T>>,
        b: &ArrayRef2<F>,
        f: impl FnOnce(ArrayView2<'_, F>),
    ) -> bool {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return false;
        };
        let (k, n) = b.dim();
        if buf.len() < k * n {
            buf.resize(k * n, T::zero());
        }
        // SAFETY: the callers pass T = F (checked by TypeId): the same type.
        let rows = unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<F>(), k * n) };
        for (j, column) in b.columns().into_iter().enumerate() {
            for (p, &v) in column.iter().enumerate() {
                rows[p * n + j] = v;
            }
        }
        f(ArrayView2::from_shape((k, n), &*rows).expect("k·n numbers"));
        true
    }
    let id = TypeId::of::<F>();
    if id == TypeId::of::<f32>() {
        SCRATCH_F32.with(|cell| run(cell, b, f))
    } else if id == TypeId::of::<f64>() {
        SCRATCH_F64.with(|cell| run(cell, b, f))
    } else {
        false
    }
}
// ---- end GPT: attention (gpt-attn) ----

/// The strides of an axis of length one do not matter: call them contiguous.
fn strides<F>(x: &ArrayRef2<F>) -> [isize; 2] {
    let s = x.strides();
    let (rows, cols) = x.dim();
    [
        if rows == 1 { cols as isize } else { s[0] },
        if cols == 1 { 1 } else { s[1] },
    ]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `b[p, j]` at `b + p·sb + j`
    RowsOfB,
    /// `b[p, j]` at `b + p + j·sb`, and `a`'s rows contiguous
    ColumnsOfB,
}

/// One product, as raw parts.
struct Op<F> {
    m: usize,
    n: usize,
    k: usize,
    a: *const F,
    rsa: usize,
    csa: usize,
    b: *const F,
    sb: usize,
    c: *mut F,
    rsc: usize,
}

/// Rows of `c` per tile.
const MR: usize = 4;
/// Columns of `c` per tile when `b`'s rows are contiguous.
const NR: usize = 16;
/// Lanes of a dot product when `b`'s columns are contiguous, and its tile:
/// `DR` rows of `a` by `DC` columns of `b`.
const LANES: usize = 8;
const DR: usize = 4;
const DC: usize = 3;

impl<F: Float> Op<F> {
    unsafe fn run(&self, layout: Layout) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx2") && has!("fma") {
                // SAFETY: the features are present.
                return unsafe { self.run_avx512(layout) };
            }
            if has!("avx2") && has!("fma") {
                // SAFETY: the features are present.
                return unsafe { self.run_avx2_fma(layout) };
            }
        }
        unsafe { self.run_with::<false, MR, NR>(layout) }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2_fma(&self, layout: Layout) {
        unsafe { self.run_with::<true, MR, NR>(layout) }
    }

    /// 32 registers of 16 lanes: wider tiles.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn run_avx512(&self, layout: Layout) {
        unsafe { self.run_with::<true, 8, 32>(layout) }
    }

    #[inline(always)]
    unsafe fn run_with<const FMA: bool, const R: usize, const W: usize>(&self, layout: Layout) {
        unsafe {
            match layout {
                Layout::RowsOfB => self.rows_of_b::<FMA, R, W>(),
                Layout::ColumnsOfB => self.columns_of_b::<FMA>(),
            }
        }
    }

    #[inline(always)]
    unsafe fn rows_of_b<const FMA: bool, const R: usize, const W: usize>(&self) {
        let mut i = 0;
        while i + R <= self.m {
            unsafe { self.rows_of_b_band::<FMA, R, W>(i) };
            i += R;
        }
        while i + MR <= self.m {
            unsafe { self.rows_of_b_band::<FMA, MR, W>(i) };
            i += MR;
        }
        while i < self.m {
            unsafe { self.rows_of_b_band::<FMA, 1, W>(i) };
            i += 1;
        }
    }

    /// Rows `i..i+R` of `c`, in tiles of `W` columns, then of 16 and 8; the
    /// last tile may overlap the one before and only adds its new columns.
    #[inline(always)]
    unsafe fn rows_of_b_band<const FMA: bool, const R: usize, const W: usize>(&self, i: usize) {
        let n = self.n;
        let mut j = 0;
        while j + W <= n {
            unsafe { self.rows_of_b_tile::<FMA, R, W>(i, j, 0) };
            j += W;
        }
        while j + 16 <= n {
            unsafe { self.rows_of_b_tile::<FMA, R, 16>(i, j, 0) };
            j += 16;
        }
        while j + 8 <= n {
            unsafe { self.rows_of_b_tile::<FMA, R, 8>(i, j, 0) };
            j += 8;
        }
        if j < n {
            if n - j > 8 && n >= 16 {
                unsafe { self.rows_of_b_tile::<FMA, R, 16>(i, n - 16, 16 - (n - j)) };
            } else if n >= 8 {
                unsafe { self.rows_of_b_tile::<FMA, R, 8>(i, n - 8, 8 - (n - j)) };
            } else {
                for j in j..n {
                    unsafe { self.rows_of_b_tile::<FMA, R, 1>(i, j, 0) };
                }
            }
        }
    }

    /// `c[i..i+R, j+skip..j+W] += a[i..i+R, :] @ b[:, j+skip..j+W]`.
    #[inline(always)]
    unsafe fn rows_of_b_tile<const FMA: bool, const R: usize, const W: usize>(
        &self,
        i: usize,
        j: usize,
        skip: usize,
    ) {
        let mut acc = [[F::zero(); W]; R];
        for p in 0..self.k {
            let bp = unsafe { (self.b.add(p * self.sb + j) as *const [F; W]).read_unaligned() };
            for (r, acc) in acc.iter_mut().enumerate() {
                let x = unsafe { *self.a.add((i + r) * self.rsa + p * self.csa) };
                for (acc, &y) in acc.iter_mut().zip(&bp) {
                    *acc = fmadd::<F, FMA>(x, y, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let row = unsafe { self.c.add((i + r) * self.rsc + j) };
            for (q, &v) in acc.iter().enumerate().skip(skip) {
                unsafe { *row.add(q) += v };
            }
        }
    }

    #[inline(always)]
    unsafe fn columns_of_b<const FMA: bool>(&self) {
        let mut i = 0;
        while i + DR <= self.m {
            unsafe { self.columns_of_b_band::<FMA, DR>(i) };
            i += DR;
        }
        while i < self.m {
            unsafe { self.columns_of_b_band::<FMA, 1>(i) };
            i += 1;
        }
    }

    #[inline(always)]
    unsafe fn columns_of_b_band<const FMA: bool, const R: usize>(&self, i: usize) {
        let mut j = 0;
        while j + DC <= self.n {
            unsafe { self.columns_of_b_tile::<FMA, R, DC>(i, j) };
            j += DC;
        }
        while j < self.n {
            unsafe { self.columns_of_b_tile::<FMA, R, 1>(i, j) };
            j += 1;
        }
    }

    /// `c[i+r, j+s] += a[i+r, :] · b[:, j+s]`, dot products of contiguous rows.
    #[inline(always)]
    unsafe fn columns_of_b_tile<const FMA: bool, const R: usize, const S: usize>(
        &self,
        i: usize,
        j: usize,
    ) {
        let k = self.k;
        let arow = |r: usize| unsafe { self.a.add((i + r) * self.rsa) };
        let bcol = |s: usize| unsafe { self.b.add((j + s) * self.sb) };
        let mut acc = [[[F::zero(); LANES]; S]; R];
        let mut p = 0;
        while p + LANES <= k {
            let bv: [[F; LANES]; S] = std::array::from_fn(|s| unsafe {
                (bcol(s).add(p) as *const [F; LANES]).read_unaligned()
            });
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = unsafe { (arow(r).add(p) as *const [F; LANES]).read_unaligned() };
                for (acc, bv) in acc.iter_mut().zip(&bv) {
                    for l in 0..LANES {
                        acc[l] = fmadd::<F, FMA>(av[l], bv[l], acc[l]);
                    }
                }
            }
            p += LANES;
        }
        for (r, acc) in acc.iter().enumerate() {
            for (s, acc) in acc.iter().enumerate() {
                // a fixed order of summation: the same numbers every run
                let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5]))
                    + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
                for p in p..k {
                    sum = fmadd::<F, FMA>(
                        unsafe { *arow(r).add(p) },
                        unsafe { *bcol(s).add(p) },
                        sum,
                    );
                }
                unsafe { *self.c.add((i + r) * self.rsc + j + s) += sum };
            }
        }
    }
}

/// `x · y + acc`, fused where the CPU has FMA (a call to a slow software
/// `fma` otherwise, so not used there).
#[inline(always)]
fn fmadd<F: Float, const FMA: bool>(x: F, y: F, acc: F) -> F {
    if FMA { x.mul_add(y, acc) } else { x * y + acc }
}

/// `out[i] = f(x[i])`, compiled again for AVX2 and AVX-512 (chosen at run
/// time) so that a branch-free `f` runs 8 or 16 lanes at a time. The same
/// operations in the same order either way: the same numbers.
///
/// # Panics
/// If the slices differ in length.
pub fn map_into<F: Float>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
    assert_eq!(out.len(), x.len(), "map_into: lengths differ");
    #[inline(always)]
    fn each<F: Float>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        for (o, &x) in out.iter_mut().zip(x) {
            *o = f(x);
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn each_avx2<F: Float>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        each(out, x, f)
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn each_avx512<F: Float>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        each(out, x, f)
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx2") && has!("fma") {
            // SAFETY: the features are present.
            return unsafe { each_avx512(out, x, f) };
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: the features are present.
            return unsafe { each_avx2(out, x, f) };
        }
    }
    each(out, x, f)
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::matmul_acc;

    fn check(m: usize, k: usize, n: usize) {
        let a = Array2::from_shape_fn((m, k), |(i, p)| ((i * 7 + p * 3) % 11) as f64 - 5.0);
        let b = Array2::from_shape_fn((k, n), |(p, j)| ((p * 5 + j * 2) % 13) as f64 - 6.0);
        let c0 = Array2::from_shape_fn((m, n), |(i, j)| (i + j) as f64);
        let want = &c0 + &a.dot(&b);
        // b with contiguous rows, and with contiguous columns (a transpose)
        let bt = b.t().to_owned();
        let mut bf = Array2::zeros((k, n).f());
        bf.assign(&b);
        for b in [b.view(), bt.t(), bf.view()] {
            let mut c = c0.clone();
            matmul_acc(&mut c, &a, &b);
            assert_eq!(c, want, "({m}, {k}) @ ({k}, {n})");
        }
        // a transposed
        let at = a.t().to_owned();
        let mut c = c0.clone();
        matmul_acc(&mut c, &at.t(), &b);
        assert_eq!(c, want);
        // f32
        let mut c = c0.mapv(|x| x as f32);
        matmul_acc(&mut c, &a.mapv(|x| x as f32), &bt.t().mapv(|x| x as f32));
        assert_eq!(c, want.mapv(|x| x as f32));
    }

    #[test]
    fn matmul_acc_matches_dot() {
        for m in [1, 2, 3, 4, 5, 9, 32] {
            for k in [1, 3, 7, 8, 9, 27, 30, 64, 65, 200] {
                for n in [1, 3, 7, 8, 9, 16, 17, 27, 30, 33] {
                    check(m, k, n);
                }
            }
        }
    }
}
