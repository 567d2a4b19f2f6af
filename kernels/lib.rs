//! # The matrix-product kernels: the tiled loops behind `matmul_acc` and `map_into`
//!
//! A crate of its own (`kernels/Cargo.toml`) under the library's `ops`
//! module (`src/ops/mod.rs`, the safe entry points that the layers call),
//! for two reasons:
//!
//! - it holds all the `unsafe` code of backprop-ninja, which denies
//!   `unsafe_code` everywhere else;
//! - it is compiled with optimisations even in test builds (its profile in
//!   the workspace's `Cargo.toml`): its loops are vectorised only at
//!   `opt-level` 2 and up, and a test build of the library (`opt-level` 1,
//!   fast to compile) would otherwise run its matrix products several times
//!   slower. The products for `f32` and `f64` are compiled here, not in the
//!   crates that call them ([`Elem`]).
//!
//! `unsafe` is needed for two things:
//!
//! - the tile loops index the operands through raw pointers and strides, and
//!   read a row of `b` as one `[F; W]`, so that the compiler sees no bounds
//!   checks and keeps a whole tile of `c` in registers;
//! - the AVX2 and AVX-512 copies of the loops are `#[target_feature]`
//!   functions, which may run only on a CPU that has those features.
//!
//! The argument that it is sound, in one place:
//!
//! - [`Op::new`] is the only way to make an [`Op`]. It borrows the three
//!   arrays for the `Op`'s lifetime (so they stay alive, `c` is written by no
//!   one else, and `c` overlaps neither `a` nor `b`), checks that the shapes
//!   agree and that none is empty, and accepts only strides `≥ 0` with the
//!   unit strides its layout reads in lines. Element `[i, j]` of an array
//!   with row stride `rs` and column stride `cs` is then at
//!   `base + i·rs + j·cs`, inside the array whenever `i` and `j` are below
//!   its dimensions: every pointer below is formed that way, and the
//!   `# Safety` section of each function states the bounds its caller keeps.
//! - [`Op::run`] and [`map`] call a `#[target_feature]` copy only after
//!   [`Kernel::is_available`] said that this CPU has its features.
//!
//! The order of the arithmetic is fixed here, for each [`Kernel`]: the same
//! inputs give the same bits on every run, every machine that runs that
//! kernel, and every `opt-level` (no fast-math: the compiler may not
//! reorder floating-point sums).
#![deny(clippy::undocumented_unsafe_blocks)]

use std::marker::PhantomData;

use ndarray::{ArrayRef2, NdFloat};

/// `f32` or `f64`: the element types whose products are compiled here.
///
/// [`Elem::run_compiled`] is implemented for each type in this crate, not
/// generically, so that its loops are compiled with this crate's
/// optimisations, whatever the caller's.
pub trait Elem: NdFloat + sealed::Sealed {
    /// Runs `op` on `kernel`: [`Op::run`]'s body, compiled here for `Self`.
    #[doc(hidden)]
    fn run_compiled(op: Op<'_, Self>, kernel: Kernel);
}

impl Elem for f32 {
    fn run_compiled(op: Op<'_, f32>, kernel: Kernel) {
        op.run_here(kernel)
    }
}

impl Elem for f64 {
    fn run_compiled(op: Op<'_, f64>, kernel: Kernel) {
        op.run_here(kernel)
    }
}

mod sealed {
    /// Only `f32` and `f64` are [`Elem`](super::Elem)s.
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// Which compiled copy of the loops runs. The library's `matmul_acc` and
/// `map_into` take [`Kernel::best`]; the tests force each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust for the baseline target, `x·y + acc` rounded twice.
    Portable,
    /// x86-64 with AVX2 and FMA: tiles of 4 × 16, fused multiply-adds.
    Avx2,
    /// x86-64 with AVX-512F (and AVX2, FMA): tiles of 8 × 32.
    Avx512,
}

impl Kernel {
    /// Every kernel, available here or not.
    pub const ALL: [Kernel; 3] = [Kernel::Portable, Kernel::Avx2, Kernel::Avx512];

    /// The fastest kernel this CPU runs.
    pub fn best() -> Kernel {
        if Kernel::Avx512.is_available() {
            Kernel::Avx512
        } else if Kernel::Avx2.is_available() {
            Kernel::Avx2
        } else {
            Kernel::Portable
        }
    }

    /// Whether this CPU has the features the kernel was compiled for.
    pub fn is_available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        use std::arch::is_x86_feature_detected as has;
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => has!("avx2") && has!("fma"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => has!("avx512f") && has!("avx2") && has!("fma"),
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 | Kernel::Avx512 => false,
        }
    }
}

