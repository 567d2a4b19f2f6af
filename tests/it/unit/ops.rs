//! Every kernel, on every layout it reads in place and every tile edge,
//! against `ndarray`'s `dot`; and the bits each kernel computes, pinned.

use ndarray::{Array2, ArrayRef2, ArrayView2, ShapeBuilder, s};

use backprop_ninja::float::Float;
use backprop_ninja::ops::{
    Kernel, map_into, map_into_with, matmul_acc, matmul_acc_with, reads_in_place,
};

/// The kernels this CPU runs (the portable one everywhere).
fn available() -> Vec<Kernel> {
    let kernels: Vec<Kernel> = Kernel::ALL
        .into_iter()
        .filter(|k| k.is_available())
        .collect();
    assert!(kernels.contains(&Kernel::Portable));
    kernels
}

/// Small whole numbers: every product and sum below is exact in `f32` and
/// `f64`, so every kernel must equal `dot` to the bit.
fn ints<F: Float>(shape: (usize, usize), salt: usize) -> Array2<F> {
    Array2::from_shape_fn(shape, |(i, j)| {
        F::lit(((i * 7 + j * 3 + salt * 5) % 13) as f64 - 6.0)
    })
}

/// `c += a @ b` on `kernel` equals `c + a.dot(b)` exactly; `c` is handed
/// in as a window of a wider array, so its rows are not contiguous with
/// each other, and the columns around it must stay untouched.
fn check<F: Float>(kernel: Kernel, a: ArrayView2<F>, b: ArrayView2<F>, what: &str) {
    let (m, n) = (a.nrows(), b.ncols());
    let c0 = ints::<F>((m, n), 1);
    let want = &c0 + &a.dot(&b);
    let mut c = c0.clone();
    matmul_acc_with(kernel, &mut c, &a, &b);
    assert_eq!(c, want, "{kernel:?} {what}: {:?} @ {:?}", a.dim(), b.dim());
    let mut wide = Array2::from_elem((m, n + 3), F::lit(9.0));
    wide.slice_mut(s![.., 1..n + 1]).assign(&c0);
    matmul_acc_with(kernel, &mut wide.slice_mut(s![.., 1..n + 1]), &a, &b);
    assert_eq!(
        wide.slice(s![.., 1..n + 1]),
        want,
        "{kernel:?} {what}, c a window"
    );
    assert!(
        wide.column(0)
            .iter()
            .chain(wide.column(n + 1))
            .chain(wide.column(n + 2))
            .all(|&v| v == F::lit(9.0)),
        "{kernel:?} {what}: wrote outside c"
    );
}

/// Rows that end each kind of band (bands of 8, of 4, single rows), columns
/// that end each kind of tile (32, 16, 8, the overlapping last 8, single
/// columns when `n < 8`), and dot products with and without a tail past the
/// last 8 lanes, on either side of the `k ≥ 64` threshold.
const MS: [usize; 11] = [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17];
const KS: [usize; 8] = [1, 7, 8, 9, 63, 64, 65, 71];
const NS: [usize; 16] = [1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 49];

#[test]
fn every_kernel_matches_dot_at_every_tile_edge() {
    for kernel in available() {
        for m in MS {
            for k in KS {
                for n in NS {
                    let a = ints::<f64>((m, k), 2);
                    let b = ints::<f64>((k, n), 3);
                    let (at, bt) = (a.t().to_owned(), b.t().to_owned());
                    let a2 = ints::<f64>((2 * m, k), 4);
                    let a_steps = a2.slice(s![..;2, ..]);
                    check(kernel, a.view(), b.view(), "rows of b");
                    check(kernel, at.t(), b.view(), "aᵀ stored, rows of b");
                    check(kernel, a_steps, b.view(), "every other row of a, rows of b");
                    check(kernel, a.view(), bt.t(), "columns of b");
                    check(
                        kernel,
                        a_steps,
                        bt.t(),
                        "every other row of a, columns of b",
                    );
                }
            }
        }
        // f32, and the lecture's own shapes
        for (m, k, n) in [(32, 30, 200), (32, 200, 27), (7, 71, 49), (13, 9, 47)] {
            let a = ints::<f32>((m, k), 5);
            let b = ints::<f32>((k, n), 6);
            let (at, bt) = (a.t().to_owned(), b.t().to_owned());
            check(kernel, a.view(), b.view(), "f32, rows of b");
            check(kernel, at.t(), b.view(), "f32, aᵀ stored");
            check(kernel, a.view(), bt.t(), "f32, columns of b");
        }
    }
}

