//! The KV cache against the full forward pass: the same logits bit for bit
//! at every position, hence the same tokens for the same seed, with and
//! without the cache, for the lecture's text model and makemore's names
//! model, with temperature and top-k; and the batched generation row by row.

use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::gpt::{Arch, Gpt, GptBody, GptConfig};
use backprop_ninja::models::kv_cache::KvCache;
use backprop_ninja::train::gpt::{Sampler, generate_batch};
use backprop_ninja::train::sampling::Sampling;
use ndarray::ArrayD;
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A model of `config` at its initialisation, its LayerNorms and biases
/// moved off their ones and zeros so that every parameter counts.
fn model(config: GptConfig, seed: u64) -> Gpt<f32> {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut model = Gpt::<f32>::new(config, rng).unwrap();
    for (name, mut p) in model.named_params_mut() {
        if name.contains("ln_") || name.ends_with("bias") {
            let r = ArrayD::<f32>::random_using(p.raw_dim(), StandardNormal, rng) * 0.3;
            p += &r;
        }
    }
    model
}

/// makemore's names model, its `lm_head` leaning towards the boundary
/// token 0 (by `ln_f`'s bias, which every position's `ln_f` output carries)
/// so that names end at many lengths, as a trained model's do.
fn names_model(seed: u64) -> Gpt<f32> {
    let mut model = model(GptConfig::makemore(27, 16), seed);
    let GptBody::Transformer {
        ln_f: Some(ln_f),
        lm_head,
        ..
    } = &mut model.net
    else {
        unreachable!("makemore's model is a transformer with ln_f")
    };
    lm_head.w.column_mut(0).scaled_add(0.3, &ln_f.bias);
    model
}

fn text_model(seed: u64) -> Gpt<f32> {
    model(GptConfig::lecture(65), seed)
}

fn bits(x: impl IntoIterator<Item = f32>) -> Vec<u32> {
    x.into_iter().map(f32::to_bits).collect()
}

/// Every prefix of a random context of `block_size` tokens: the cache's
/// logits after it are the full pass's.
fn cached_logits_are_the_full_pass_logits(model: &Gpt<f32>, seed: u64) {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (v, block) = (model.config.vocab_size, model.config.block_size);
    let context: Vec<usize> = (0..block).map(|_| rng.random_range(0..v)).collect();
    let mut cache = KvCache::new(model, 1).unwrap();
    let mut ws = model.workspace(1, block).unwrap();
    for t in 0..block {
        let cached = bits(
            cache
                .step(model, &[(0, context[t])])
                .unwrap()
                .row(0)
                .to_vec(),
        );
        let full = bits(model.next_logits(&mut ws, &context[..=t]).unwrap().to_vec());
        assert_eq!(cached, full, "{} at position {t}", model.config.arch.name());
    }
    assert_eq!(cache.len(0), block);
}

#[test]
fn the_cached_logits_are_the_full_pass_logits_bit_for_bit() {
    for seed in [1, 2, 3] {
        cached_logits_are_the_full_pass_logits(&names_model(seed), seed);
        cached_logits_are_the_full_pass_logits(&text_model(seed), seed);
    }
    // every step of the lecture, the bigram to the full block
    for arch in Arch::ALL {
        let config = GptConfig::progression(65, arch);
        cached_logits_are_the_full_pass_logits(&model(config, 7), 7);
    }
}

