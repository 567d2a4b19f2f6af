//! # Snapshots of the reference gradients
//!
//! For a fixed seed, each reference gradient's shape, summary and leading
//! values, rounded to 8 decimals (and `+ 0.0`, so no `-0`), so that they
//! read the same on every CPU. A change to a solution shows up in review as
//! a change to `tests/it/snapshots/it__snapshots__<layer>_<gradient>.snap`.
//!
//! The tests below written by hand snapshot each layer on inputs of their
//! own; [`solutions_graded_gradients`] snapshots every other exercise of the
//! registry on its grading case's inputs, a new one included.

use crate::common;
use backprop_ninja::course::step_by_step::Var;

use backprop_ninja::float::randn;
use backprop_ninja::layers::batchnorm::BatchNorm1d;
use backprop_ninja::layers::cross_entropy;
use backprop_ninja::layers::embedding::Embedding;
use backprop_ninja::layers::flatten_consecutive::FlattenConsecutive;
use backprop_ninja::layers::linear::Linear;
use backprop_ninja::layers::params::NamedParams;
use backprop_ninja::{Backprop, Solutions, grade};
use ndarray::{Array2, Array3, ArrayRef, Axis, Dimension};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn round(x: f64) -> f64 {
    (x * 1e8).round() / 1e8 + 0.0
}

/// Shape, sum, mean, std, min, max and the first 12 values.
fn describe<D: Dimension>(x: &ArrayRef<f64, D>) -> String {
    let n = x.len() as f64;
    let mean = x.sum() / n;
    let std = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let min = x.iter().copied().fold(f64::INFINITY, f64::min);
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let first: Vec<String> = x
        .iter()
        .take(12)
        .map(|&v| format!("{:.8}", round(v)))
        .collect();
    format!(
        "shape: {:?}\nsum:  {:.8}\nmean: {:.8}\nstd:  {:.8}\nmin:  {:.8}\nmax:  {:.8}\nfirst: {}\n",
        x.shape(),
        round(x.sum()),
        round(mean),
        round(std),
        round(min),
        round(max),
        first.join(" ")
    )
}

#[test]
fn reference_layer_gradients() {
    let rng = &mut ChaCha8Rng::seed_from_u64(2024);

    let x = randn((4, 3), rng);
    let layer = Linear::new(randn((3, 5), rng), Some(randn(5, rng))).unwrap();
    let dout = randn((4, 5), rng);
    let (mut dx, mut grads) = (Array2::zeros((4, 3)), layer.zero_grads());
    Solutions::linear_backward(&mut dx, &mut grads, &dout, &x, &layer);
    insta::assert_snapshot!("linear_dx", describe(&dx));
    insta::assert_snapshot!("linear_dw", describe(&grads.dw));
    insta::assert_snapshot!("linear_db", describe(grads.db.as_ref().unwrap()));

    let emb = Embedding::new(randn((5, 2), rng));
    let idx = ndarray::array![[0, 0, 3], [0, 3, 4], [1, 1, 1]];
    let dout = randn((3, 3, 2), rng);
    let mut grads = emb.zero_grads();
    Solutions::embedding_backward(&mut grads, &dout, &idx);
    insta::assert_snapshot!("embedding_dtable", describe(&grads.dtable));

    let x = randn((3, 4), rng);
    let out = backprop_ninja::layers::tanh::forward(&x);
    let dout = randn((3, 4), rng);
    let mut dx = Array2::zeros((3, 4));
    Solutions::tanh_backward(&mut dx, &dout, &out);
    insta::assert_snapshot!("tanh_dx", describe(&dx));

    let mut bn = BatchNorm1d::new(3);
    bn.gain = randn((1, 3), rng) * 0.1 + 1.0;
    bn.bias = randn((1, 3), rng) * 0.1;
    let x = randn((5, 3), rng);
    let (_, cache) = bn.forward_train(&x).unwrap();
    let dout = randn((5, 3), rng);
    let (mut dx, mut grads) = (Array2::zeros((5, 3)), bn.zero_grads());
    Solutions::batchnorm_backward(&mut dx, &mut grads, &dout, &cache, &bn);
    insta::assert_snapshot!("batchnorm_dx", describe(&dx));
    insta::assert_snapshot!("batchnorm_dgain", describe(&grads.dgain));
    insta::assert_snapshot!("batchnorm_dbias", describe(&grads.dbias));

    let logits = randn((4, 6), rng) * 2.0;
    let targets = [0, 5, 2, 2];
    let (_, cache) = cross_entropy::forward(&logits, &targets).unwrap();
    let mut dlogits = Array2::zeros((4, 6));
    Solutions::cross_entropy_backward(&mut dlogits, 1.0, &cache, &targets);
    insta::assert_snapshot!("cross_entropy_dlogits", describe(&dlogits));
}

