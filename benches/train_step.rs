//! # One training step at the lectures' sizes
//!
//! `cargo bench --features bench --bench train_step`: forward, backward (the solutions'
//! functions) and SGD update, in f32, on the embedded corpus, of
//!
//! - `train_step/lecture_mlp_f32`: the MLP of makemore part 4 (vocab 27,
//!   block 3, n_embd 10, n_hidden 200, batch 32);
//! - `train_step/wavenet_f32`: the WaveNet of part 5 (block 8, n_embd 24,
//!   n_hidden 128, batch 32, 76,579 parameters).
//!
//! `benches/compare.sh` puts the figures beside PyTorch's for the same loops.

use backprop_ninja::Solutions;
use backprop_ninja::corpus::words::Corpus;
use backprop_ninja::models::mlp::Mlp;
use backprop_ninja::models::model::Model;
use backprop_ninja::models::wavenet::WaveNet;
use backprop_ninja::train::{
    Dataset, Timing, TrainConfig, lecture_hyper, train_step, wavenet_hyper,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bench_model<M: Model>(c: &mut Criterion, name: &str, mut model: M, cfg: TrainConfig) {
    let block = model.hyper().block;
    let data = Dataset::new(&Corpus::embedded(), block, cfg.seed).expect("the embedded corpus");
    let mut grads = model.zero_grads();
    let mut ws = model.workspace(cfg.batch_size).expect("valid sizes");
    let (mut opt, run) = (cfg.optimizer_for(&model).expect("SGD"), cfg.run(0));
    let mut timing = Timing::default();
    let mut step = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let loss = train_step::<Solutions, M>(
                &mut model,
                &mut opt,
                &mut grads,
                &mut ws,
                &data.train,
                &run,
                step,
                &mut timing,
            )
            .expect("a step");
            step += 1;
            loss
        })
    });
}

fn bench_train_step(c: &mut Criterion) {
    let cfg = TrainConfig::LECTURE;
    let rng = &mut ChaCha8Rng::seed_from_u64(cfg.seed);
    let mlp = Mlp::<f32>::lecture_init(lecture_hyper(27), rng).expect("valid sizes");
    bench_model(c, "train_step/lecture_mlp_f32", mlp, cfg);
    let cfg = TrainConfig::WAVENET;
    let rng = &mut ChaCha8Rng::seed_from_u64(cfg.seed);
    let wavenet = WaveNet::<f32>::lecture_init(wavenet_hyper(27), rng).expect("valid sizes");
    bench_model(c, "train_step/wavenet_f32", wavenet, cfg);
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
