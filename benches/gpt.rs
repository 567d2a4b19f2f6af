//! # The GPT of lecture 7: its layers and one training step
//!
//! `cargo bench --features bench --bench gpt`, f32, one thread, no
//! allocation per step:
//!
//! - `gpt/layernorm`, `gpt/gelu`: one layer's forward and reference backward
//!   on the residual stream of the lecture's size (B·T = 16·32 rows, C 64;
//!   GELU on the feed-forward's 4·C = 256 columns);
//! - `gpt/step_lecture`, `gpt/step_makemore`: a whole training step (forward,
//!   backward through the reference, AdamW) of the lecture's model (65
//!   characters, block 32, batch 16) and makemore's Transformer (27
//!   characters, block 16, batch 32). The attention layer has its own bench
//!   (`--bench attention`).

use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::gelu;
use backprop_ninja::layers::layernorm::LayerNorm;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Gpt, GptConfig};
use backprop_ninja::{Backprop, Solutions};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bench_layers(c: &mut Criterion) {
    let rng = &mut ChaCha8Rng::seed_from_u64(1337);
    let (rows, channels) = (16 * 32, 64);
    let x = Array2::<f32>::random_using((rows, channels), StandardNormal, rng);
    let dout = Array2::<f32>::random_using((rows, channels), StandardNormal, rng);
    let ln = LayerNorm::<f32>::new(channels);
    let mut cache = ln.cache(rows);
    let mut out = Array2::zeros((rows, channels));
    let mut dx = Array2::zeros((rows, channels));
    let mut grads = ln.zero_grads();
    c.bench_function("gpt/layernorm", |bench| {
        bench.iter(|| {
            ln.forward_into(&x, &mut out, &mut cache)
                .expect("shapes fit");
            Solutions::layernorm_backward(&mut dx, &mut grads, &dout, &cache, &ln);
        })
    });

    let h = Array2::<f32>::random_using((rows, 4 * channels), StandardNormal, rng);
    let dh = Array2::<f32>::random_using((rows, 4 * channels), StandardNormal, rng);
    let mut hout = Array2::zeros((rows, 4 * channels));
    let mut dhx = Array2::zeros((rows, 4 * channels));
    c.bench_function("gpt/gelu", |bench| {
        bench.iter(|| {
            gelu::forward_into(&h, &mut hout).expect("shapes fit");
            Solutions::gelu_backward(&mut dhx, &dh, &h);
        })
    });
}

/// A training step of `config` on a fixed batch of `(b, t)`.
fn bench_step(c: &mut Criterion, name: &str, config: GptConfig, (b, t): (usize, usize)) {
    let rng = &mut ChaCha8Rng::seed_from_u64(1337);
    let mut model = Gpt::<f32>::new(config, rng).expect("a valid configuration");
    let mut ws = model.workspace(b, t).expect("a valid batch");
    let v = config.vocab_size;
    ws.idx = Array2::from_shape_fn((b, t), |(i, j)| (i * 7 + j * 3) % v);
    ws.targets = Array2::from_shape_fn((b, t), |(i, j)| ((i * 5 + j) % v) as i64);
    let mut grads = model.zero_grads();
    let mut opt = AdamWState::new(AdamW::MAKEMORE, &model).expect("shapes fit");
    c.bench_function(name, |bench| {
        bench.iter(|| {
            model.forward(&mut ws).expect("shapes fit");
            model.backward::<Solutions>(&mut ws, &mut grads);
            opt.step::<Solutions, _>(&mut model, &grads);
        })
    });
}

fn bench_steps(c: &mut Criterion) {
    bench_step(c, "gpt/step_lecture", GptConfig::lecture(65), (16, 32));
    bench_step(
        c,
        "gpt/step_makemore",
        GptConfig::makemore(27, 16),
        (32, 16),
    );
}

criterion_group!(benches, bench_layers, bench_steps);
criterion_main!(benches);