#[test]
fn reference_exercise_1_gradients() {
    let (f, grads) = grade::cases::step_by_step::lecture();
    insta::assert_snapshot!("ex1_loss", format!("{:.8}\n", round(f.loss)));
    for var in Var::ALL {
        insta::assert_snapshot!(
            format!("ex1_{}", var.grad_name()),
            describe(&grads.get(var))
        );
    }
}

#[test]
fn reference_wavenet_layer_gradients() {
    let rng = &mut ChaCha8Rng::seed_from_u64(2025);

    let flatten = FlattenConsecutive::new(2).unwrap();
    let dout = randn((2, 2, 6), rng);
    let mut dx = Array3::zeros((2, 4, 3));
    Solutions::flatten_consecutive_backward(&mut dx, &dout, &flatten);
    insta::assert_snapshot!("flatten_consecutive_dx", describe(&dx));

    let x = randn((2, 3, 4), rng);
    let layer = Linear::new(randn((4, 5), rng), Some(randn(5, rng))).unwrap();
    let dout = randn((2, 3, 5), rng);
    let (mut dx, mut grads) = (Array3::zeros((2, 3, 4)), layer.zero_grads());
    Solutions::linear_backward_3d(&mut dx, &mut grads, &dout, &x, &layer);
    insta::assert_snapshot!("linear_3d_dx", describe(&dx));
    insta::assert_snapshot!("linear_3d_dw", describe(&grads.dw));
    insta::assert_snapshot!("linear_3d_db", describe(grads.db.as_ref().unwrap()));

    let mut bn = BatchNorm1d::new(3);
    bn.gain = randn((1, 3), rng) * 0.1 + 1.0;
    bn.bias = randn((1, 3), rng) * 0.1;
    let x = randn((4, 2, 3), rng);
    let (_, cache) = bn.forward_train_3d(&x).unwrap();
    let dout = randn((4, 2, 3), rng);
    let (mut dx, mut grads) = (Array3::zeros((4, 2, 3)), bn.zero_grads());
    Solutions::batchnorm_backward_3d(&mut dx, &mut grads, &dout, &cache, &bn);
    insta::assert_snapshot!("batchnorm_3d_dx", describe(&dx));
    insta::assert_snapshot!("batchnorm_3d_dgain", describe(&grads.dgain));
    insta::assert_snapshot!("batchnorm_3d_dbias", describe(&grads.dbias));
}

#[test]
fn reference_small_wavenet_gradients() {
    let common::SmallWaveNet {
        model,
        mut ws,
        loss,
        ..
    } = common::small_wavenet_forward(grade::SEED);
    insta::assert_snapshot!("wavenet_loss", format!("{:.8}\n", round(loss)));
    let mut grads = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut grads);
    // The snapshots are named as the learner's Sequential names the
    // gradients: `layers.2.weight` of a Linear is `layers[2] dw`, `layers2_dw`.
    for (name, g) in model.named_grads(&grads) {
        let name = backprop_ninja::grade::cases::wavenet::gradient_label(&model, &name)
            .replace(['[', ']'], "")
            .replace(' ', "_");
        insta::assert_snapshot!(format!("wavenet_{name}"), describe(&g));
    }
    let dlogits = ws.douts.last().unwrap().index_axis(Axis(1), 0);
    insta::assert_snapshot!("wavenet_dlogits", describe(&dlogits));
}