/// Every strided, stepped, reversed and broadcast view: read in place where
/// the kernels can, handed to `general_mat_mul` where not, right either way.
#[test]
fn strided_reversed_and_broadcast_inputs() {
    for kernel in available() {
        for (m, k, n) in [(1, 1, 1), (5, 65, 33), (13, 9, 47), (9, 64, 17), (4, 70, 8)] {
            let a = ints::<f64>((m, k), 2);
            let at = a.t().to_owned();
            let mut af = Array2::zeros((m, k).f());
            af.assign(&a);
            let a_wide = ints::<f64>((2 * m, 2 * k), 3);
            let a_rev = ints::<f64>((m, k), 4);
            let a_row = ints::<f64>((1, k), 5);
            let a_views = [
                ("a", a.view()),
                ("aᵀ stored", at.t()),
                ("a column-major", af.view()),
                ("a stepped both ways", a_wide.slice(s![..;2, ..;2])),
                ("a reversed", a_rev.slice(s![..;-1, ..])),
                ("a one row broadcast", a_row.broadcast((m, k)).unwrap()),
            ];
            let b = ints::<f64>((k, n), 6);
            let bt = b.t().to_owned();
            let b_wide = ints::<f64>((2 * k, 2 * n), 7);
            let b_rev = ints::<f64>((k, n), 8);
            let b_row = ints::<f64>((1, n), 9);
            let b_col = ints::<f64>((k, 1), 10);
            let b_views = [
                ("b", b.view()),
                ("bᵀ stored", bt.t()),
                ("b stepped rows", b_wide.slice(s![..;2, ..n])),
                ("b stepped columns", b_wide.slice(s![..k, ..;2])),
                ("b reversed columns", b_rev.slice(s![.., ..;-1])),
                ("b one row broadcast", b_row.broadcast((k, n)).unwrap()),
                ("b one column broadcast", b_col.broadcast((k, n)).unwrap()),
            ];
            for (a_what, a) in &a_views {
                for (b_what, b) in &b_views {
                    check(kernel, a.view(), b.view(), &format!("{a_what} @ {b_what}"));
                }
            }
            // c column-major: general_mat_mul
            let mut c: Array2<f64> = Array2::zeros((m, n).f());
            c.assign(&ints((m, n), 1));
            let want = &c + &a.dot(&b);
            matmul_acc_with(kernel, &mut c, &a, &b);
            assert_eq!(c, want, "{kernel:?}: c column-major");
        }
    }
}

/// Which layouts the kernels read in place, so that the tests above do
/// reach them (and not only `general_mat_mul`).
#[test]
fn the_kernels_read_the_layouts_the_layers_use() {
    let reads =
        |c: &mut ArrayRef2<f64>, a: &ArrayRef2<f64>, b: &ArrayRef2<f64>| reads_in_place(c, a, b);
    let (x, w) = (ints::<f64>((32, 64), 1), ints::<f64>((64, 27), 2));
    let dout = ints::<f64>((32, 27), 3);
    let mut out = Array2::zeros((32, 27));
    let mut dx = Array2::zeros((32, 64));
    let mut dw = Array2::zeros((64, 27));
    assert!(reads(&mut out, &x, &w), "x @ w");
    assert!(reads(&mut dw, &x.t(), &dout), "xᵀ @ dout");
    assert!(
        !reads(&mut dx, &dout, &w.t()),
        "dout @ wᵀ: k = 27 < 64, packed"
    );
    let (x, w) = (ints::<f64>((32, 27), 1), ints::<f64>((27, 64), 2));
    let (mut dx, dout) = (Array2::zeros((32, 27)), ints::<f64>((32, 64), 3));
    assert!(reads(&mut dx, &dout, &w.t()), "dout @ wᵀ with k = 64");
    assert!(
        !reads(
            &mut dx,
            &dout.slice(s![.., ..;-1]),
            &w.slice(s![..;-1, ..]).t()
        ),
        "reversed"
    );
    let mut fc = Array2::zeros((32, 64).f());
    assert!(!reads(&mut fc, &x, &w), "c column-major");
    let row = ints::<f64>((1, 64), 4);
    assert!(
        reads(
            &mut Array2::zeros((32, 64)),
            &x,
            &row.broadcast((27, 64)).unwrap()
        ),
        "broadcast b"
    );
}

#[test]
#[should_panic(expected = "matmul_acc: (2, 3) @ (4, 5) into (2, 5)")]
fn mismatched_shapes_panic_with_them() {
    let mut c = Array2::<f64>::zeros((2, 5));
    matmul_acc(&mut c, &Array2::zeros((2, 3)), &Array2::zeros((4, 5)));
}

#[test]
fn empty_products_add_nothing() {
    for kernel in available() {
        let mut c = Array2::<f32>::ones((3, 4));
        matmul_acc_with(
            kernel,
            &mut c,
            &Array2::zeros((3, 0)),
            &Array2::zeros((0, 4)),
        );
        assert_eq!(c, Array2::<f32>::ones((3, 4)));
        let mut c = Array2::<f32>::zeros((0, 4));
        matmul_acc_with(
            kernel,
            &mut c,
            &Array2::zeros((0, 5)),
            &Array2::zeros((5, 4)),
        );
    }
}

