//! The GPT of lecture 7: its sizes, its names, and its gradients checked by
//! finite differences, for makemore's configuration, the lecture's, and
//! every step of the lecture's progression.

use backprop_ninja::Solutions;
use backprop_ninja::grade::oracle::{self, Config};
use backprop_ninja::io::{gpt_export, weights};
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::layers::sequence_cross_entropy::IGNORE;
use backprop_ninja::models::gpt::{Arch, Gpt, GptConfig, GptWorkspace};
use ndarray::{Array2, ArrayD};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn makemore_and_lecture_sizes_have_their_parameter_counts() {
    let rng = &mut ChaCha8Rng::seed_from_u64(0);
    let makemore = Gpt::<f32>::new(GptConfig::makemore(27, 16), rng).unwrap();
    assert_eq!(makemore.num_params(), 204_544);
    let lecture = Gpt::<f32>::new(GptConfig::lecture(65), rng).unwrap();
    assert_eq!(lecture.num_params(), 209_729);
    let bigram = Gpt::<f32>::new(GptConfig::lecture(65).with_arch(Arch::Bigram), rng).unwrap();
    assert_eq!(bigram.num_params(), 65 * 65);
}

#[test]
fn parameters_are_named_as_makemores_state_dict() {
    let rng = &mut ChaCha8Rng::seed_from_u64(0);
    let model = Gpt::<f64>::new(GptConfig::makemore(27, 16), rng).unwrap();
    let names: Vec<String> = model.named_params().into_iter().map(|(n, _)| n).collect();
    let block0 = [
        "ln_1.weight",
        "ln_1.bias",
        "attn.c_attn.weight",
        "attn.c_attn.bias",
        "attn.c_proj.weight",
        "attn.c_proj.bias",
        "ln_2.weight",
        "ln_2.bias",
        "mlp.c_fc.weight",
        "mlp.c_fc.bias",
        "mlp.c_proj.weight",
        "mlp.c_proj.bias",
    ];
    let mut expected = vec![
        "transformer.wte.weight".to_string(),
        "transformer.wpe.weight".to_string(),
    ];
    for i in 0..4 {
        expected.extend(block0.iter().map(|n| format!("transformer.h.{i}.{n}")));
    }
    expected.extend([
        "transformer.ln_f.weight".into(),
        "transformer.ln_f.bias".into(),
        "lm_head.weight".into(),
    ]);
    assert_eq!(names, expected);
    let lecture = Gpt::<f64>::new(GptConfig::lecture(65), rng).unwrap();
    let names: Vec<String> = lecture.named_params().into_iter().map(|(n, _)| n).collect();
    assert!(!names.contains(&"transformer.h.0.attn.c_attn.bias".to_string()));
    assert_eq!(names.last().unwrap(), "lm_head.bias");
    // grads in the same order and shapes
    let grads = lecture.zero_grads();
    for ((n, p), (gn, g)) in lecture
        .named_params()
        .iter()
        .zip(lecture.named_grads(&grads))
    {
        assert_eq!((n, p.shape()), (&gn, g.shape()));
    }
}

#[test]
fn the_initialisation_is_pytorchs_default_and_seeded() {
    let model = Gpt::<f64>::new(
        GptConfig::makemore(27, 16),
        &mut ChaCha8Rng::seed_from_u64(3),
    )
    .unwrap();
    let again = Gpt::<f64>::new(
        GptConfig::makemore(27, 16),
        &mut ChaCha8Rng::seed_from_u64(3),
    )
    .unwrap();
    assert_eq!(model, again);
    for (name, p) in model.named_params() {
        let (min, max) = p
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        if name.contains("ln_") {
            let want = if name.ends_with("weight") { 1.0 } else { 0.0 };
            assert!(p.iter().all(|&x| x == want), "{name}");
        } else if name.contains("wte") || name.contains("wpe") {
            let std = (p.iter().map(|x| x * x).sum::<f64>() / p.len() as f64).sqrt();
            assert!((std - 1.0).abs() < 0.1, "{name}: N(0, 1), std {std}");
        } else {
            let fan_in = if name.contains("mlp.c_proj") {
                256.0
            } else {
                64.0
            };
            let bound = 1.0 / f64::sqrt(fan_in);
            assert!(min >= -bound && max <= bound, "{name}: within ±{bound}");
            let fill = if p.ndim() == 2 { 0.95 } else { 0.7 }; // fewer draws in a bias
            assert!(
                max > fill * bound && min < -fill * bound,
                "{name}: fills ±{bound}"
            );
        }
    }
}