#[test]
fn rows_at_different_positions_step_together_as_each_alone() {
    let model = names_model(4);
    let rng = &mut ChaCha8Rng::seed_from_u64(4);
    let rows = 5;
    let contexts: Vec<Vec<usize>> = (0..rows)
        .map(|i| (0..3 + 2 * i).map(|_| rng.random_range(0..27)).collect())
        .collect();
    let mut ws = model.workspace(1, 16).unwrap();
    let mut cache = KvCache::new(&model, rows).unwrap();
    for step in 0..contexts[rows - 1].len() {
        // rows with tokens left feed one; rows 1 and 3 skip every third step
        let feed: Vec<(usize, usize)> = (0..rows)
            .filter(|&r| cache.len(r) < contexts[r].len() && !((r % 2 == 1) && step % 3 == 0))
            .map(|r| (r, contexts[r][cache.len(r)]))
            .collect();
        if feed.is_empty() {
            continue;
        }
        let logits = cache.step(&model, &feed).unwrap().to_owned();
        for (&(r, _), row) in feed.iter().zip(logits.rows()) {
            let full = model
                .next_logits(&mut ws, &contexts[r][..cache.len(r)])
                .unwrap()
                .to_vec();
            assert_eq!(bits(row.to_vec()), bits(full), "row {r} at step {step}");
        }
    }
}

fn samplings() -> [Sampling; 3] {
    [
        Sampling::default(),
        Sampling {
            temperature: 0.7,
            top_k: Some(5),
        },
        Sampling {
            temperature: 1.5,
            top_k: Some(12),
        },
    ]
}

#[test]
fn names_with_and_without_the_cache_are_the_same_tokens() {
    for seed in [1, 2, 3, 4] {
        let model = names_model(seed);
        for sampling in samplings() {
            let sampler = |cache: bool| {
                let s = Sampler::new(&model, seed)
                    .unwrap()
                    .with_sampling(sampling)
                    .unwrap();
                if cache { s } else { s.without_cache() }
            };
            let (mut cached, mut full) = (sampler(true), sampler(false));
            let mut lengths = vec![];
            for prefix in [&[][..], &[5][..], &[5, 1, 13][..]] {
                for _ in 0..10 {
                    let a = cached.name(&model, prefix).unwrap();
                    let b = full.name(&model, prefix).unwrap();
                    assert_eq!(a, b, "seed {seed}, {sampling:?}");
                    lengths.push(a.len());
                }
            }
            // names of many lengths, some cut at the row's end
            assert!(lengths.iter().any(|&n| n < 8), "{lengths:?}");
        }
    }
}

#[test]
fn text_with_and_without_the_cache_is_the_same_tokens_past_the_block() {
    for seed in [1, 2, 3] {
        let model = text_model(seed);
        for sampling in samplings() {
            let draw = |cache: bool, context: &[usize]| {
                let s = Sampler::new(&model, seed)
                    .unwrap()
                    .with_sampling(sampling)
                    .unwrap();
                let mut s = if cache { s } else { s.without_cache() };
                s.generate(&model, context, 50).unwrap()
            };
            // from one token, and from a context longer than the block of 32
            let long: Vec<usize> = (0..40).map(|i| (i * 7) % 65).collect();
            for context in [&[0][..], &long[..]] {
                let cached = draw(true, context);
                assert_eq!(cached, draw(false, context), "seed {seed}, {sampling:?}");
                assert_eq!(cached.len(), 50);
            }
        }
    }
}

#[test]
fn a_batch_draws_what_one_sampler_per_stream_draws() {
    let model = names_model(5);
    let block = model.config.block_size;
    let prompts: Vec<Vec<usize>> = vec![vec![0], vec![0, 5, 1], vec![0, 13], vec![0; 14], vec![0]];
    let refs: Vec<&[usize]> = prompts.iter().map(Vec::as_slice).collect();
    for sampling in samplings() {
        let gens = generate_batch(&model, &refs, 10, Some(0), sampling, 42).unwrap();
        assert_eq!(gens.len(), prompts.len());
        for (i, (g, prompt)) in gens.iter().zip(&prompts).enumerate() {
            let mut one = Sampler::new(&model, 42)
                .unwrap()
                .with_sampling(sampling)
                .unwrap()
                .with_stream(i as u64);
            let mut all = prompt.clone();
            let (mut tokens, mut logprobs) = (vec![], vec![]);
            while tokens.len() < 10 {
                let (token, logprob) = one.next_with_logprob(&model, &all).unwrap();
                tokens.push(token);
                logprobs.push(logprob);
                all.push(token);
                if token == 0 {
                    break;
                }
            }
            assert_eq!(g.tokens, tokens, "row {i}");
            assert_eq!(
                bits(g.logprobs.iter().map(|&l| l as f32)),
                bits(logprobs.iter().map(|&l| l as f32))
            );
            assert_eq!(g.stopped, tokens.last() == Some(&0));
            assert!(g.stopped || g.tokens.len() == 10);
        }
        // row 3 runs past the block of 16: its window slides
        assert!(prompts[3].len() + gens[3].tokens.len() > block || gens[3].stopped);
        // the same prompt, another stream: another draw
        assert_ne!(gens[0].tokens, gens[4].tokens);
    }
}

