//! # `matmul_acc` beside `ndarray::linalg::general_mat_mul`
//!
//! `cargo bench --features bench --bench matmul`: `c += a @ b` in `f32` at
//! the course's shapes, each forward product `x @ w` with its two backward
//! products `dx += dout @ wᵀ` and `dw += xᵀ @ dout`, read in place as the
//! layers hand them over (views, not copies):
//!
//! - `(32, 30) @ (30, 200)` and `(32, 200) @ (200, 27)`: the MLP of makemore
//!   part 4 (batch 32, block 3 × n_embd 10, n_hidden 200, vocab 27);
//! - `(512, 64) @ (64, 192)`, `(512, 64) @ (64, 256)`, `(512, 256) @ (256, 64)`:
//!   512 rows (batch × positions) through widths of 64, 192 and 256.
//!
//! Each group holds both functions on the same arrays: criterion prints
//! their times one under the other.
//!
//! On the 2-core AVX-512 machine this was written on (busy, so ±10%),
//! `matmul_acc` took 0.5–0.8 of `general_mat_mul`'s time on every `x @ w`
//! and `xᵀ @ dout` (but `(200, 32) @ (32, 27)`: even), and on the MLP's
//! `dout @ wᵀ` with its inner dimension of 200; at 512 rows `dout @ wᵀ`,
//! dot products of contiguous rows, lost: 1.1× the time for inner
//! dimensions of 192 and 256, 2.5× for `(512, 64) @ (64, 256)`. The
//! products with an inner dimension below 64 go to `general_mat_mul` either
//! way.

use std::hint::black_box;

use backprop_ninja::float::randn;
use backprop_ninja::ops::matmul_acc;
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The forward products `(m, k) @ (k, n)` timed, with their backward ones.
const SHAPES: [(usize, usize, usize); 5] = [
    (32, 30, 200),
    (32, 200, 27),
    (512, 64, 192),
    (512, 64, 256),
    (512, 256, 64),
];

/// One group: `c += a @ b` by both functions.
fn compare(crit: &mut Criterion, name: &str, a: ArrayView2<f32>, b: ArrayView2<f32>) {
    let mut group = crit.benchmark_group(name);
    let mut c = Array2::<f32>::zeros((a.nrows(), b.ncols()));
    group.bench_function("matmul_acc", |bench| {
        bench.iter(|| matmul_acc(&mut c, black_box(&a), black_box(&b)))
    });
    group.bench_function("general_mat_mul", |bench| {
        bench.iter(|| general_mat_mul(1.0, black_box(&a), black_box(&b), 1.0, &mut c))
    });
    group.finish();
}

fn bench_matmul(crit: &mut Criterion) {
    let rng = &mut ChaCha8Rng::seed_from_u64(42);
    for (m, k, n) in SHAPES {
        let x: Array2<f32> = randn((m, k), rng);
        let w: Array2<f32> = randn((k, n), rng);
        let dout: Array2<f32> = randn((m, n), rng);
        compare(
            crit,
            &format!("matmul/{m}x{k}@{k}x{n} x@w"),
            x.view(),
            w.view(),
        );
        compare(
            crit,
            &format!("matmul/{m}x{n}@{n}x{k} dout@wT"),
            dout.view(),
            w.t(),
        );
        compare(
            crit,
            &format!("matmul/{k}x{m}@{m}x{n} xT@dout"),
            x.t(),
            dout.view(),
        );
    }
}

criterion_group!(benches, bench_matmul);
criterion_main!(benches);