/// A small model at this step, with LayerNorm parameters and biases moved
/// off their initial values, and a batch of 3 × 4 whose targets end in
/// ignored positions.
fn small(config: GptConfig, seed: u64) -> (Gpt<f64>, GptWorkspace<f64>) {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let mut model = Gpt::<f64>::new(config, rng).unwrap();
    for (name, mut p) in model.named_params_mut() {
        if name.contains("ln_") || name.ends_with("bias") {
            let r = ArrayD::<f64>::random_using(p.raw_dim(), StandardNormal, rng) * 0.3;
            p += &r;
        }
    }
    let (b, t) = (3, 4);
    let mut ws = model.workspace(b, t).unwrap();
    let v = config.vocab_size;
    ws.idx = Array2::from_shape_fn((b, t), |_| rng.random_range(0..v));
    ws.targets = Array2::from_shape_fn((b, t), |(i, j)| {
        if i + j > t {
            IGNORE
        } else {
            rng.random_range(0..v as i64)
        }
    });
    (model, ws)
}

fn small_config(base: GptConfig, arch: Arch) -> GptConfig {
    GptConfig {
        vocab_size: 5,
        block_size: 5,
        n_layer: 2,
        n_head: 2,
        n_embd: 4,
        ..base.with_arch(arch)
    }
}

/// Every parameter's gradient against finite differences of the loss.
fn check_gradients(config: GptConfig) {
    let (model, ws) = small(config, 11);
    check_batch_gradients(model, ws, &format!("{:?}", config.arch));
}

/// Every parameter's gradient of `model` on the batch of `ws` against
/// finite differences of the loss.
fn check_batch_gradients(model: Gpt<f64>, mut ws: GptWorkspace<f64>, what: &str) {
    model.forward(&mut ws).unwrap();
    let mut grads = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut grads);
    let analytic: Vec<(String, ArrayD<f64>)> = model
        .named_grads(&grads)
        .into_iter()
        .map(|(n, g)| (n, g.to_owned()))
        .collect();
    let params: Vec<ArrayD<f64>> = model
        .named_params()
        .into_iter()
        .map(|(_, p)| p.to_owned())
        .collect();
    assert_eq!(analytic.len(), params.len());
    for ((name, g), p) in analytic.iter().zip(&params) {
        let loss = |v: &ArrayD<f64>| {
            let mut m = model.clone();
            m.set_param(name, v).unwrap();
            let mut ws = ws.clone();
            m.forward(&mut ws).unwrap()
        };
        let report = oracle::check(name, p, g, loss, &Config::default());
        assert!(report.passed(), "{what}: {report}");
        assert!(g.iter().any(|&x| x != 0.0), "{what}: {name} has a gradient");
    }
}

#[test]
fn makemore_gradients_match_finite_differences() {
    check_gradients(small_config(GptConfig::makemore(5, 5), Arch::LayerNorm));
}

#[test]
fn lecture_gradients_match_finite_differences_at_every_step() {
    for arch in Arch::ALL {
        check_gradients(small_config(GptConfig::lecture(5), arch));
    }
}

#[test]
fn a_backward_pass_twice_gives_the_same_gradients() {
    let (model, mut ws) = small(small_config(GptConfig::makemore(5, 5), Arch::LayerNorm), 1);
    model.forward(&mut ws).unwrap();
    let mut g1 = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut g1);
    let mut g2 = g1.clone();
    model.backward::<Solutions>(&mut ws, &mut g2); // zeroes first: not doubled
    assert_eq!(g1, g2);
}