/// Rows of `c` per tile (the portable and AVX2 kernels; AVX-512 takes 8 and
/// finishes with these).
const MR: usize = 4;
/// Columns of `c` per tile when `b`'s rows are contiguous (the portable and
/// AVX2 kernels; AVX-512 takes 32).
const NR: usize = 16;
/// Lanes of a dot product when `b`'s columns are contiguous, and its tile:
/// `DR` rows of `a` by `DC` columns of `b`.
const LANES: usize = 8;
const DR: usize = 4;
const DC: usize = 3;

/// How `b` is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    /// `b[p, j]` at `b + p·sb + j`: its rows are contiguous.
    RowsOfB,
    /// `b[p, j]` at `b + p + j·sb`: its columns are contiguous, and so are
    /// `a`'s rows.
    ColumnsOfB,
}

/// One product `c += a @ b`, as raw parts, ready for a kernel.
pub struct Op<'a, F> {
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
    layout: Layout,
    _arrays: PhantomData<(&'a mut ArrayRef2<F>, &'a ArrayRef2<F>)>,
}

/// The strides of an axis of length one do not matter: call them contiguous.
fn strides<F>(x: &ArrayRef2<F>) -> [isize; 2] {
    let s = x.strides();
    let (rows, cols) = x.dim();
    [
        if rows == 1 { cols as isize } else { s[0] },
        if cols == 1 { 1 } else { s[1] },
    ]
}

impl<'a, F: Elem> Op<'a, F> {
    /// `c += a @ b` for the kernels, or `None` when they do not read this
    /// layout (then `general_mat_mul` does it): `c`'s rows must be
    /// contiguous, and either `b`'s rows, or `b`'s columns and `a`'s rows
    /// with `k ≥ 64` (shorter dot products are faster packed). Negative
    /// strides are left to `general_mat_mul`; zero strides (a broadcast
    /// `a` or `b`) are read in place.
    ///
    /// # Panics
    /// If the shapes do not match or one is empty.
    pub fn new(c: &'a mut ArrayRef2<F>, a: &'a ArrayRef2<F>, b: &'a ArrayRef2<F>) -> Option<Self> {
        let (m, k) = a.dim();
        let n = b.ncols();
        assert!(
            b.nrows() == k && c.dim() == (m, n) && m > 0 && n > 0 && k > 0,
            "Op::new: ({m}, {k}) @ {:?} into {:?}",
            b.dim(),
            c.dim()
        );
        let [rsa, csa] = strides(a);
        let [rsb, csb] = strides(b);
        let [rsc, csc] = strides(c);
        let layout = if csb == 1 && csc == 1 && rsa >= 0 && csa >= 0 && rsb >= 0 && rsc >= 0 {
            Layout::RowsOfB
        } else if rsb == 1 && csa == 1 && csc == 1 && rsa >= 0 && csb >= 0 && rsc >= 0 && k >= 64 {
            Layout::ColumnsOfB
        } else {
            return None;
        };
        Some(Op {
            m,
            n,
            k,
            a: a.as_ptr(),
            rsa: rsa as usize,
            csa: csa as usize,
            b: b.as_ptr(),
            sb: match layout {
                Layout::RowsOfB => rsb,
                Layout::ColumnsOfB => csb,
            } as usize,
            c: c.as_mut_ptr(),
            rsc: rsc as usize,
            layout,
            _arrays: PhantomData,
        })
    }

    /// Runs the product on `kernel`, with the loops compiled in this crate
    /// ([`Elem::run_compiled`]).
    ///
    /// # Panics
    /// If this CPU cannot run `kernel`.
    pub fn run(self, kernel: Kernel) {
        F::run_compiled(self, kernel)
    }

    /// [`Op::run`]'s body, for [`Elem::run_compiled`].
    fn run_here(self, kernel: Kernel) {
        assert!(
            kernel.is_available(),
            "the {kernel:?} kernel needs CPU features this machine lacks"
        );
        match kernel {
            // SAFETY: `Op::new` checked the arrays (see the module's header).
            Kernel::Portable => unsafe { self.run_with::<false, MR, NR>() },
            // SAFETY: as above, and the CPU has AVX2 and FMA (asserted).
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { self.run_avx2() },
            // SAFETY: as above, and the CPU has AVX-512F, AVX2 and FMA (asserted).
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { self.run_avx512() },
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::Avx2 | Kernel::Avx512 => unreachable!("not available off x86-64"),
        }
    }