#[test]
fn a_logprob_is_the_log_softmax_of_the_full_pass() {
    let model = names_model(6);
    let prompts: [&[usize]; 2] = [&[0], &[0, 1]];
    let gens = generate_batch(&model, &prompts, 6, None, Sampling::default(), 3).unwrap();
    let mut ws = model.workspace(1, 16).unwrap();
    for (g, prompt) in gens.iter().zip(prompts) {
        assert!(!g.stopped && g.tokens.len() == 6);
        let mut all = prompt.to_vec();
        for (&token, &logprob) in g.tokens.iter().zip(&g.logprobs) {
            let logits = model.next_logits(&mut ws, &all).unwrap();
            let max = logits
                .iter()
                .fold(f64::NEG_INFINITY, |m, &x| m.max(x as f64));
            let sum: f64 = logits.iter().map(|&x| (x as f64 - max).exp()).sum();
            let expected = logits[token] as f64 - max - sum.ln();
            assert!((logprob - expected).abs() < 1e-9, "{logprob} vs {expected}");
            all.push(token);
        }
    }
}

fn err<T>(r: backprop_ninja::Result<T>) -> String {
    r.map(|_| ()).unwrap_err().to_string()
}

#[test]
fn bad_feeds_and_prompts_are_errors_naming_them() {
    let model = names_model(1);
    let mut cache = KvCache::new(&model, 2).unwrap();
    let e = err(cache.step(&model, &[(0, 1), (0, 2)]));
    assert!(e.contains("row 0 fed twice"), "{e}");
    let e = err(cache.step(&model, &[(2, 1)]));
    assert!(e.contains("row 2 of a batch of 2"), "{e}");
    let e = err(cache.step(&model, &[(1, 27)]));
    assert!(
        e.contains("token 27") && e.contains("vocabulary of 27"),
        "{e}"
    );
    cache.clear();
    for _ in 0..16 {
        cache.step(&model, &[(1, 3)]).unwrap();
    }
    let e = err(cache.step(&model, &[(1, 3)]));
    assert!(e.contains("row 1 holds 16 positions"), "{e}");
    let other = text_model(1);
    let e = err(cache.step(&other, &[(0, 3)]));
    assert!(e.contains("vocab_size 65"), "{e}");
    assert!(KvCache::new(&model, 0).is_err());
    let e = err(generate_batch(
        &model,
        &[&[0], &[]],
        3,
        None,
        Sampling::default(),
        1,
    ));
    assert!(e.contains("prompt 1 is empty"), "{e}");
    let e = err(generate_batch(
        &model,
        &[&[0, 30]],
        3,
        None,
        Sampling::default(),
        1,
    ));
    assert!(e.contains("prompt 0: token 30 at position 1"), "{e}");
    let e = err(generate_batch(
        &model,
        &[&[0]],
        3,
        Some(27),
        Sampling::default(),
        1,
    ));
    assert!(e.contains("stop token 27"), "{e}");
    let hot = Sampling {
        temperature: f32::NAN,
        top_k: None,
    };
    assert!(generate_batch(&model, &[&[0]], 3, None, hot, 1).is_err());
}