#[test]
fn every_kernel_maps_like_a_plain_loop() {
    let x: Vec<f32> = (0..1037).map(|i| i as f32 * 0.013 - 6.5).collect();
    let want: Vec<f32> = x.iter().map(|&v| v.fast_tanh()).collect();
    for kernel in available() {
        let mut out = vec![0.0; x.len()];
        map_into_with(kernel, &mut out, &x, f32::fast_tanh);
        assert_eq!(out, want, "{kernel:?}");
    }
    let mut out = vec![0.0; 3];
    map_into(&mut out, &x[..3], f32::fast_tanh);
    assert_eq!(out, want[..3]);
}

// ── The bits, pinned ─────────────────────────────────────────────────────

/// A fixed stream of floats in `[-1, 1)`, independent of any crate's version.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn array<F: Float>(&mut self, shape: (usize, usize)) -> Array2<F> {
        Array2::from_shape_simple_fn(shape, || F::lit(self.next()))
    }
}

/// An FNV-1a hash of the bits of `c += a @ b` on `kernel`, over random
/// floats in eight layouts on 637 shapes; each result also checked against
/// `dot` to within rounding.
fn bits_of<F: Float>(kernel: Kernel, tol: f64) -> u64 {
    const MS: [usize; 7] = [1, 3, 4, 5, 8, 9, 13];
    const KS: [usize; 7] = [1, 7, 8, 9, 64, 65, 70];
    const NS: [usize; 13] = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 47];
    let mut hash = 0xcbf29ce484222325u64;
    let rng = &mut Lcg(42);
    for m in MS {
        for k in KS {
            for n in NS {
                let a = rng.array::<F>((m, k));
                let b = rng.array::<F>((k, n));
                let c0 = rng.array::<F>((m, n));
                let (at, bt) = (a.t().to_owned(), b.t().to_owned());
                let mut bf = Array2::zeros((k, n).f());
                bf.assign(&b);
                let a2 = rng.array::<F>((2 * m, k));
                let b_row = rng.array::<F>((1, n));
                let b2 = rng.array::<F>((k, 2 * n));
                let cases = [
                    (a.view(), b.view()),
                    (at.t(), b.view()),
                    (a.view(), bt.t()),
                    (a.view(), bf.view()),
                    (a2.slice(s![..;2, ..]), b.view()),
                    (a2.slice(s![..;2, ..]), bt.t()),
                    (a.view(), b_row.broadcast((k, n)).unwrap()),
                    (a.view(), b2.slice(s![.., ..;2])),
                ];
                for (a, b) in cases {
                    let mut wide = Array2::<F>::zeros((m, n + 3));
                    wide.slice_mut(s![.., 1..n + 1]).assign(&c0);
                    matmul_acc_with(kernel, &mut wide.slice_mut(s![.., 1..n + 1]), &a, &b);
                    let want = &c0 + &a.dot(&b);
                    for (&got, &want) in wide.slice(s![.., 1..n + 1]).iter().zip(&want) {
                        let (got, want) = (got.as_f64(), want.as_f64());
                        assert!(
                            (got - want).abs() <= tol * (k as f64),
                            "{kernel:?}: {got} vs {want}"
                        );
                    }
                    for &v in wide.iter() {
                        for byte in v.as_f64().to_bits().to_le_bytes() {
                            hash ^= byte as u64;
                            hash = hash.wrapping_mul(0x100000001b3);
                        }
                    }
                }
            }
        }
    }
    hash
}

/// The trained models must not change: each kernel computes, bit for bit,
/// what it computed when these hashes were taken (`(f64, f32)`). A change
/// to the order of the arithmetic fails here.
#[test]
fn each_kernel_computes_the_same_bits_as_before() {
    for kernel in available() {
        let want = match kernel {
            Kernel::Portable => (PORTABLE_F64, PORTABLE_F32),
            Kernel::Avx2 => (AVX2_F64, AVX2_F32),
            Kernel::Avx512 => (AVX512_F64, AVX512_F32),
        };
        let got = (bits_of::<f64>(kernel, 1e-15), bits_of::<f32>(kernel, 1e-6));
        assert_eq!(
            got, want,
            "{kernel:?}: (f64, f32) hashes {:#018x}, {:#018x}",
            got.0, got.1
        );
    }
}

// Taken from the kernels as they were before `ops` was split into files
// (AVX2 and AVX-512 agree: both fuse every multiply-add in the same order).
const PORTABLE_F64: u64 = 0xdb3db4d6af7ecaea;
const PORTABLE_F32: u64 = 0xecb706a2de2c7999;
const AVX2_F64: u64 = 0x956783dd32d4027f;
const AVX2_F32: u64 = 0x085d2a05030990e3;
const AVX512_F64: u64 = AVX2_F64;
const AVX512_F32: u64 = AVX2_F32;