#[test]
fn reference_attention_gradients() {
    use backprop_ninja::grade::cases::attention::HeadGrads;
    use backprop_ninja::layers::attention::CausalSelfAttention;
    use backprop_ninja::layers::head::HeadVar;
    use backprop_ninja::layers::softmax;

    let rng = &mut ChaCha8Rng::seed_from_u64(2026);

    let wei = softmax::forward(&randn((2, 4, 4), rng)).unwrap();
    let x = randn((2, 4, 3), rng);
    let dout = randn((2, 4, 3), rng);
    let (mut dwei, mut dx) = (Array3::zeros((2, 4, 4)), Array3::zeros((2, 4, 3)));
    Solutions::weighted_average_backward(&mut dwei, &mut dx, &dout, &wei, &x);
    insta::assert_snapshot!("weighted_average_dwei", describe(&dwei));
    insta::assert_snapshot!("weighted_average_dx", describe(&dx));

    let scores = randn((3, 4, 4), rng);
    let att = softmax::forward(&scores).unwrap();
    let datt = randn((3, 4, 4), rng);
    let mut dscores = Array3::zeros((3, 4, 4));
    Solutions::softmax_backward(&mut dscores, &datt, &att);
    insta::assert_snapshot!("softmax_dscores", describe(&dscores));

    let (f, dout) = grade::cases::attention::small_head(grade::SEED);
    let grads = HeadGrads::chain::<Solutions>(&f, dout);
    for var in HeadVar::ALL {
        insta::assert_snapshot!(
            format!("head_{}", var.grad_name()),
            describe(grads.get(var))
        );
    }

    let (b, t, c, nh) = (2, 4, 8, 2);
    let c_attn = Linear::new(randn((c, 3 * c), rng) * 0.35, Some(randn(3 * c, rng) * 0.1)).unwrap();
    let c_proj = Linear::new(randn((c, c), rng) * 0.35, Some(randn(c, rng) * 0.1)).unwrap();
    let layer = CausalSelfAttention::new(c_attn, Some(c_proj), nh).unwrap();
    let x = randn((b, t, c), rng);
    let dout = randn((b, t, c), rng);
    let (_, mut cache) = layer.forward(&x).unwrap();
    let (mut dx, mut grads) = (Array3::zeros((b, t, c)), layer.zero_grads());
    Solutions::attention_backward(&mut dx, &mut grads, &dout, &x, &mut cache, &layer);
    let proj = grads.c_proj.as_ref().unwrap();
    insta::assert_snapshot!("attention_dx", describe(&dx));
    insta::assert_snapshot!("attention_c_attn_dw", describe(&grads.c_attn.dw));
    insta::assert_snapshot!(
        "attention_c_attn_db",
        describe(grads.c_attn.db.as_ref().unwrap())
    );
    insta::assert_snapshot!("attention_c_proj_dw", describe(&proj.dw));
    insta::assert_snapshot!("attention_c_proj_db", describe(proj.db.as_ref().unwrap()));
}
#[test]
fn reference_gpt_core_gradients() {
    use backprop_ninja::grade::cases::gpt::{ADAMW_GRADED, BlockKind, small_block};
    use backprop_ninja::layers::layernorm::LayerNorm;
    use backprop_ninja::layers::position_embedding::PositionEmbedding;
    use backprop_ninja::layers::relu;
    use backprop_ninja::layers::sequence_cross_entropy::{self, IGNORE};

    let rng = &mut ChaCha8Rng::seed_from_u64(2026);

    let mut ln = LayerNorm::new(4);
    ln.weight = randn(4, rng) * 0.3 + 1.0;
    ln.bias = randn(4, rng) * 0.3;
    let x = randn((5, 4), rng) * 2.0;
    let (_, cache) = ln.forward(&x).unwrap();
    let dout = randn((5, 4), rng);
    let (mut dx, mut grads) = (Array2::zeros((5, 4)), ln.zero_grads());
    Solutions::layernorm_backward(&mut dx, &mut grads, &dout, &cache, &ln);
    insta::assert_snapshot!("gpt_layernorm_dx", describe(&dx));
    insta::assert_snapshot!("gpt_layernorm_dweight", describe(&grads.dweight));
    insta::assert_snapshot!("gpt_layernorm_dbias", describe(&grads.dbias));

    let x = randn((3, 4), rng) * 2.0;
    let dout = randn((3, 4), rng);
    let mut dx = Array2::zeros((3, 4));
    Solutions::relu_backward(&mut dx, &dout, &relu::forward(&x));
    insta::assert_snapshot!("gpt_relu_dx", describe(&dx));
    let mut dx = Array2::zeros((3, 4));
    Solutions::gelu_backward(&mut dx, &dout, &x);
    insta::assert_snapshot!("gpt_gelu_dx", describe(&dx));

    let emb = PositionEmbedding::new(randn((5, 3), rng), randn((4, 3), rng)).unwrap();
    let idx = ndarray::array![[0, 0, 3], [0, 3, 4]];
    let dout = randn((2, 3, 3), rng);
    let mut grads = emb.zero_grads();
    Solutions::position_embedding_backward(&mut grads, &dout, &idx);
    insta::assert_snapshot!("gpt_position_embedding_dwte", describe(&grads.dwte));
    insta::assert_snapshot!("gpt_position_embedding_dwpe", describe(&grads.dwpe));

    let logits = randn((2, 3, 5), rng) * 2.0;
    let targets = ndarray::array![[1, 4, IGNORE], [0, IGNORE, IGNORE]];
    let (loss, cache) = sequence_cross_entropy::forward(&logits, &targets).unwrap();
    let mut dlogits = Array3::zeros((2, 3, 5));
    Solutions::sequence_cross_entropy_backward(&mut dlogits, 1.0, &cache, &targets);
    insta::assert_snapshot!("gpt_cross_entropy_loss", format!("{:.8}\n", round(loss)));
    insta::assert_snapshot!("gpt_cross_entropy_dlogits", describe(&dlogits));

    let (block, x, dout) = small_block(2026, BlockKind::Makemore);
    let (_, mut cache) = block.forward(&x).unwrap();
    let (mut dx, mut grads) = (Array3::zeros(x.raw_dim()), block.zero_grads());
    Solutions::block_backward::<Solutions, f64>(&mut dx, &mut grads, &dout, &x, &mut cache, &block);
    insta::assert_snapshot!("gpt_block_dx", describe(&dx));
    let all: String = block
        .named_grads(&grads)
        .iter()
        .map(|(name, g)| format!("── d{name}\n{}", describe(g)))
        .collect();
    insta::assert_snapshot!("gpt_block_grads", all);

    let mut p = randn((2, 3), rng);
    let (mut m, mut v) = (Array2::zeros((2, 3)), Array2::zeros((2, 3)));
    for t in 1..=3 {
        let g = randn((2, 3), rng);
        Solutions::adamw_update(&mut p, &mut m, &mut v, &g, t, &ADAMW_GRADED);
    }
    insta::assert_snapshot!("gpt_adamw_p", describe(&p));
    insta::assert_snapshot!("gpt_adamw_m", describe(&m));
    insta::assert_snapshot!("gpt_adamw_v", describe(&v));
}