    /// The loops compiled for AVX2 and FMA: 16 registers of 8 `f32` lanes.
    ///
    /// # Safety
    /// Made by [`Op::new`]; the CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2(&self) {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.run_with::<true, MR, NR>() }
    }

    /// The loops compiled for AVX-512: 32 registers of 16 `f32` lanes, so
    /// wider tiles.
    ///
    /// # Safety
    /// Made by [`Op::new`]; the CPU has AVX-512F, AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn run_avx512(&self) {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.run_with::<true, 8, 32>() }
    }

    /// The whole product, in tiles of `R` rows by `W` columns (rows of `b`
    /// contiguous), fused multiply-adds if `FMA`.
    ///
    /// # Safety
    /// Made by [`Op::new`]. (`FMA` without the instruction is no danger,
    /// only slow: `mul_add` is then a call to a software `fma`.)
    #[inline(always)]
    unsafe fn run_with<const FMA: bool, const R: usize, const W: usize>(&self) {
        // SAFETY: the caller's promise, passed on.
        unsafe {
            match self.layout {
                Layout::RowsOfB => self.rows_of_b::<FMA, R, W>(),
                Layout::ColumnsOfB => self.columns_of_b::<FMA>(),
            }
        }
    }

    /// Bands of `R` rows, then of `MR` (when `R > MR`), then single rows.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::RowsOfB`].
    #[inline(always)]
    unsafe fn rows_of_b<const FMA: bool, const R: usize, const W: usize>(&self) {
        let mut i = 0;
        // SAFETY: every band `i..i + rows` handed on ends at or before `m`.
        unsafe {
            while i + R <= self.m {
                self.rows_of_b_band::<FMA, R, W>(i);
                i += R;
            }
            if R > MR {
                while i + MR <= self.m {
                    self.rows_of_b_band::<FMA, MR, W>(i);
                    i += MR;
                }
            }
            while i < self.m {
                self.rows_of_b_band::<FMA, 1, W>(i);
                i += 1;
            }
        }
    }

    /// Rows `i..i+R` of `c`, in tiles of `W` columns, then of 16 (when
    /// `W > 16`) and 8; the last columns, fewer than 8, by a tile of 8 that
    /// overlaps the one before and adds only its new columns, or one column
    /// at a time when `n < 8`.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::RowsOfB`]; `i + R ≤ m`.
    #[inline(always)]
    unsafe fn rows_of_b_band<const FMA: bool, const R: usize, const W: usize>(&self, i: usize) {
        let n = self.n;
        let mut j = 0;
        // SAFETY: every tile `j..j + width` ends at or before `n`, and the
        // overlapping one starts at `n - 8 ≥ 0` and skips `8 - (n - j) < 8`.
        unsafe {
            while j + W <= n {
                self.rows_of_b_tile::<FMA, R, W>(i, j, 0);
                j += W;
            }
            if W > 16 {
                while j + 16 <= n {
                    self.rows_of_b_tile::<FMA, R, 16>(i, j, 0);
                    j += 16;
                }
            }
            while j + 8 <= n {
                self.rows_of_b_tile::<FMA, R, 8>(i, j, 0);
                j += 8;
            }
            // Here n - j < 8.
            if j < n {
                if n >= 8 {
                    self.rows_of_b_tile::<FMA, R, 8>(i, n - 8, 8 - (n - j));
                } else {
                    for j in j..n {
                        self.rows_of_b_tile::<FMA, R, 1>(i, j, 0);
                    }
                }
            }
        }
    }

    /// `c[i..i+R, j+skip..j+W] += a[i..i+R, :] @ b[:, j+skip..j+W]`: the
    /// tile is kept in registers while `p` runs over `k`.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::RowsOfB`]; `i + R ≤ m`,
    /// `j + W ≤ n`, `skip ≤ W`.
    #[inline(always)]
    unsafe fn rows_of_b_tile<const FMA: bool, const R: usize, const W: usize>(
        &self,
        i: usize,
        j: usize,
        skip: usize,
    ) {
        let mut acc = [[F::zero(); W]; R];
        // SAFETY: rows below `i + R ≤ m`, columns below `j + W ≤ n`, `p < k`:
        // inside `a`, `b` and `c`, whose column strides are 1 for `b` and
        // `c`, so that `W` neighbours of `b` are one unaligned `[F; W]`.
        unsafe {
            for p in 0..self.k {
                let bp = (self.b.add(p * self.sb + j) as *const [F; W]).read_unaligned();
                for (r, acc) in acc.iter_mut().enumerate() {
                    let x = *self.a.add((i + r) * self.rsa + p * self.csa);
                    for (acc, &y) in acc.iter_mut().zip(&bp) {
                        *acc = fmadd::<F, FMA>(x, y, *acc);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                let row = self.c.add((i + r) * self.rsc + j);
                for (q, &v) in acc.iter().enumerate().skip(skip) {
                    *row.add(q) += v;
                }
            }
        }
    }

    /// Bands of `DR` rows, then single rows.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::ColumnsOfB`].
    #[inline(always)]
    unsafe fn columns_of_b<const FMA: bool>(&self) {
        let mut i = 0;
        // SAFETY: every band `i..i + rows` handed on ends at or before `m`.
        unsafe {
            while i + DR <= self.m {
                self.columns_of_b_band::<FMA, DR>(i);
                i += DR;
            }
            while i < self.m {
                self.columns_of_b_band::<FMA, 1>(i);
                i += 1;
            }
        }
    }

    /// Rows `i..i+R` of `c`, `DC` columns at a time, then one.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::ColumnsOfB`]; `i + R ≤ m`.
    #[inline(always)]
    unsafe fn columns_of_b_band<const FMA: bool, const R: usize>(&self, i: usize) {
        let mut j = 0;
        // SAFETY: every tile `j..j + columns` ends at or before `n`.
        unsafe {
            while j + DC <= self.n {
                self.columns_of_b_tile::<FMA, R, DC>(i, j);
                j += DC;
            }
            while j < self.n {
                self.columns_of_b_tile::<FMA, R, 1>(i, j);
                j += 1;
            }
        }
    }

    /// `c[i+r, j+s] += a[i+r, :] · b[:, j+s]`, dot products of contiguous
    /// rows, `LANES` at a time, summed in a fixed order.
    ///
    /// # Safety
    /// Made by [`Op::new`] with [`Layout::ColumnsOfB`]; `i + R ≤ m`,
    /// `j + S ≤ n`.
    #[inline(always)]
    unsafe fn columns_of_b_tile<const FMA: bool, const R: usize, const S: usize>(
        &self,
        i: usize,
        j: usize,
    ) {
        let k = self.k;
        let mut acc = [[[F::zero(); LANES]; S]; R];
        let mut p = 0;
        // SAFETY: rows of `a` below `i + R ≤ m`, columns of `b` below
        // `j + S ≤ n`, and `p + LANES ≤ k` for the vector reads, `p < k` for
        // the rest: inside `a`, `b` (both contiguous along `k`) and `c`.
        unsafe {
            let arow = |r: usize| self.a.add((i + r) * self.rsa);
            let bcol = |s: usize| self.b.add((j + s) * self.sb);
            while p + LANES <= k {
                let bv: [[F; LANES]; S] =
                    std::array::from_fn(|s| (bcol(s).add(p) as *const [F; LANES]).read_unaligned());
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = (arow(r).add(p) as *const [F; LANES]).read_unaligned();
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
                        sum = fmadd::<F, FMA>(*arow(r).add(p), *bcol(s).add(p), sum);
                    }
                    *self.c.add((i + r) * self.rsc + j + s) += sum;
                }
            }
        }
    }
}

