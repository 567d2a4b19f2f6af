use backprop_ninja::Solutions;
use backprop_ninja::corpus::text::TextCorpus;
use backprop_ninja::corpus::text::{IGNORE, NameRows};
use backprop_ninja::corpus::words::Vocab;
use backprop_ninja::error::Error;
use backprop_ninja::layers::adamw::AdamW;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::models::adamw::AdamWState;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig};
use backprop_ninja::train::eval::{EvalSet, Evaluator, Split};
use backprop_ninja::train::gpt::*;
use backprop_ninja::train::{Optimizer, OptimizerConfig, TrainConfig, fit};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

const VERSE: &str = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n";

fn tiny(vocab: usize, block: usize) -> Gpt<f32> {
    let config = GptConfig {
        block_size: block,
        n_layer: 2,
        n_head: 2,
        n_embd: 8,
        ..GptConfig::lecture(vocab)
    };
    Gpt::new(config, &mut ChaCha8Rng::seed_from_u64(5)).unwrap()
}

#[test]
fn a_lecture_step_is_two_thirds_of_a_gflop() {
    // Per block: c_attn 2·512·64·192, c_proj 2·512·64², the MLP
    // 2 · 2·512·64·256, attention 2 · 2·512·32·64; lm_head 2·512·64·65.
    let f = flops(&GptConfig::lecture(65), 16, 32);
    let per_block = 2.0 * 512.0 * 64.0 * (192.0 + 64.0 + 2.0 * 256.0) + 4.0 * 512.0 * 32.0 * 64.0;
    let expected = 4.0 * per_block + 2.0 * 512.0 * 64.0 * 65.0;
    assert_eq!(f.forward, expected);
    assert_eq!(f.backward, 2.0 * expected);
    assert!((f.forward + f.backward - 0.667e9).abs() < 0.001e9, "{f:?}");
    assert_eq!(
        flops(&GptConfig::progression(65, Arch::Bigram), 32, 8).forward,
        0.0
    );
}

#[test]
fn every_row_pads_the_last_batch_with_ignored_targets() {
    let words: Vec<String> = ["ava", "bo", "cy", "dee", "eli"].map(String::from).to_vec();
    let vocab = Vocab::from_words(&words);
    let rows = NameRows::build(&words, &vocab, 4).unwrap();
    let set = EvalSet::every_row("test", &rows, 2).unwrap();
    let Split::Batches(batches) = &set.split else {
        panic!("batches of rows")
    };
    assert_eq!(batches.len(), 3);
    assert_eq!(
        set.counted(),
        rows.y.iter().filter(|&&y| y != IGNORE).count()
    );
    assert!(batches[2].targets.row(1).iter().all(|&y| y == IGNORE));
}

#[test]
fn the_evaluation_is_the_mean_over_every_counted_target() {
    let words: Vec<String> = ["ava", "bo", "cy", "dee", "eli"].map(String::from).to_vec();
    let vocab = Vocab::from_words(&words);
    let rows = NameRows::build(&words, &vocab, 4).unwrap();
    let model = tiny(vocab.len(), 4);
    let mut all = model.workspace(5, 4).unwrap();
    all.idx.assign(&rows.x);
    all.targets.assign(&rows.y);
    let whole = model.forward(&mut all).unwrap();
    let set = EvalSet::every_row("test", &rows, 2).unwrap();
    let mut evaluator = Evaluator::new(set.clone(), set);
    let losses = evaluator.losses(&model).unwrap();
    let (a, b) = (losses[0], losses[1]);
    assert_eq!(a, b);
    assert!((a - whole as f64).abs() < 1e-5, "{a} vs {whole}");
}

#[test]
fn clipping_scales_the_gradient_norm_down_to_the_limit() {
    let model = tiny(5, 4);
    let mut grads = model.zero_grads();
    for (_, mut g) in model.named_grads_mut(&mut grads) {
        g.fill(1.0);
    }
    let n = model.num_params() as f64;
    assert!((model.clip_grad_norm(&mut grads, 1e9) - n.sqrt()).abs() < 1e-6);
    let before = model.clip_grad_norm(&mut grads, 2.0);
    assert!(
        (before - n.sqrt()).abs() < 1e-6,
        "unchanged above the limit"
    );
    let after = model.clip_grad_norm(&mut grads, 1e9);
    assert!((after - 2.0).abs() < 1e-5, "{after}");
}

fn text() -> TextCorpus {
    TextCorpus::from_text(&VERSE.repeat(4), Path::new("verse.txt")).unwrap()
}