#[test]
fn reference_small_gpt_gradients() {
    use backprop_ninja::io::gpt_export::export_model;
    let (model, mut ws) = export_model(grade::SEED).unwrap();
    let loss = model.forward(&mut ws).unwrap();
    insta::assert_snapshot!("gpt_small_loss", format!("{:.8}\n", round(loss)));
    let mut grads = model.zero_grads();
    model.backward::<Solutions>(&mut ws, &mut grads);
    let all: String = model
        .named_grads(&grads)
        .iter()
        .map(|(name, g)| format!("── grad.{name}\n{}", describe(g)))
        .collect();
    insta::assert_snapshot!("gpt_small_grads", all);
}

/// The exercises that the tests above snapshot by hand, on inputs of their
/// own: exercise 1's steps (and the chain, which is them), the head's steps,
/// and these.
const BY_HAND: &[&str] = &[
    "layers::linear",
    "layers::embedding",
    "layers::tanh",
    "ex2::cross_entropy",
    "ex3::batchnorm",
    "wavenet::flatten_consecutive",
    "wavenet::linear_3d",
    "wavenet::batchnorm_3d",
    "gpt::weighted_average",
    "gpt::softmax",
    "gpt::attention",
    "gpt::layernorm",
    "gpt::relu",
    "gpt::gelu",
    "gpt::position_embedding",
    "gpt::cross_entropy",
    "gpt::block",
    "gpt::adamw",
];

fn snapshotted_by_hand(id: &str) -> bool {
    id.starts_with("ex1::") || id.starts_with("gpt::head::") || BY_HAND.contains(&id)
}

/// Every exercise of the registry that no test above snapshots: the
/// reference's gradients on its grading case's inputs, as the grader
/// compares them, one snapshot per exercise (`graded_<id>`).
#[test]
fn reference_graded_gradients() {
    use backprop_ninja::grade::case::recording_references;
    use backprop_ninja::grade::dispatch;
    use backprop_ninja::registry::{Exercise, REGISTRY};

    for id in BY_HAND {
        assert!(
            Exercise::from_id(id).is_some(),
            "{id} is not in the registry"
        );
    }
    for entry in REGISTRY {
        if snapshotted_by_hand(entry.id) {
            continue;
        }
        let recorded = recording_references(|| {
            dispatch::grade::<Solutions>(entry.exercise);
        });
        assert!(
            !recorded.is_empty(),
            "{}: its grading case records no gradients (grade::case::LayerCase does): grade it with a LayerCase or snapshot it by hand",
            entry.id
        );
        let all: String = recorded
            .iter()
            .map(|(name, g)| format!("── {name}\n{}", describe(g)))
            .collect();
        insta::assert_snapshot!(format!("graded_{}", entry.id.replace("::", "_")), all);
    }
}
