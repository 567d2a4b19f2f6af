//! # Causal multi-head self-attention at the lecture's size
//!
//! `cargo bench --features bench --bench attention`: the forward pass, and
//! the forward and the reference backward pass together, of one
//! `CausalSelfAttention` with `c_proj` at lecture 7's size (B 16, T 32,
//! n_embd 64, 4 heads), in f32, one thread, with no allocation per step.

use backprop_ninja::layers::attention::CausalSelfAttention;
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::{Backprop, Solutions};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2, Array3};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bench_attention(c: &mut Criterion) {
    let (b, t, n_embd, n_head) = (16, 32, 64, 4);
    let rng = &mut ChaCha8Rng::seed_from_u64(1337);
    let mut randn2 =
        |shape: (usize, usize)| Array2::<f32>::random_using(shape, StandardNormal, rng) * 0.02;
    let (w_attn, w_proj) = (randn2((n_embd, 3 * n_embd)), randn2((n_embd, n_embd)));
    let layer = CausalSelfAttention::new(
        Linear::new(w_attn, Some(Array1::zeros(3 * n_embd))).expect("shapes fit"),
        Some(Linear::new(w_proj, Some(Array1::zeros(n_embd))).expect("shapes fit")),
        n_head,
    )
    .expect("64 = 4 × 16");
    let x = Array3::<f32>::random_using((b, t, n_embd), StandardNormal, rng);
    let dout = Array3::<f32>::random_using((b, t, n_embd), StandardNormal, rng) * 1e-3;
    let mut cache = layer.cache(b, t);
    let mut out = Array3::zeros((b, t, n_embd));
    let mut dx = Array3::zeros((b, t, n_embd));
    let mut grads = layer.zero_grads();

    c.bench_function("attention/forward_f32", |bench| {
        bench.iter(|| {
            layer
                .forward_into(&x, &mut out, &mut cache)
                .expect("shapes fit")
        })
    });
    c.bench_function("attention/forward_backward_f32", |bench| {
        bench.iter(|| {
            layer
                .forward_into(&x, &mut out, &mut cache)
                .expect("shapes fit");
            Solutions::attention_backward(&mut dx, &mut grads, &dout, &x, &mut cache, &layer);
        })
    });
}

criterion_group!(benches, bench_attention);
criterion_main!(benches);