/// `steps` steps of a tiny model from `start`, returning the model and
/// AdamW's state.
fn trained(
    model: Gpt<f32>,
    opt: AdamWState<f32>,
    corpus: &TextCorpus,
    start: usize,
    steps: usize,
) -> (Gpt<f32>, AdamWState<f32>, Vec<usize>) {
    let (mut model, mut opt) = (model, Optimizer::AdamW(opt));
    let run = TrainConfig {
        steps,
        batch_size: 3,
        ..TrainConfig::GPT_LECTURE
    };
    let mut evals = vec![];
    fit::<Solutions, Gpt<f32>>(
        &mut model,
        &mut opt,
        &corpus.train,
        &run.run(4),
        start,
        |_| {},
        |_, _, s| {
            evals.push(s);
            Ok(())
        },
    )
    .unwrap();
    let Optimizer::AdamW(opt) = opt else {
        unreachable!("AdamW's run")
    };
    (model, opt, evals)
}

#[test]
fn a_run_resumed_with_its_optimiser_is_the_uninterrupted_run() {
    let corpus = text();
    let model = tiny(corpus.vocab.len(), 6);
    let opt = AdamWState::new(AdamW::TORCH, &model).unwrap();
    let (straight, straight_opt, evals) = trained(model.clone(), opt.clone(), &corpus, 0, 10);
    assert_eq!(evals, vec![4, 8], "every 4 steps before the last");
    let (half, half_opt, _) = trained(model.clone(), opt, &corpus, 0, 6);
    let (resumed, resumed_opt, _) = trained(half, half_opt.clone(), &corpus, 6, 10);
    assert_eq!(resumed, straight);
    assert_eq!(resumed_opt, straight_opt);
    assert_ne!(straight, model, "it trained");
    // AdamW's step count must match the run's start.
    let mut m = model.clone();
    let err = fit::<Solutions, Gpt<f32>>(
        &mut m,
        &mut Optimizer::AdamW(half_opt.clone()),
        &corpus.train,
        &TrainConfig {
            steps: 10,
            batch_size: 3,
            ..TrainConfig::GPT_LECTURE
        }
        .run(4),
        0,
        |_| {},
        |_, _, _| Ok(()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("AdamW has taken 6 steps"), "{err}");
}

#[test]
fn a_diverging_run_stops_before_a_checkpoint_of_it() {
    let corpus = text();
    let mut model = tiny(corpus.vocab.len(), 6);
    let run = TrainConfig {
        steps: 50,
        batch_size: 3,
        optimizer: OptimizerConfig::AdamW(AdamW {
            lr: 1e30,
            ..AdamW::TORCH
        }),
        ..TrainConfig::GPT_LECTURE
    };
    let mut opt = run.optimizer_for(&model).unwrap();
    let mut saved = vec![];
    let err = fit::<Solutions, Gpt<f32>>(
        &mut model,
        &mut opt,
        &corpus.train,
        &run.run(1),
        0,
        |_| {},
        |_, _, s| {
            saved.push(s);
            Ok(())
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Diverged { .. } | Error::DivergedFar { .. }),
        "{err}"
    );
    let stopped = match err {
        Error::Diverged { step, .. } | Error::DivergedFar { step, .. } => step,
        _ => unreachable!(),
    };
    assert!(saved.iter().all(|&s| s < stopped), "{saved:?} {stopped}");
}

#[test]
fn sampling_is_seeded_and_crops_the_context_to_the_block() {
    let corpus = text();
    let model = tiny(corpus.vocab.len(), 6);
    let context = corpus.vocab.encode("Speak, speak.").unwrap();
    let draw = |seed| {
        Sampler::new(&model, seed)
            .unwrap()
            .generate(&model, &context, 30)
            .unwrap()
    };
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4));
    assert!(draw(3).iter().all(|&t| t < corpus.vocab.len()));
    // Only the last block_size tokens matter.
    let mut longer = corpus.vocab.encode("All: ").unwrap();
    longer.extend(&context);
    let mut a = Sampler::new(&model, 9).unwrap();
    let mut b = Sampler::new(&model, 9).unwrap();
    assert_eq!(
        a.next(&model, &longer).unwrap(),
        b.next(&model, &context).unwrap()
    );
}

#[test]
fn names_end_at_the_boundary_or_the_row() {
    let words: Vec<String> = ["ava", "bo", "cy", "dee", "eli"].map(String::from).to_vec();
    let vocab = Vocab::from_words(&words);
    let model = tiny(vocab.len(), 4);
    let mut sampler = Sampler::new(&model, 1).unwrap();
    for _ in 0..20 {
        let name = sampler.name(&model, &[1]).unwrap();
        assert!(
            name.len() <= 3 && name[0] == 1 && !name.contains(&0),
            "{name:?}"
        );
    }
}