#[test]
fn f32_and_f64_models_agree() {
    let config = GptConfig::makemore(7, 8);
    let m64 = Gpt::<f64>::new(config, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let m32 = Gpt::<f32>::new(config, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let idx = Array2::from_shape_fn((2, 8), |(b, t)| (b * 3 + t) % 7);
    let targets = Array2::from_shape_fn((2, 8), |(b, t)| ((b + t * 2) % 7) as i64);
    let mut w64 = m64.workspace(2, 8).unwrap();
    let mut w32 = m32.workspace(2, 8).unwrap();
    w64.idx.assign(&idx);
    w32.idx.assign(&idx);
    w64.targets.assign(&targets);
    w32.targets.assign(&targets);
    let l64 = m64.forward(&mut w64).unwrap();
    let l32 = m32.forward(&mut w32).unwrap();
    assert!((l64 - l32 as f64).abs() < 1e-4, "{l64} vs {l32}");
    // about ln(7) at initialisation
    assert!((l64 - 7f64.ln()).abs() < 1.0, "{l64}");
}

#[test]
fn bad_sizes_and_inputs_are_errors_not_panics() {
    let rng = &mut ChaCha8Rng::seed_from_u64(0);
    let bad = GptConfig {
        n_head: 3,
        ..GptConfig::makemore(27, 16)
    };
    assert!(Gpt::<f32>::new(bad, rng).is_err());
    let model = Gpt::<f32>::new(GptConfig::makemore(27, 16), rng).unwrap();
    assert!(model.workspace(2, 17).is_err(), "longer than the block");
    let mut ws = model.workspace(2, 4).unwrap();
    ws.idx[[0, 0]] = 27;
    ws.targets.fill(1);
    assert!(
        model.forward(&mut ws).is_err(),
        "a character outside the vocabulary"
    );
    ws.idx[[0, 0]] = 0;
    ws.targets.fill(IGNORE);
    let err = model.forward(&mut ws).unwrap_err().to_string();
    assert!(err.contains("every target is ignored"), "{err}");
    ws.targets.fill(30);
    assert!(model.forward(&mut ws).is_err());
}

#[test]
fn the_export_holds_parameters_gradients_and_batch_in_pytorchs_layout() {
    let dir = std::env::temp_dir().join(format!("bpn-gpt-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gpt.safetensors");
    let loss = gpt_export::export_check::<Solutions>(&path, 42).unwrap();
    let (tensors, metadata) = weights::load(&path).unwrap();
    assert_eq!(metadata["format"], gpt_export::EXPORT_FORMAT);
    for (key, value) in [
        ("n_layer", "2"),
        ("n_head", "2"),
        ("n_embd", "8"),
        ("block_size", "6"),
        ("vocab_size", "11"),
    ] {
        assert_eq!(metadata[key], value, "{key}");
    }
    let (model, ws) = gpt_export::export_model(42).unwrap();
    let n = model.named_params().len();
    assert_eq!(tensors.len(), 2 * n + 4);
    assert_eq!(metadata["activation"], "gelu_tanh");
    assert_eq!(tensors["logits"].shape(), &[3, 6, 11]);
    assert_eq!(tensors["X"].shape(), &[3, 6]);
    assert_eq!(
        tensors["Y"].to_f64(),
        ws.targets.mapv(|y| y as f64).into_dyn()
    );
    assert!(ws.targets.iter().any(|&y| y == IGNORE));
    assert_eq!(tensors["loss"].to_f64().into_iter().next(), Some(loss));
    // Linear weights are PyTorch's (out, in); embeddings and LayerNorms as they are.
    assert_eq!(tensors["lm_head.weight"].shape(), &[11, 8]);
    assert_eq!(tensors["grad.lm_head.weight"].shape(), &[11, 8]);
    assert_eq!(
        tensors["transformer.h.0.attn.c_attn.weight"].shape(),
        &[24, 8]
    );
    assert_eq!(
        tensors["transformer.h.1.mlp.c_proj.weight"].shape(),
        &[8, 32]
    );
    assert_eq!(tensors["transformer.wte.weight"].shape(), &[11, 8]);
    assert_eq!(tensors["grad.transformer.wpe.weight"].shape(), &[6, 8]);
    let ours = model.named_params()[4].1.to_owned(); // transformer.h.0.attn.c_attn.weight, (8, 24)
    assert_eq!(
        model.named_params()[4].0,
        "transformer.h.0.attn.c_attn.weight"
    );
    assert_eq!(
        tensors["transformer.h.0.attn.c_attn.weight"].to_f64(),
        ours.t().into_owned().into_dyn()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `check --model sft --export`: the same model and file as the GPT's, its
/// batch the conversations of `sft_batch`, so that `verify_gpt_export.py`
/// checks the SFT loss's gradients too.
#[test]
fn the_sft_export_is_the_gpt_export_of_conversations() {
    let dir = std::env::temp_dir().join(format!("bpn-sft-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sft.safetensors");
    let loss = gpt_export::export_sft_check::<Solutions>(&path, 42).unwrap();
    let (tensors, metadata) = weights::load(&path).unwrap();
    assert_eq!(metadata["format"], gpt_export::EXPORT_FORMAT);
    let (model, mut ws) = gpt_export::sft_batch::<Solutions>(42).unwrap();
    assert_eq!(tensors["X"].to_f64(), ws.idx.mapv(|i| i as f64).into_dyn());
    assert_eq!(
        tensors["Y"].to_f64(),
        ws.targets.mapv(|y| y as f64).into_dyn()
    );
    assert_eq!(ws.targets.iter().filter(|&&y| y != IGNORE).count(), 6);
    assert_eq!(model.forward(&mut ws).unwrap(), loss);
    assert_eq!(tensors["loss"].to_f64().into_iter().next(), Some(loss));
    assert_eq!(tensors.len(), 2 * model.named_params().len() + 4);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The time of one training step (forward and backward, no optimiser) of
/// the lecture's model at batch 16, block 32, in f32. A measurement, not a
/// check: `cargo test --release --test gpt_model -- --ignored --nocapture step_time`.
#[test]
#[ignore = "timing: run in release"]
fn step_time() {
    let model = Gpt::<f32>::new(GptConfig::lecture(65), &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let mut ws = model.workspace(16, 32).unwrap();
    ws.idx = Array2::from_shape_fn((16, 32), |(b, t)| (b * 7 + t * 3) % 65);
    ws.targets = Array2::from_shape_fn((16, 32), |(b, t)| ((b * 5 + t) % 65) as i64);
    let mut grads = model.zero_grads();
    let (mut forward, mut backward) = (0.0, 0.0);
    let steps = 50;
    for step in 0..steps + 5 {
        let t0 = std::time::Instant::now();
        model.forward(&mut ws).unwrap();
        let t1 = std::time::Instant::now();
        model.backward::<Solutions>(&mut ws, &mut grads);
        if step >= 5 {
            forward += (t1 - t0).as_secs_f64();
            backward += t1.elapsed().as_secs_f64();
        }
    }
    let ms = |s: f64| s / steps as f64 * 1e3;
    println!(
        "lecture GPT, batch 16 × 32, f32: forward {:.2} ms, backward {:.2} ms, step {:.2} ms",
        ms(forward),
        ms(backward),
        ms(forward + backward)
    );
}

#[test]
fn layer_inputs_that_do_not_fit_are_errors_that_say_why() {
    use backprop_ninja::layers::adamw::AdamW;
    use backprop_ninja::layers::layernorm::LayerNorm;
    use backprop_ninja::layers::position_embedding::PositionEmbedding;
    use backprop_ninja::layers::sequence_cross_entropy;
    use backprop_ninja::models::adamw::AdamWState;
    use ndarray::Array3;

    let ln = LayerNorm::<f64>::new(4);
    let err = ln.forward(&Array2::zeros((3, 5))).unwrap_err().to_string();
    assert!(err.contains("layernorm") && err.contains("[3, 5]"), "{err}");

    assert!(PositionEmbedding::<f64>::new(Array2::zeros((5, 3)), Array2::zeros((4, 2))).is_err());
    let emb = PositionEmbedding::<f64>::new(Array2::zeros((5, 3)), Array2::zeros((4, 3))).unwrap();
    let err = emb.forward(&Array2::zeros((2, 5))).unwrap_err().to_string();
    assert!(err.contains("longer than the block size 4"), "{err}");
    let err = emb
        .forward(&Array2::from_elem((2, 3), 5))
        .unwrap_err()
        .to_string();
    assert!(err.contains("index 5 at row 0, position 0"), "{err}");

    let logits = Array3::<f64>::zeros((2, 3, 4));
    let err = sequence_cross_entropy::forward(&logits, &Array2::zeros((2, 2)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("targets"), "{err}");
    let mut targets = Array2::<i64>::zeros((2, 3));
    targets[[1, 2]] = 4;
    let err = sequence_cross_entropy::forward(&logits, &targets)
        .unwrap_err()
        .to_string();
    assert!(err.contains("target 4 at row 1, position 2"), "{err}");
    targets[[1, 2]] = -2;
    assert!(
        sequence_cross_entropy::forward(&logits, &targets).is_err(),
        "only -1 is ignored"
    );

    let bad = AdamW {
        beta2: 1.0,
        ..AdamW::TORCH
    };
    let shapes = || vec![("w".to_string(), vec![2, 3])];
    assert!(AdamWState::<f32>::for_shapes(bad, shapes()).is_err());
    assert!(AdamWState::<f32>::for_shapes(AdamW::MAKEMORE, shapes()).is_ok());
}

#[test]
fn adamw_state_steps_a_whole_model_and_the_loss_falls() {
    use backprop_ninja::Backprop;
    use backprop_ninja::layers::adamw::AdamW;
    use backprop_ninja::models::adamw::AdamWState;
    let (mut model, mut ws) = small(small_config(GptConfig::makemore(5, 5), Arch::LayerNorm), 2);
    let hyper = AdamW {
        lr: 1e-2,
        ..AdamW::TORCH
    };
    let mut opt = AdamWState::<f64>::new(hyper, &model).unwrap();
    let mut grads = model.zero_grads();
    let first = model.forward(&mut ws).unwrap();
    let mut last = first;
    for _ in 0..30 {
        last = model.forward(&mut ws).unwrap();
        model.backward::<Solutions>(&mut ws, &mut grads);
        opt.step::<Solutions, _>(&mut model, &grads);
    }
    assert_eq!(opt.t, 30);
    assert!(
        last < 0.6 * first,
        "one batch is being learned: {first} → {last}"
    );
    // The step is AdamW's update of each parameter with its own gradient
    // and its own moments, found here by name.
    let (mut a, mut ws) = small(small_config(GptConfig::makemore(5, 5), Arch::LayerNorm), 3);
    let mut b = a.clone();
    let mut opt_a = AdamWState::new(hyper, &a).unwrap();
    let mut opt_b = opt_a.clone();
    let (mut ga, mut gb) = (a.zero_grads(), b.zero_grads());
    for t in 1..=3 {
        a.forward(&mut ws).unwrap();
        a.backward::<Solutions>(&mut ws, &mut ga);
        opt_a.step::<Solutions, _>(&mut a, &ga);
        b.forward(&mut ws).unwrap();
        b.backward::<Solutions>(&mut ws, &mut gb);
        let named_grads = b.clone().named_grads(&gb).into_iter();
        let named_grads: Vec<_> = named_grads.map(|(n, g)| (n, g.to_owned())).collect();
        for (name, mut p) in b.named_params_mut() {
            let k = opt_b.names.iter().position(|n| *n == name).unwrap();
            let g = &named_grads.iter().find(|(n, _)| *n == name).unwrap().1;
            Solutions::adamw_update(&mut p, &mut opt_b.m[k], &mut opt_b.v[k], g, t, &hyper);
        }
        opt_b.t = t;
    }
    assert_eq!(a, b);
    assert_eq!(opt_a, opt_b);
}

#[test]
fn adamw_moments_of_another_model_or_name_or_shape_are_refused() {
    use backprop_ninja::layers::adamw::AdamW;
    use backprop_ninja::models::adamw::AdamWState;
    let config = small_config(GptConfig::makemore(5, 5), Arch::LayerNorm);
    let (model, _) = small(config, 2);
    let opt = AdamWState::<f64>::new(AdamW::TORCH, &model).unwrap();
    assert!(opt.check(&model).is_ok());

    // Another model: one block fewer.
    let (other, _) = small(
        GptConfig {
            n_layer: 1,
            ..config
        },
        2,
    );
    let err = opt.check(&other).unwrap_err().to_string();
    assert!(err.contains("another model"), "{err}");
    let err = AdamWState::<f64>::new(AdamW::TORCH, &other)
        .unwrap()
        .check(&model)
        .unwrap_err()
        .to_string();
    assert!(err.contains("another model"), "{err}");

    // The same count, two moments swapped: named for another parameter.
    let mut swapped = opt.clone();
    swapped.names.swap(2, 3);
    swapped.m.swap(2, 3);
    swapped.v.swap(2, 3);
    let err = swapped.check(&model).unwrap_err().to_string();
    assert!(
        err.contains("transformer.h.0.ln_1.bias") && err.contains("transformer.h.0.ln_1.weight"),
        "{err}"
    );

    // The right name, the wrong shape.
    let mut reshaped = opt.clone();
    reshaped.v[0] = ndarray::ArrayD::zeros(vec![2, 2]);
    let err = reshaped.check(&model).unwrap_err().to_string();
    assert!(
        err.contains("v of transformer.wte.weight") && err.contains("[2, 2]"),
        "{err}"
    );

    // And a step never pairs a parameter with a moment of another shape.
    let mut model = model;
    let grads = model.zero_grads();
    let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut other_opt = AdamWState::<f64>::new(AdamW::TORCH, &other).unwrap();
        other_opt.step::<Solutions, _>(&mut model, &grads)
    }));
    assert!(step.is_err(), "a state of another model is refused");
}

/// The SFT loss (State of GPT): the GPT on conversations whose targets
/// `sft_targets` built, ignored outside the answers.
#[test]
fn sft_gradients_match_finite_differences() {
    let (model, ws) = backprop_ninja::io::gpt_export::sft_batch::<Solutions>(5).unwrap();
    // Row 1 has an empty answer: its end token alone counts.
    let counted: Vec<usize> = ws
        .targets
        .rows()
        .into_iter()
        .map(|r| r.iter().filter(|&&y| y != IGNORE).count())
        .collect();
    assert_eq!(counted, vec![3, 1, 2], "{:?}", ws.targets);
    check_batch_gradients(model, ws, "sft");
}

/// `benches/rlhf_step.py` builds the chat model in PyTorch and refuses to
/// time it unless it has the parameter count it states: the crate's, for
/// makemore's Transformer on the chat format of the names' characters.
#[test]
fn the_rlhf_step_scripts_model_has_the_crates_parameter_count() {
    use backprop_ninja::chat::format::ChatFormat;
    use backprop_ninja::corpus::codec::Codec;
    let format = ChatFormat::on_chars(".abcdefghijklmnopqrstuvwxyz").unwrap();
    assert_eq!(format.vocab_size(), 45);
    let rng = &mut ChaCha8Rng::seed_from_u64(0);
    let chat = Gpt::<f32>::new(GptConfig::makemore(format.vocab_size(), 53), rng).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/rlhf_step.py");
    let script = std::fs::read_to_string(path).unwrap();
    let stated: Vec<usize> = script
        .lines()
        .filter_map(|l| l.strip_prefix("EXPECTED_PARAMS = "))
        .map(|n| n.trim().replace('_', "").parse().unwrap())
        .collect();
    assert_eq!(stated, [chat.num_params()], "{path}");
}