/// `x · y + acc`, fused where the CPU has FMA (a call to a slow software
/// `fma` otherwise, so not used there).
#[inline(always)]
fn fmadd<F: Elem, const FMA: bool>(x: F, y: F, acc: F) -> F {
    if FMA { x.mul_add(y, acc) } else { x * y + acc }
}

/// `out[i] = f(x[i])` on `kernel`: the same loop, compiled for its
/// features, so that a branch-free `f` runs 8 or 16 lanes at a time.
///
/// # Panics
/// If the slices differ in length or this CPU cannot run `kernel`.
pub fn map<F: Elem>(kernel: Kernel, out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
    assert_eq!(out.len(), x.len(), "map_into: lengths differ");
    assert!(
        kernel.is_available(),
        "the {kernel:?} kernel needs CPU features this machine lacks"
    );
    #[inline(always)]
    fn each<F: Elem>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        for (o, &x) in out.iter_mut().zip(x) {
            *o = f(x);
        }
    }
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn each_avx2<F: Elem>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        each(out, x, f)
    }
    /// # Safety
    /// The CPU has AVX-512F, AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn each_avx512<F: Elem>(out: &mut [F], x: &[F], f: impl Fn(F) -> F) {
        each(out, x, f)
    }
    match kernel {
        Kernel::Portable => each(out, x, f),
        // SAFETY: the CPU has AVX2 and FMA (asserted above).
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { each_avx2(out, x, f) },
        // SAFETY: the CPU has AVX-512F, AVX2 and FMA (asserted above).
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { each_avx512(out, x, f) },
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx2 | Kernel::Avx512 => unreachable!("not available off x86-64"),
    }
}

/// Runs `f` inside a function compiled for the widest SIMD this CPU has
/// ([`Kernel::best`]), so that the loops of `f`, inlined
/// there, use 8 or 16 lanes: the same operations in the same order on every
/// path. The causal softmax uses it for its branch-free `fast_exp`.
pub fn with_widest_simd<R>(f: impl FnOnce() -> R) -> R {
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    match Kernel::best() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `best` picks AVX-512 only where the CPU has its features.
        Kernel::Avx512 => unsafe { avx512(f) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `best` picks AVX2 only where the CPU has AVX2 and FMA.
        Kernel::Avx2 => unsafe { avx2(f) },
        _ => f(),
    }
}
