//! # Sampling a GPT with and without its KV cache
//!
//! `cargo bench --features bench --bench sampling`, f32, one thread, the
//! cached and the uncached sampler side by side in one run:
//!
//! - `sampling/names_cached`, `sampling/names_uncached`: 1,000 names from
//!   makemore's names GPT, one after the other from one seed, as `sample`
//!   draws them: the same names both ways (checked before timing);
//! - `sampling/names_batched`: 1,000 names drawn together,
//!   [`generate_batch`] (rows of their own random streams: other names);
//! - `sampling/text_cached`, `sampling/text_uncached`: 500 characters from
//!   the lecture's model (block 32), past its block: the window slides, and
//!   then every token reruns it whichever way.
//!
//! Criterion reports each as tokens per second (`thrpt`). Before it, on a
//! shared machine whose load drifts, the pairs run alternately, five rounds,
//! and the best time of each gives the ratio printed first. The names model
//! is the checkpoint `SAMPLING_NAMES_MODEL` names (a `train gpt` on names),
//! else makemore's model at its initialisation, whose names run to the end
//! of the row; the text model is the lecture's at its initialisation, or
//! `SAMPLING_TEXT_MODEL`'s (500 tokens whatever the weights).
//! `bash benches/sampling.sh` trains a names model and runs this.

use std::path::Path;

use backprop_ninja::io::checkpoint;
use backprop_ninja::models::gpt::{Gpt, GptConfig};
use backprop_ninja::models::model::Network;
use backprop_ninja::train::gpt::{Sampler, generate_batch};
use backprop_ninja::train::sampling::Sampling;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const NAMES: usize = 1000;
const CHARS: usize = 500;

/// The GPT of the checkpoint `var` names, or `config` at its initialisation.
fn model(var: &str, config: GptConfig) -> Gpt<f32> {
    match std::env::var(var) {
        Ok(path) => match checkpoint::load(Path::new(&path)) {
            Ok(checkpoint::Checkpoint {
                model: Network::Gpt(g),
                ..
            }) => g,
            Ok(_) => panic!("{var}={path}: not a GPT checkpoint"),
            Err(e) => panic!("{var}={path}: {e}"),
        },
        Err(_) => Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(1337)).expect("a valid config"),
    }
}

/// `NAMES` names, one sampler, and the tokens drawn (the boundary's too).
fn names(model: &Gpt<f32>, cache: bool) -> (Vec<Vec<usize>>, u64) {
    let sampler = Sampler::new(model, 42).expect("a sampler");
    let mut sampler = if cache {
        sampler
    } else {
        sampler.without_cache()
    };
    let full = model.config.block_size - 1;
    let names: Vec<Vec<usize>> = (0..NAMES)
        .map(|_| sampler.name(model, &[]).expect("a name"))
        .collect();
    let drawn = names.iter().map(|n| n.len() + usize::from(n.len() < full));
    let drawn = drawn.sum::<usize>() as u64;
    (names, drawn)
}

fn text(model: &Gpt<f32>, cache: bool) -> Vec<usize> {
    let sampler = Sampler::new(model, 42).expect("a sampler");
    let mut sampler = if cache {
        sampler
    } else {
        sampler.without_cache()
    };
    sampler.generate(model, &[0], CHARS).expect("text")
}

/// The best of `ROUNDS` times of `cached` and of `uncached`, run
/// alternately, printed as tokens per second and their ratio.
fn side_by_side(what: &str, tokens: u64, mut cached: impl FnMut(), mut uncached: impl FnMut()) {
    const ROUNDS: usize = 5;
    let time = |f: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let (mut best_cached, mut best_uncached) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..ROUNDS {
        best_cached = best_cached.min(time(&mut cached));
        best_uncached = best_uncached.min(time(&mut uncached));
    }
    let rate = |t: f64| tokens as f64 / t;
    println!(
        "{what}: {tokens} tokens, cached {:.0} tokens/s ({:.1} ms), uncached {:.0} tokens/s ({:.1} ms): {:.1}x (best of {ROUNDS}, alternately)",
        rate(best_cached),
        best_cached * 1e3,
        rate(best_uncached),
        best_uncached * 1e3,
        best_uncached / best_cached
    );
}

fn bench_sampling(c: &mut Criterion) {
    let names_model = model("SAMPLING_NAMES_MODEL", GptConfig::makemore(27, 16));
    let (cached, tokens) = names(&names_model, true);
    assert_eq!(cached, names(&names_model, false).0, "the same names");
    let text_model = model("SAMPLING_TEXT_MODEL", GptConfig::lecture(65));
    assert_eq!(
        text(&text_model, true),
        text(&text_model, false),
        "the same text"
    );
    side_by_side(
        "1,000 names",
        tokens,
        || drop(names(&names_model, true)),
        || drop(names(&names_model, false)),
    );
    side_by_side(
        "500 characters of text",
        CHARS as u64,
        || drop(text(&text_model, true)),
        || drop(text(&text_model, false)),
    );
    let mut group = c.benchmark_group("sampling");
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens));
    group.bench_function("names_cached", |b| b.iter(|| names(&names_model, true)));
    group.bench_function("names_uncached", |b| b.iter(|| names(&names_model, false)));
    let prompts = vec![&[0usize][..]; NAMES];
    let block = names_model.config.block_size;
    let batched = || {
        generate_batch(
            &names_model,
            &prompts,
            block - 1,
            Some(0),
            Sampling::default(),
            42,
        )
        .expect("names")
    };
    let batch_tokens = batched().iter().map(|g| g.tokens.len() as u64).sum();
    group.throughput(Throughput::Elements(batch_tokens));
    group.bench_function("names_batched", |b| b.iter(batched));

    let text_model = model("SAMPLING_TEXT_MODEL", GptConfig::lecture(65));
    assert_eq!(
        text(&text_model, true),
        text(&text_model, false),
        "the same text"
    );
    group.throughput(Throughput::Elements(CHARS as u64));
    group.bench_function("text_cached", |b| b.iter(|| text(&text_model, true)));
    group.bench_function("text_uncached", |b| b.iter(|| text(&text_model, false)));
    group.finish();
}

criterion_group!(benches, bench_sampling);
criterion_main!(benches);
