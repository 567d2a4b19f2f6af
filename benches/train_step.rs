//! # One training step at the lecture's sizes
//!
//! `cargo bench --bench train_step`: forward, backward (the solutions'
//! functions) and SGD update of the MLP (vocab 27, block 3, n_embd 10,
//! n_hidden 200, batch 32, f32) on the embedded corpus. `benches/compare.sh`
//! puts the figure beside PyTorch's for the same loop.

use backprop_ninja::Solutions;
use backprop_ninja::data::Corpus;
use backprop_ninja::mlp::{Mlp, Workspace};
use backprop_ninja::train::{Dataset, TrainConfig, lecture_hyper, train_step};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bench_train_step(c: &mut Criterion) {
    let cfg = TrainConfig::LECTURE;
    let data = Dataset::new(&Corpus::embedded(), 3, cfg.seed).expect("the embedded corpus");
    let hyper = lecture_hyper(data.vocab.len());
    let mut model = Mlp::<f32>::lecture_init(hyper, &mut ChaCha8Rng::seed_from_u64(cfg.seed))
        .expect("valid sizes");
    let mut grads = model.zero_grads();
    let mut ws = Workspace::new(hyper, cfg.batch_size);
    let mut step = 0;
    c.bench_function("train_step/lecture_mlp_f32", |b| {
        b.iter(|| {
            let loss = train_step::<Solutions, _>(
                &mut model,
                &mut grads,
                &mut ws,
                &data.train,
                &cfg,
                step,
            )
            .expect("a step");
            step += 1;
            loss
        })
    });
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
